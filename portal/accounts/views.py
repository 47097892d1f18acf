"""Login (both factors), citizen registration and self-service, staff invitations."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.accounts import services
from portal.accounts.auth import STAFF_VERIFIED, end_session, login_required, start_session
from portal.accounts.forms import (
    AcceptInvitationForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    DeleteAccountForm,
    EmailOnlyForm,
    EmptyForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    SecondFactorForm,
)
from portal.accounts.models import User
from portal.accounts.tokens import Purpose, TokenError, link, read_token
from portal.audit.services import record
from portal.db import get_session, now_utc
from portal.extensions import limiter
from portal.notifications.services import queue_email

bp = Blueprint("accounts", __name__, url_prefix="/account")

PENDING = "_pending_staff"  # staff who gave the right password and still owe the second factor
PENDING_SECONDS = 300
ENROL = "_enrol"  # the TOTP secret being enrolled through an invitation

# Throttles: per client address and per account (the email typed, or the staff member in step 2).
LOGIN_PER_ADDRESS = "30 per 15 minutes"
LOGIN_PER_ACCOUNT = "8 per 15 minutes"
SECOND_FACTOR_PER_ACCOUNT = "5 per 5 minutes"
MAIL_PER_ADDRESS = "10 per hour"
MAIL_PER_ACCOUNT = "3 per hour"

GENERIC_LOGIN_ERROR = _l("Email hoặc mật khẩu không đúng.")
INVALID_LINK = _l("Liên kết này không hợp lệ hoặc đã được sử dụng. Hãy yêu cầu một liên kết mới.")
EXPIRED_LINK = _l("Liên kết này đã hết hạn. Hãy yêu cầu một liên kết mới.")


def _email_key() -> str:
    return "account:" + services.normalize_email(request.form.get("email", ""))


def _pending_key() -> str:
    pending = session.get(PENDING) or {}
    return f"second-factor:{pending.get('u', 'none')}"


def _safe_next(default: str) -> str:
    """``next`` when it is a path on this site, else ``default``. Control characters and spaces are
    refused outright: browsers and urllib drop a tab or a newline, so "/<TAB>/evil.example" would
    leave as "//evil.example", another site."""
    target = request.args.get("next") or ""
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default


def _home_for(user: User) -> str:
    return url_for("backoffice.home") if user.is_staff else url_for("accounts.account")


def _locale() -> str:
    return str(get_locale() or "vi")


def _link_problem(error: TokenError) -> tuple[str, int]:
    message = EXPIRED_LINK if error.expired else INVALID_LINK
    return render_template("accounts/link_problem.html", message=message), 400


def _check_email_page(message: Any) -> WerkzeugResponse:
    flash(message, "info")
    return redirect(url_for("accounts.check_email"))


# --- login -------------------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
@limiter.limit(LOGIN_PER_ACCOUNT, key_func=_email_key, methods=["POST"])
def login() -> Any:
    """The sign-in page for everyone; staff then give their second factor."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form)
    db = get_session()
    user = services.find_user(db, form.email.data)
    if not services.check_password(user, form.password.data) or user is None or not user.is_active_account:
        record(db, "login.failure", object_type="user" if user else None, object_id=user.id if user else None,
               step="password")
        db.commit()
        return render_template("accounts/login.html", form=form, error=GENERIC_LOGIN_ERROR), 200
    if not user.is_staff and user.email_confirmed_at is None:
        db.commit()
        return render_template("accounts/login.html", form=form, unconfirmed=True), 200
    if user.is_staff:
        if not user.totp_secret:
            record(db, "login.failure", object_type="user", object_id=user.id, step="no_second_factor")
            db.commit()
            return render_template("accounts/login.html", form=form, error=GENERIC_LOGIN_ERROR), 200
        db.commit()  # a rehashed password
        next_url = _safe_next("")
        session.clear()
        session[PENDING] = {"u": user.id, "v": user.session_version, "at": int(time.time()), "next": next_url}
        return redirect(url_for("accounts.second_factor"))
    start_session(user)
    user.last_login_at = now_utc()
    record(db, "login.success", actor_id=user.id, object_type="user", object_id=user.id)
    db.commit()
    return redirect(_safe_next(_home_for(user)))


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    user = get_session().get(User, pending.get("u"))
    if user is None or user.session_version != pending.get("v") or not user.is_active_account:
        return None
    return user


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
@limiter.limit(SECOND_FACTOR_PER_ACCOUNT, key_func=_pending_key, methods=["POST"])
def second_factor() -> Any:
    """Step two for staff: a code from the authenticator app, or a one-time recovery code."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_l("Vui lòng đăng nhập lại."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return render_template("accounts/second_factor.html", form=form)
    db = get_session()
    code = form.code.data.strip()
    by_recovery = not services.ascii_digits(code.replace(" ", ""))
    ok = services.use_recovery_code(db, user, code) if by_recovery else services.verify_totp(db, user, code)
    if not ok:
        record(db, "login.2fa_failure", object_type="user", object_id=user.id,
               method="recovery_code" if by_recovery else "totp")
        db.commit()
        return render_template("accounts/second_factor.html", form=form,
                               error=_l("Mã xác thực không đúng hoặc đã được dùng.")), 200
    next_url = (session.get(PENDING) or {}).get("next") or _home_for(user)
    start_session(user, staff_verified=True)
    user.last_login_at = now_utc()
    record(db, "login.success", actor_id=user.id, object_type="user", object_id=user.id,
           method="recovery_code" if by_recovery else "totp")
    left = services.remaining_recovery_codes(db, user) if by_recovery else None
    db.commit()
    if left is not None:
        flash(_l("Bạn đã dùng một mã khôi phục; còn lại %(n)s mã.", n=left), "warning")
    return redirect(next_url)


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    """Sign out of this browser."""
    end_session()
    flash(_l("Bạn đã đăng xuất."), "info")
    return redirect(url_for("core.home"))


@bp.post("/logout-all")
@login_required
def logout_all() -> WerkzeugResponse:
    """Sign out everywhere: every session of this account ends, including this one."""
    db = get_session()
    services.revoke_sessions(db, current_user._get_current_object())
    db.commit()
    end_session()
    flash(_l("Bạn đã đăng xuất khỏi mọi phiên làm việc."), "info")
    return redirect(url_for("accounts.login"))


# --- registration and email confirmation -------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, methods=["POST"])
def register() -> Any:
    """Citizen registration. The answer is the same whether or not the address already has an account."""
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form)
    db = get_session()
    user = services.register_citizen(db, email=form.email.data, password=form.password.data,
                                     full_name=form.full_name.data, phone=form.phone.data, locale=_locale())
    if user is None:
        existing = services.find_user(db, form.email.data)
        assert existing is not None
        queue_email(db, existing.email, "account_exists", locale=_locale(),
                    login_url=_public_url("accounts.login"),
                    reset_url=_public_url("accounts.reset_request"))
    else:
        queue_email(db, user.email, "account_confirm", locale=_locale(), name=user.full_name,
                    link=link(Purpose.CONFIRM_EMAIL, user, "accounts.confirm"))
    db.commit()
    return _check_email_page(_l("Chúng tôi đã gửi thư đến địa chỉ bạn nhập. Hãy mở liên kết trong thư để "
                                "kích hoạt tài khoản."))


def _public_url(endpoint: str, **values: Any) -> str:
    from portal.accounts.tokens import external_url

    return external_url(endpoint, **values)


@bp.get("/check-email")
def check_email() -> str:
    """The page shown after any request that sends an email."""
    return render_template("accounts/check_email.html")


@bp.get("/confirm/<token>")
def confirm(token: str) -> Any:
    """Follow the email confirmation link."""
    db = get_session()
    try:
        user = read_token(db, Purpose.CONFIRM_EMAIL, token)
    except TokenError as error:
        return _link_problem(error)
    services.confirm_email(db, user)
    db.commit()
    flash(_l("Địa chỉ email đã được xác nhận. Bạn có thể đăng nhập."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, methods=["POST"])
@limiter.limit(MAIL_PER_ACCOUNT, key_func=_email_key, methods=["POST"])
def resend_confirmation() -> Any:
    """Send the confirmation link again (same answer for any address)."""
    form = EmailOnlyForm()
    if not form.validate_on_submit():
        return render_template("accounts/resend_confirmation.html", form=form)
    db = get_session()
    user = services.find_user(db, form.email.data)
    if user is not None and user.is_active_account and user.email_confirmed_at is None and not user.is_staff:
        queue_email(db, user.email, "account_confirm", locale=_locale(), name=user.full_name,
                    link=link(Purpose.CONFIRM_EMAIL, user, "accounts.confirm"))
    db.commit()
    return _check_email_page(_l("Nếu địa chỉ này có tài khoản chưa kích hoạt, chúng tôi đã gửi lại thư xác nhận."))


# --- password reset ----------------------------------------------------------------------------

@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, methods=["POST"])
@limiter.limit(MAIL_PER_ACCOUNT, key_func=_email_key, methods=["POST"])
def reset_request() -> Any:
    """Ask for a password reset link (same answer for any address)."""
    form = EmailOnlyForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset_request.html", form=form)
    db = get_session()
    user = services.find_user(db, form.email.data)
    if user is not None and user.is_active_account and user.has_accepted_invitation:
        queue_email(db, user.email, "account_reset", locale=_locale(), name=user.full_name,
                    link=link(Purpose.RESET_PASSWORD, user, "accounts.reset_password"))
    db.commit()
    return _check_email_page(_l("Nếu địa chỉ này có tài khoản, chúng tôi đã gửi thư hướng dẫn đặt lại mật khẩu. "
                                "Liên kết có hiệu lực trong 1 giờ."))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, methods=["POST"])
def reset_password(token: str) -> Any:
    """Choose a new password through a reset link; every other session ends."""
    db = get_session()
    try:
        user = read_token(db, Purpose.RESET_PASSWORD, token)
    except TokenError as error:
        return _link_problem(error)
    form = NewPasswordForm()
    form.account_email = user.email
    if not form.validate_on_submit():
        return render_template("accounts/reset_password.html", form=form)
    services.set_password(db, user, form.password.data)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now_utc()  # the link reached the mailbox
    record(db, "account.password_reset", actor_id=user.id, object_type="user", object_id=user.id)
    db.commit()
    end_session()
    flash(_l("Mật khẩu đã được đặt lại. Hãy đăng nhập bằng mật khẩu mới."), "success")
    return redirect(url_for("accounts.login"))


# --- staff invitation --------------------------------------------------------------------------

@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
def accept_invitation(token: str) -> Any:
    """A new staff member sets a password and enrols an authenticator app, then gets recovery codes."""
    db = get_session()
    try:
        user = read_token(db, Purpose.STAFF_INVITATION, token)
    except TokenError as error:
        return _link_problem(error)
    if user.has_accepted_invitation or not user.is_staff:
        return _link_problem(TokenError(expired=False))
    enrol = session.get(ENROL)
    if not isinstance(enrol, dict) or enrol.get("u") != user.id:
        enrol = {"u": user.id, "s": services.new_totp_secret()}
        session[ENROL] = enrol
    form = AcceptInvitationForm()
    form.account_email = user.email
    error = None
    if form.validate_on_submit():
        try:
            codes = services.accept_invitation(db, user, password=form.password.data, totp_secret=enrol["s"],
                                               code=form.code.data)
        except services.AccountError as exc:
            error = exc.message
        else:
            db.commit()
            session.pop(ENROL, None)
            return render_template("accounts/recovery_codes.html", codes=codes, after_invitation=True)
    uri = services.totp_uri(enrol["s"], user.email)
    qr = services.totp_qr_svg(uri, _l("Mã QR để thêm tài khoản vào ứng dụng xác thực"))
    return render_template("accounts/accept_invitation.html", form=form, user=user, qr=qr, secret=enrol["s"],
                           error=error)


# --- the account page and self-service ---------------------------------------------------------

@bp.get("/")
@login_required
def account() -> str:
    """The account page: profile, links to submissions, security, personal data."""
    db = get_session()
    user: User = current_user._get_current_object()
    recovery_left = services.remaining_recovery_codes(db, user) if user.is_staff else None
    return render_template("accounts/account.html", user=user,
                           recovery_left=recovery_left, form=EmptyForm(), codes_form=ConfirmPasswordForm())


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
@login_required
def change_password() -> Any:
    """Change the password (the current one is asked again); other sessions end."""
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    form.account_email = user.email
    if not form.validate_on_submit():
        return render_template("accounts/change_password.html", form=form)
    db = get_session()
    if not services.check_password(user, form.current_password.data):
        form.current_password.errors.append(_l("Mật khẩu hiện tại không đúng."))
        return render_template("accounts/change_password.html", form=form)
    services.set_password(db, user, form.password.data)
    record(db, "account.password_changed", actor_id=user.id, object_type="user", object_id=user.id)
    db.commit()
    start_session(user, staff_verified=user.is_staff)  # this session continues with the new version
    flash(_l("Mật khẩu đã được thay đổi. Các phiên đăng nhập khác đã kết thúc."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/email", methods=["GET", "POST"])
@limiter.limit(MAIL_PER_ADDRESS, methods=["POST"])
@login_required
def change_email() -> Any:
    """Ask to change the email address; it changes once the new address is confirmed."""
    user: User = current_user._get_current_object()
    form = ChangeEmailForm()
    if not form.validate_on_submit():
        return render_template("accounts/change_email.html", form=form)
    db = get_session()
    if not services.check_password(user, form.current_password.data):
        form.current_password.errors.append(_l("Mật khẩu hiện tại không đúng."))
        return render_template("accounts/change_email.html", form=form)
    if services.request_email_change(db, user, form.email.data):
        queue_email(db, user.pending_email or "", "account_email_change", locale=_locale(), name=user.full_name,
                    link=link(Purpose.CHANGE_EMAIL, user, "accounts.confirm_email_change"))
    db.commit()
    flash(_l("Nếu địa chỉ mới dùng được, chúng tôi đã gửi liên kết xác nhận đến đó. Email chỉ thay đổi sau khi "
             "bạn mở liên kết."), "info")
    return redirect(url_for("accounts.account"))


@bp.get("/email/confirm/<token>")
def confirm_email_change(token: str) -> Any:
    """Follow the link sent to the new address."""
    db = get_session()
    try:
        user = read_token(db, Purpose.CHANGE_EMAIL, token)
        services.apply_email_change(db, user)
    except TokenError as error:
        return _link_problem(error)
    except services.AccountError as exc:
        db.commit()
        return render_template("accounts/link_problem.html", message=exc.message), 400
    db.commit()
    flash(_l("Địa chỉ email mới đã được xác nhận."), "success")
    return redirect(url_for("accounts.account") if current_user.is_authenticated else url_for("accounts.login"))


@bp.get("/data")
@login_required
def download_data() -> Response:
    """Download my personal data as JSON (personal data protection law)."""
    db = get_session()
    user: User = current_user._get_current_object()
    data = services.export_personal_data(db, user)
    record(db, "account.data_exported", actor_id=user.id, object_type="user", object_id=user.id)
    db.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"'})


@bp.route("/delete", methods=["GET", "POST"])
@limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])
@login_required
def delete_account() -> Any:
    """Delete my account; my submissions stay with the agency, no longer linked to an account."""
    user: User = current_user._get_current_object()
    if user.is_staff:
        flash(_l("Tài khoản cán bộ không tự xóa được; hãy liên hệ quản trị viên."), "warning")
        return redirect(url_for("accounts.account"))
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("accounts/delete_account.html", form=form)
    db = get_session()
    if not services.check_password(user, form.current_password.data):
        form.current_password.errors.append(_l("Mật khẩu hiện tại không đúng."))
        return render_template("accounts/delete_account.html", form=form)
    services.delete_citizen_account(db, user)
    db.commit()
    end_session()
    flash(_l("Tài khoản của bạn đã được xóa. Các đơn đã gửi vẫn được cơ quan lưu giữ theo quy định."), "info")
    return redirect(url_for("core.home"))


@bp.post("/recovery-codes")
@limiter.limit(LOGIN_PER_ADDRESS)
@login_required
def regenerate_recovery_codes() -> Any:
    """Staff: replace the recovery codes (the password is asked again); the new ones are shown once."""
    user: User = current_user._get_current_object()
    form = ConfirmPasswordForm()
    if not user.is_staff or not session.get(STAFF_VERIFIED):
        return redirect(url_for("accounts.account"))
    db = get_session()
    if not form.validate_on_submit() or not services.check_password(user, form.current_password.data):
        flash(_l("Mật khẩu hiện tại không đúng."), "error")
        return redirect(url_for("accounts.account"))
    codes = services.new_recovery_codes(db, user)
    record(db, "account.recovery_codes_renewed", actor_id=user.id, object_type="user", object_id=user.id)
    db.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, after_invitation=False)
