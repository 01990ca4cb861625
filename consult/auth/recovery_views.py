"""Pages: forgot password, reset password, confirm the e-mail address, send the link again."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from consult.auth import recovery
from consult.auth.recovery_forms import ForgotPasswordForm, ResetPasswordForm
from consult.auth.views import bp
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.ratelimits import rate_limited
from consult.web import EmptyForm, login_required, show_errors


def _no_referrer(response: Any) -> Any:
    """Pages whose URL holds a token never leak it in a Referer header."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
@rate_limited("password_reset")
def forgot_password() -> Any:
    """Ask for a reset link; the same answer whether the address has an account or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(
            form.email.data or "",
            base_url=recovery.base_url_for_links(request.url_root),
            locale=str(get_locale() or ""),
        )
        db.session.commit()
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. Check your inbox (and the spam folder)."
            ),
            "info",
        )
        return redirect(url_for("auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@rate_limited("password_reset")
def reset_password(token: str) -> Any:
    """Choose a new password from a mailed link (it works once, for a limited time)."""
    try:
        recovery.user_for_reset_token(token)
    except recovery.LinkInvalid as exc:
        page = render_template("auth/link_invalid.html", message=exc.message, kind="reset")
        return _no_referrer(make_response(page, 400))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data or "")
        except ValidationFailed as exc:
            db.session.rollback()
            show_errors(form, exc, "password")
            page = render_template("auth/reset_password.html", form=form)
            return _no_referrer(make_response(page, 422))
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
        session.pop("two_factor_pending", None)
        flash(_("Your password has been changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return _no_referrer(
        make_response(render_template("auth/reset_password.html", form=form), status)
    )


@bp.route("/verify-email/<token>", methods=["GET"])
def verify_email(token: str) -> Any:
    """Confirm the e-mail address from a mailed link; what waited for it is published."""
    try:
        recovery.verify_email(token)
    except recovery.LinkInvalid as exc:
        db.session.rollback()
        page = render_template("auth/link_invalid.html", message=exc.message, kind="verify")
        return _no_referrer(make_response(page, 400))
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"), 303)


@bp.route("/account/verify-email", methods=["POST"])
@login_required
@rate_limited("verify_email")
def resend_verification() -> Any:
    """Send the verification link again."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.email_verified_at is None:
        recovery.request_verification_mail(
            current_user, base_url=recovery.base_url_for_links(request.url_root)
        )
        db.session.commit()
    flash(_("We have sent the link again to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("auth.account"), 303)
