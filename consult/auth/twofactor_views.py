"""Pages: the login's second step, two-factor enrolment and settings; the staff gate.

After a right password, an enrolled account is not signed in yet: :func:`begin_second_step`
keeps its id (and session version) in the session for ``TWO_FACTOR_LOGIN_SECONDS``, and
``/login/two-factor`` signs it in once a code is right. Code attempts are limited per address
(the ``two_factor`` limit on the page) and per account (the same limit, counted on the account
whatever address the attempts come from).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from limits import parse
from werkzeug.security import check_password_hash

from consult.auth import twofactor
from consult.auth.account import sign_in
from consult.auth.models import User
from consult.auth.recovery_forms import CodeForm, DisableTwoFactorForm, EnrolForm
from consult.auth.twofactor_session import PENDING_KEY, pending_user
from consult.auth.views import bp
from consult.errors import ConsultError, json_error, wants_json
from consult.extensions import db, limiter
from consult.ratelimits import rate_limited
from consult.security import bearer_token
from consult.web import EmptyForm, login_required, safe_next

CODES_KEY = "new_recovery_codes"

#: What staff who still have to enrol may reach: enrolment itself, leaving, the language,
#: confirming their address, and their account page (to see and revoke tokens).
GATE_ALLOWED = frozenset(
    {
        "static",
        "auth.two_factor",
        "auth.two_factor_enrol",
        "auth.logout",
        "auth.set_language",
        "auth.verify_email",
        "auth.account",
        "auth.revoke_token",
        "privacy.show",
    }
)


def _account_attempt_allowed(user: User) -> bool:
    """Count a code attempt against the account (whatever the address); False over the limit."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    try:
        item = parse(str(current_app.config["RATE_LIMIT_TWO_FACTOR"]))
        return bool(limiter.limiter.hit(item, "two_factor_account", str(user.id)))
    except Exception:  # noqa: BLE001 - storage down: the per-address limit still applies
        current_app.logger.warning("two-factor attempt counter unavailable", exc_info=True)
        return True


@bp.route("/login/two-factor", methods=["GET", "POST"])
@rate_limited("two_factor")
def two_factor_login() -> Any:
    """The login's second step: a code from the authenticator app, or a recovery code."""
    user = pending_user()
    if user is None:
        flash(_("Log in again: the time to type the code has run out."), "info")
        return redirect(url_for("auth.login"), 303)
    form = CodeForm()
    if form.validate_on_submit():
        if not _account_attempt_allowed(user):
            form.code.errors.append(_("Too many attempts. Wait a minute and try again."))
            return render_template("auth/two_factor_login.html", form=form), 429
        if twofactor.verify_second_factor(user, form.code.data or ""):
            data = session.pop(PENDING_KEY)
            sign_in(user, remember=bool(data.get("r")))
            db.session.commit()
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(data.get("n"), url_for("consultations.index")), 303)
        db.session.commit()  # a replayed step stays refused either way
        form.code.errors.append(_("The code is not right."))
        return render_template("auth/two_factor_login.html", form=form), 422
    status = 422 if form.is_submitted() else 200
    return render_template("auth/two_factor_login.html", form=form), status


@bp.route("/account/two-factor", methods=["GET"])
@login_required
def two_factor() -> Any:
    """Two-factor settings; enrolment (with the QR code) while it is off."""
    enrolled = twofactor.is_enrolled(current_user)
    context: dict[str, Any] = {
        "enrolled": enrolled,
        "required": twofactor.must_enrol_if_disabled(current_user),
        "new_codes": session.pop(CODES_KEY, None),
        "empty_form": EmptyForm(),
        "next_url": safe_next(request.args.get("next"), ""),
    }
    if enrolled:
        context["remaining"] = twofactor.remaining_recovery_codes(current_user)
        context["disable_form"] = DisableTwoFactorForm()
    else:
        secret = twofactor.start_enrolment(current_user)
        db.session.commit()
        uri = twofactor.provisioning_uri(current_user, secret)
        context.update(
            secret=secret,
            qr=twofactor.qr_svg(uri),
            form=EnrolForm(),
        )
    response = current_app.make_response(render_template("auth/two_factor.html", **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor/enrol", methods=["POST"])
@login_required
@rate_limited("two_factor")
def two_factor_enrol() -> Any:
    """Confirm enrolment with a first code; the recovery codes are shown once."""
    form = EnrolForm()
    next_url = safe_next(request.args.get("next"), "")
    if not form.validate_on_submit():
        flash(_("Type the six digits the app shows."), "error")
        return redirect(url_for("auth.two_factor", next=next_url or None), 303)
    try:
        codes = twofactor.confirm_enrolment(current_user, form.code.data or "")
    except ConsultError:
        db.session.rollback()
        flash(_("The code is not right; check the time on your phone and try again."), "error")
        return redirect(url_for("auth.two_factor", next=next_url or None), 303)
    db.session.commit()
    session[CODES_KEY] = codes
    flash(_("Two-factor authentication is on."), "success")
    return redirect(url_for("auth.two_factor", next=next_url or None), 303)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@rate_limited("two_factor")
def two_factor_recovery_codes() -> Any:
    """Replace the recovery codes (the old ones stop working)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        codes = twofactor.regenerate_recovery_codes(current_user)
    except ConsultError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("auth.two_factor"), 303)
    db.session.commit()
    session[CODES_KEY] = codes
    flash(_("New recovery codes: the old ones no longer work."), "success")
    return redirect(url_for("auth.two_factor"), 303)


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
@rate_limited("two_factor")
def two_factor_disable() -> Any:
    """Turn two-factor off (participants; staff must keep it)."""
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        abort(400)
    if not check_password_hash(current_user.password_hash or "", form.password.data or ""):
        flash(_("The password is not right."), "error")
        return redirect(url_for("auth.two_factor"), 303)
    try:
        twofactor.disable(current_user, actor=current_user)
    except ConsultError as exc:  # raised before any change
        abort(403, exc.message)
    db.session.commit()
    flash(_("Two-factor authentication is off. Log in again."), "info")
    return redirect(url_for("auth.login"), 303)


def require_staff_two_factor() -> Any:
    """``before_request``: staff signed in by session must enrol before anything else.

    Bearer-token requests are not affected (a token is made by someone already signed in).
    """
    if request.endpoint in GATE_ALLOWED or request.endpoint is None:
        return None
    if bearer_token() is not None:
        return None
    if not twofactor.must_enrol(current_user):
        return None
    message = _("Your role requires two-factor authentication. Set it up to continue.")
    if wants_json():
        return json_error(403, "two_factor_required", message)
    flash(message, "info")
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.two_factor", next=next_url), 303)
