"""Account forms: shape checks only; decisions are taken by the services."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from portal.accounts.models import Role
from portal.accounts.services import password_problems

ROLE_LABELS = {
    Role.INTAKE_OFFICER: _l("Cán bộ xử lý đơn"),
    Role.HANDLER: _l("Cán bộ thụ lý, xác minh"),
    Role.DEPUTY: _l("Cấp phó"),
    Role.HEAD: _l("Người đứng đầu"),
    Role.INSPECTOR: _l("Thanh tra (giám sát, chỉ xem)"),
    Role.ADMIN: _l("Quản trị viên"),
}


class RealEmail:
    """A syntactically valid address on a real-looking domain (no DNS lookup)."""

    def __call__(self, form: Any, field: Any) -> None:
        try:
            field.data = validate_email(field.data or "", check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ValidationError(_l("Địa chỉ email không hợp lệ.")) from None


class StrongPassword:
    """The minimum password rules, with the email (field ``email_field``) taken into account."""

    def __init__(self, email_field: str | None = "email") -> None:
        self.email_field = email_field

    def __call__(self, form: Any, field: Any) -> None:
        email = ""
        if self.email_field and self.email_field in form:
            email = form[self.email_field].data or ""
        elif getattr(form, "account_email", None):
            email = form.account_email
        problems = password_problems(field.data or "", email)
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


PASSWORD_HELP = _l("Ít nhất 10 ký tự, không chỉ gồm chữ số và không trùng với email.")


def email_field(label: Any = None, strict: bool = True) -> EmailField:
    validators: list[Any] = [DataRequired(), Length(max=255)]
    if strict:
        validators.append(RealEmail())
    return EmailField(label or _l("Email"), validators=validators)


def new_password_field(label: Any = None, email_field_name: str | None = "email") -> PasswordField:
    return PasswordField(label or _l("Mật khẩu"), validators=[DataRequired(), Length(max=200),
                                                             StrongPassword(email_field_name)])


def confirm_field() -> PasswordField:
    return PasswordField(_l("Nhập lại mật khẩu"), validators=[DataRequired(),
                                                           EqualTo("password", _l("Hai mật khẩu không khớp."))])


class LoginForm(FlaskForm):
    # Not strictly validated: a login never says more than "wrong email or password".
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=200)])


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Mã xác thực"), validators=[DataRequired(), Length(max=40)])


class RegisterForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=255)])
    email = email_field()
    phone = TelField(_l("Số điện thoại (không bắt buộc)"),
                     validators=[Optional(), Length(max=20),
                                 Regexp(r"^\+?[0-9 .-]{8,20}$", message=_l("Số điện thoại không hợp lệ."))])
    password = new_password_field()
    password_confirm = confirm_field()


class EmailOnlyForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class NewPasswordForm(FlaskForm):
    account_email = ""  # set by the view, for the "not the email" rule
    password = new_password_field(_l("Mật khẩu mới"), email_field_name=None)
    password_confirm = confirm_field()


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=200)])


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("Email mới"))
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=200)])


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=200)])
    confirm = BooleanField(_l("Tôi hiểu rằng tài khoản sẽ bị xóa vĩnh viễn."), validators=[DataRequired()])


class AcceptInvitationForm(NewPasswordForm):
    code = StringField(_l("Mã 6 chữ số trong ứng dụng xác thực"),
                       validators=[DataRequired(), Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$",
                                                          message=_l("Nhập đúng 6 chữ số."))])


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before a sensitive action (new recovery codes)."""

    current_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(), Length(max=200)])


class StaffCreateForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=255)])
    email = email_field()
    role = SelectField(_l("Vai trò"), choices=[], validators=[DataRequired()])
    unit = SelectField(_l("Đơn vị"), choices=[], coerce=int, validators=[DataRequired()])


class RoleAddForm(FlaskForm):
    role = SelectField(_l("Vai trò"), choices=[], validators=[DataRequired()])
    unit = SelectField(_l("Đơn vị"), choices=[], coerce=int, validators=[DataRequired()])


class RefuseRequestForm(FlaskForm):
    """Turn down a role request; the reason is optional, kept in the audit log."""

    reason = TextAreaField(_l("Lý do từ chối (không bắt buộc)"), validators=[Optional(), Length(max=500)])


class EmptyForm(FlaskForm):
    """A form with only its CSRF token (buttons that change state)."""
