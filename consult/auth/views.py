"""Register, log in, log out, account page, language choice, admin user roles."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consult.auth import identity, recovery, services, throttle, twofactor
from consult.auth.account import render_account, sign_in, sign_out
from consult.auth.forms import LoginForm, RegisterForm, RoleForm, TokenForm
from consult.auth.models import ApiToken, Role, User
from consult.auth.twofactor_session import begin_second_step
from consult.errors import ConsultError
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.web import EmptyForm, login_required, page_number, paginate, safe_next, show_errors

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@rate_limited("login")
def login() -> Any:
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("consultations.index")))
    form = LoginForm()
    if not form.is_submitted() and session.get("register_email"):
        form.email.data = session.pop("register_email")
    if form.validate_on_submit():
        email = form.email.data or ""
        lock = throttle.login_lock(email)
        if lock is not None:
            return _locked(form, lock)
        user = services.authenticate(email, form.password.data or "")
        if user is not None and twofactor.is_enrolled(user):
            throttle.record_success(email)
            return begin_second_step(
                user, remember=bool(form.remember.data), next_url=request.args.get("next")
            )
        if user is not None:
            throttle.record_success(email)
            sign_in(user, remember=bool(form.remember.data))
            db.session.commit()
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("consultations.index")))
        throttle.record_failure(email, services.find_user_by_email(email))
        db.session.commit()  # hands the owner's notice, if any, to the mail sender
        # One message whatever was wrong: no account enumeration.
        form.password.errors.append(_("The e-mail or the password is not right."))
        return render_template("auth/login.html", form=form), 422
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


def _locked(form: LoginForm, lock: throttle.Lock) -> Any:
    """429: password login of this account is paused (the same answer for any address)."""
    minutes = max(1, (lock.retry_after + 59) // 60)
    form.password.errors.append(
        _(
            "Too many failed attempts for this account. Try again in %(n)s minutes.",
            n=minutes,
        )
    )
    headers = {"Retry-After": str(lock.retry_after)}
    return render_template("auth/login.html", form=form), 429, headers


@bp.route("/register", methods=["GET", "POST"])
@rate_limited("register")
def register() -> Any:
    """Create an account and log the person in."""
    if current_user.is_authenticated:
        return redirect(url_for("consultations.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            # Checks on the text alone (they tell nothing about who has an account).
            email = identity.check_email(email)
            identity.check_display_name(form.display_name.data or "", role=Role.participant)
        except ConsultError as exc:
            show_errors(form, exc, "email")
            return render_template("auth/register.html", form=form), 422
        password = form.password.data or ""
        next_url = safe_next(request.args.get("next"), "") or None
        user: User | None = None
        returning = False
        if services.find_user_by_email(email) is None:
            try:
                # The language the pages were shown in: the visitor's choice, else the browser's.
                user = services.create_user(
                    email, form.display_name.data or "", password, locale=str(get_locale() or "en")
                )
                db.session.commit()
            except ConsultError:
                db.session.rollback()
                user = None
        else:
            # The owner registering again with their own password is simply logged in.
            user = services.authenticate(email, password)
            returning = user is not None
        if not returning:
            # A mail goes out from a job either way: a verification link, or "you have an account".
            recovery.request_registration_mail(
                email,
                base_url=recovery.base_url_for_links(request.url_root),
                locale=session.get("locale"),
            )
        db.session.commit()
        if user is not None:
            sign_in(user, remember=False)
            db.session.commit()
            flash(_("Welcome, %(name)s. You can take part now.", name=user.display_name), "success")
            return redirect(next_url or url_for("consultations.index"), 303)
        # Taken by someone else: the same neutral answer as before, to the login page. The
        # registration limit (per address) bounds how many addresses can be tried this way.
        session["register_email"] = services.normalise_email(email)
        flash(_("Thank you for registering. Log in with your e-mail address and password."), "info")
        return redirect(url_for("auth.login", next=next_url), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Log out."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    sign_out()
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("consultations.index"))


@bp.route("/language", methods=["POST"])
def set_language() -> Any:
    """Remember the chosen interface language."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("consultations.index")))


@bp.route("/account", methods=["GET"])
@login_required
def account() -> Any:
    """The user's own account: tokens and data."""
    return render_account(new_token=session.pop("new_token", None))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token() -> Any:
    """Create a personal API token (shown once)."""
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("The token could not be created."), "error")
        return redirect(url_for("auth.account"))
    _row, token = services.create_token(current_user, form.name.data or "")
    db.session.commit()
    session["new_token"] = token
    flash(_("Copy your new token now: it will not be shown again."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/tokens/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int) -> Any:
    """Revoke one of the user's tokens."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    services.revoke_token(token, actor=current_user)
    db.session.commit()
    flash(_("The token has been revoked."), "info")
    return redirect(url_for("auth.account"))


admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
USERS_PER_PAGE = 50


@admin_bp.route("/users")
@login_required
def users() -> Any:
    """List accounts with their roles (admins only)."""
    if not current_user.is_admin:
        abort(403)
    query = request.args.get("q", "").strip()
    stmt = (
        select(User)
        .where(User.is_imported.is_(False))
        .order_by(User.created_at.desc(), User.id.desc())
    )
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(User.email.like(like) | User.display_name.ilike(like))
    screen = paginate(stmt, page=page_number(), per_page=USERS_PER_PAGE)
    people = screen.items
    forms = {}
    for person in people:
        form = RoleForm(prefix=f"u{person.id}")
        form.role.data = person.role.value
        forms[person.id] = form
    return render_template(
        "admin/users.html", people=people, forms=forms, query=query, screen=screen
    )


@admin_bp.route("/users/<id:user_id>/role", methods=["POST"])
@login_required
def set_role(user_id: int) -> Any:
    """Assign a role (admins only)."""
    if not current_user.is_admin:
        abort(403)
    person = db.get_or_404(User, user_id)
    form = RoleForm(prefix=f"u{person.id}")
    if not form.validate_on_submit():
        flash(_("Choose a valid role."), "error")
        return redirect(url_for("admin.users")), 303
    if person.id == current_user.id and form.role.data != Role.admin.value:
        flash(_("You cannot remove your own administrator role."), "error")
        return redirect(url_for("admin.users"))
    services.set_role(person, Role(form.role.data), actor=current_user)
    db.session.commit()
    label = dict(form.role.choices)[form.role.data]
    flash(_("%(name)s is now %(role)s.", name=person.display_name, role=label), "success")
    return redirect(url_for("admin.users"))
