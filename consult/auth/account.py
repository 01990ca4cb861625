"""The account's sign-in sessions and password: sign in and out, log out everywhere, change
the password (pages on /account, the same services as ``/api/v1/account/sessions``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from consult.auth import services, sessions
from consult.auth.forms import NamesForm, PasswordChangeForm, TokenForm
from consult.auth.models import User
from consult.auth.names import can_edit_names, set_user_names
from consult.errors import ConsultError
from consult.extensions import db
from consult.languages.codes import LANGUAGES
from consult.types import utcnow
from consult.web import EmptyForm, login_required, show_errors

bp = Blueprint("account", __name__)

#: Session entries that survive signing in (the rest is dropped with the old session).
KEPT_ON_SIGN_IN = ("locale",)


def sign_in(user: User, *, remember: bool) -> None:
    """Start a new server-side session for ``user`` in a fresh cookie session.

    Everything the visitor's session held before is dropped (but the language), so a cookie
    captured before signing in never becomes a signed-in one.
    """
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    sessions.start_session(user, user_agent=request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this browser's session on the server too; its cookies stop working."""
    if current_user.is_authenticated:
        sessions.end_session(current_user, getattr(current_user, "session_key", None))
    logout_user()
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()
    session.update(kept)


def render_account(
    *,
    status: int = 200,
    new_token: str | None = None,
    password_form: PasswordChangeForm | None = None,
    names_form: NamesForm | None = None,
) -> Any:
    """The account page: tokens, sessions, the password and (staff) names, with ``status``."""
    page = render_template(
        "auth/account.html",
        tokens=services.active_tokens(current_user),
        token_form=TokenForm(),
        empty_form=EmptyForm(),
        new_token=new_token,
        **account_sections(password_form, names_form),
    )
    return page, status


def account_sections(
    password_form: PasswordChangeForm | None = None, names_form: NamesForm | None = None
) -> dict[str, Any]:
    """What the account page shows about sessions, the password and (staff) names."""
    key = getattr(current_user, "session_key", None)
    rows = sessions.open_sessions(current_user)
    if names_form is None and can_edit_names(current_user, current_user):
        names_form = NamesForm(
            formdata=None, data={f"name_{row.language}": row.name for row in current_user.names}
        )
    return {
        "login_sessions": [(row, sessions.is_current(row, key)) for row in rows],
        "password_form": password_form or PasswordChangeForm(formdata=None),
        "names_form": names_form,
    }


@bp.route("/account/names", methods=["POST"])
@login_required
def names() -> Any:
    """A staff account gives its display name in Kazakh, Russian and English."""
    if not can_edit_names(current_user, current_user):
        abort(403)
    form = NamesForm()
    if form.validate_on_submit():
        try:
            set_user_names(
                current_user,
                current_user,
                {code: getattr(form, f"name_{code}").data or "" for code in LANGUAGES},
            )
        except ConsultError as exc:
            db.session.rollback()
            show_errors(form, exc, "name_en")
        else:
            db.session.commit()
            flash(_("Your name in other languages has been saved."), "success")
            return redirect(url_for("auth.account") + "#names", 303)
    return render_account(status=422, names_form=form)


@bp.route("/account/sessions/end", methods=["POST"])
@login_required
def end_all() -> Any:
    """Log out everywhere: end every session of the account, this one included."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("auth.account"), 303)
    ended = sessions.end_sessions(current_user)
    logout_user()
    session.clear()
    db.session.commit()
    flash(_("You have logged out everywhere (%(n)s sessions).", n=ended), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/sessions/<id:session_id>/end", methods=["POST"])
@login_required
def end_one(session_id: int) -> Any:
    """End one of the account's other sessions."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("auth.account"), 303)
    row = db.session.get(sessions.LoginSession, session_id)
    if row is None or row.user_id != current_user.id or row.ended_at is not None:
        abort(404)
    if sessions.is_current(row, getattr(current_user, "session_key", None)):
        return end_all_here()
    row.ended_at = utcnow()
    db.session.commit()
    flash(_("That session has ended."), "info")
    return redirect(url_for("auth.account"), 303)


def end_all_here() -> Any:
    """End this session (the same as logging out)."""
    sign_out()
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password() -> Any:
    """Change the password; every other session ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            ended = services.change_password(
                current_user,
                form.password.data or "",
                current=form.current_password.data or "",
                keep_session=getattr(current_user, "session_key", None),
            )
        except ConsultError as exc:
            db.session.rollback()
            show_errors(form, exc, "password")
        else:
            db.session.commit()
            flash(
                _("Your password has been changed; %(n)s other sessions have ended.", n=ended),
                "success",
            )
            return redirect(url_for("auth.account"), 303)
    return render_account(status=422, password_form=form)
