"""Tracking forms: lookup, reply, added evidence, withdrawal, email notices."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.web.validators import HasText

CODE_MAX = 40
SECRET_MAX = 80


class TrackForm(FlaskForm):
    code = StringField(_l("Mã theo dõi"), validators=[InputRequired(_l("Vui lòng nhập mã theo dõi.")),
                                                      Length(max=CODE_MAX)])
    secret = StringField(_l("Mã bí mật"), validators=[InputRequired(_l("Vui lòng nhập mã bí mật.")),
                                                      Length(max=SECRET_MAX)])


def lookup_pair(formdata: Mapping[str, str]) -> tuple[str, str] | None:
    """The code and secret of a submitted lookup when :class:`TrackForm`'s field validators would
    accept them (both given, neither too long); None otherwise.

    The lookup is the busiest form of the site: a valid one is read without building the form
    (the CSRF token is checked before the view, see ``tracking.views.track``). Anything else goes
    through :class:`TrackForm`, which renders the errors.
    """
    code, secret = formdata.get("code"), formdata.get("secret")
    if not code or not secret or len(code) > CODE_MAX or len(secret) > SECRET_MAX:
        return None
    return code, secret


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Tin nhắn của bạn"), validators=[HasText(_l("Vui lòng nhập nội dung tin nhắn.")),
                                                             Length(max=5000)])


class EvidenceForm(FlaskForm):
    files = MultipleFileField(_l("Tệp bổ sung"))
    note = TextAreaField(_l("Ghi chú về tài liệu (không bắt buộc)"), validators=[Optional(), Length(max=2000)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Lý do rút đơn (không bắt buộc)"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("Tôi đã đọc và hiểu hậu quả của việc rút đơn"),
                           validators=[InputRequired(_l("Vui lòng xác nhận bạn đã hiểu hậu quả của việc rút đơn."))])


class NoticesForm(FlaskForm):
    enabled = BooleanField(_l("Gửi thư báo cho tôi khi đơn có cập nhật (thư không chứa nội dung đơn)"))
