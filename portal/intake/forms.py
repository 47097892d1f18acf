"""The submission form: one form for the four kinds; the rules that depend on the kind live in
:meth:`SubmissionForm.validate` so that every error lands next to its field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from portal.cases.models import SubmissionKind
from portal.cases.text import clean_text
from portal.files.scan import scan
from portal.files.sniff import FileRejected, FileType, detect
from portal.web.validators import HasText, NumberBetween, sane_date

# The time to file a complaint: (days, last day) for the date learned and whether it is a second
# complaint, from the deadline rules in force (KN-01, KN-05): see portal.intake.services.complaint_limit.
ComplaintLimit = Callable[[dt.date, bool], tuple[int, dt.date] | None]
GROUP_SIZE = 5  # LEGAL.md §7.1: a group submission names its representatives
# Luật Tiếp công dân Art. 29 (LEGAL.md §1.4): 5 to 10 people appoint 1 or 2 representatives; more than
# 10 may appoint more, at most 5.
SMALL_GROUP, SMALL_GROUP_REPRESENTATIVES, MAX_REPRESENTATIVES = 10, 2, 5
_NAME_SEPARATORS = re.compile(r"[\n,;]")
_LIST_MARK = re.compile(r"^(?:\d{1,2}\s*[.)/:-]|[-–•*+])\s*")  # "1. ", "2) ", "- ", "• "
MAX_CONTENT = 20_000
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # contact only: no deliverability check


@dataclass
class CheckedFile:
    """An evidence file read from the request and accepted by the allow-list."""

    filename: str
    data: bytes
    file_type: FileType


class SubmissionForm(FlaskForm):
    """Fields of every kind; the template shows the ones that apply to ``kind``."""

    nonce = HiddenField(validators=[Optional(), Length(max=64)])
    # Honeypot: hidden from people (CSS + aria-hidden), filled in only by bots.
    website = StringField(_l("Trang web (để trống ô này)"), validators=[Optional()])

    mode = RadioField(_l("Bạn gửi đơn"), choices=[SelectChoice("named", _l("Ghi rõ họ tên (khuyến nghị)")),
                                                   SelectChoice("anonymous", _l("Ẩn danh"))], default="named")
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=255)])
    address = StringField(_l("Địa chỉ liên hệ"), validators=[Optional(), Length(max=500)])
    id_number = StringField(_l("Số căn cước / định danh cá nhân"), validators=[Optional(), Length(max=32)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("Thư điện tử"), validators=[
        Optional(), Regexp(EMAIL_RE, message=_l("Địa chỉ thư điện tử không hợp lệ.")), Length(max=255)])
    protection_requested = BooleanField(_l("Tôi đề nghị áp dụng biện pháp bảo vệ người tố cáo"))

    decision_number = StringField(_l("Số quyết định (nếu có)"), validators=[Optional(), Length(max=100)])
    decision_date = DateField(_l("Ngày ban hành quyết định hoặc ngày xảy ra hành vi"),
                              validators=[Optional(), sane_date])
    decision_issuer = StringField(_l("Cơ quan hoặc người ra quyết định, thực hiện hành vi"),
                                  validators=[Optional(), Length(max=255)])
    learned_on = DateField(_l("Ngày bạn nhận được hoặc biết được quyết định, hành vi"),
                           validators=[Optional(), sane_date])
    is_second_complaint = BooleanField(
        _l("Đây là khiếu nại lần hai (tôi không đồng ý với quyết định giải quyết lần đầu)"))
    late_reason = TextAreaField(_l("Lý do gửi chậm (nếu đã quá thời hiệu khiếu nại)"),
                                validators=[Optional(), Length(max=2000)])

    accused_name = StringField(_l("Họ tên người bị tố cáo"), validators=[Optional(), Length(max=255)])
    accused_position = StringField(_l("Chức vụ"), validators=[Optional(), Length(max=255)])
    accused_unit_text = StringField(_l("Cơ quan, đơn vị nơi người đó làm việc"),
                                    validators=[Optional(), Length(max=255)])

    title = StringField(_l("Tiêu đề ngắn"), validators=[HasText(_l("Vui lòng nhập tiêu đề.")), Length(max=255)])
    content = TextAreaField(_l("Nội dung"), validators=[HasText(_l("Vui lòng trình bày nội dung đơn.")),
                                                        Length(max=MAX_CONTENT)])
    request_text = TextAreaField(_l("Bạn đề nghị cơ quan làm gì?"), validators=[Optional(), Length(max=5000)])
    unit = StringField(_l("Cơ quan liên quan"), validators=[Optional(), Length(max=255)])
    field_id = SelectField(_l("Lĩnh vực"), coerce=int, choices=[], validators=[Optional()])
    ward_id = SelectField(_l("Phường, xã nơi xảy ra sự việc"), coerce=int, choices=[], validators=[Optional()])
    sent_elsewhere = BooleanField(_l("Tôi đã gửi đơn này đến cơ quan khác"))
    sent_elsewhere_detail = TextAreaField(_l("Đã gửi đến đâu, khi nào, kết quả thế nào?"),
                                          validators=[Optional(), Length(max=2000)])

    group_size = IntegerField(_l("Số người cùng đứng tên đơn"), default=1,
                              validators=[Optional(), NumberBetween(min=1, max=100_000,
                                                                  message=_l("Số người phải từ 1 đến 100.000."))])
    representatives = TextAreaField(_l("Họ tên người đại diện (mỗi người một dòng)"), validators=[Optional()])

    evidence = MultipleFileField(_l("Tài liệu, chứng cứ kèm theo"))
    notify_by_email = BooleanField(_l("Gửi thư báo cho tôi khi đơn có cập nhật (thư không chứa nội dung đơn)"))

    def __init__(self, *args: Any, kind: SubmissionKind, limits: tuple[int, int], today: dt.date,
                 units: Mapping[str, int] | None = None, complaint_limit: ComplaintLimit | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.complaint_limit = complaint_limit
        self.limit_days: int | None = None  # the time limit that applied, when the complaint is late
        self.max_file_bytes, self.max_files = limits
        self.today = today
        self.units = units or {}
        self.checked_files: list[CheckedFile] = []
        self.unit_id: int | None = None
        self.late_warning = False

    # -- helpers used by the view and the template
    @property
    def is_anonymous(self) -> bool:
        return self.mode.data == "anonymous"

    @property
    def complaint_sent_anonymously(self) -> bool:
        return self.kind == SubmissionKind.COMPLAINT and self.is_anonymous

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        checks = [self._check_mode, self._check_identity, self._check_complaint, self._check_denunciation,
                  self._check_group, self._check_unit, self._check_files]
        for check in checks:
            ok = check() and ok
        return ok

    def _fail(self, field: Any, message: Any) -> bool:
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(message)
        return False

    def _check_mode(self) -> bool:
        if self.mode.data not in ("named", "anonymous"):
            return self._fail(self.mode, _l("Vui lòng chọn gửi có tên hoặc ẩn danh."))
        if self.complaint_sent_anonymously:
            return self._fail(self.mode, _l(
                "Khiếu nại phải ghi rõ họ tên và địa chỉ: pháp luật không cho phép giải quyết khiếu nại ẩn danh. "
                "Bạn có thể ghi tên, hoặc gửi nội dung này dưới dạng phản ánh (có thể ẩn danh)."))
        return True

    def _check_identity(self) -> bool:
        if self.is_anonymous:
            return True
        ok = True
        if not (self.full_name.data or "").strip():
            ok = self._fail(self.full_name, _l("Vui lòng nhập họ và tên."))
        strict = self.kind in (SubmissionKind.COMPLAINT, SubmissionKind.DENUNCIATION)
        if strict and not (self.address.data or "").strip():
            ok = self._fail(self.address, _l("Vui lòng nhập địa chỉ liên hệ."))
        if strict and not (self.id_number.data or "").strip():
            ok = self._fail(self.id_number, _l("Vui lòng nhập số căn cước hoặc số định danh cá nhân."))
        if not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            ok = self._fail(self.phone, _l("Vui lòng nhập số điện thoại hoặc thư điện tử để cơ quan liên hệ với bạn."))
        return ok

    def _check_complaint(self) -> bool:
        if self.kind != SubmissionKind.COMPLAINT:
            return True
        ok = True
        if not (self.decision_issuer.data or "").strip():
            ok = self._fail(self.decision_issuer, _l("Vui lòng cho biết cơ quan hoặc người ra quyết định, thực hiện "
                                                     "hành vi bị khiếu nại."))
        if self.decision_date.data and self.decision_date.data > self.today:
            ok = self._fail(self.decision_date, _l("Ngày này không thể ở tương lai."))
        learned = self.learned_on.data
        if learned is None:
            if not self.learned_on.errors:
                ok = self._fail(self.learned_on, _l("Vui lòng cho biết ngày bạn nhận được hoặc biết được quyết định, "
                                                    "hành vi (dùng để tính thời hiệu khiếu nại)."))
            return False
        if learned > self.today:
            return self._fail(self.learned_on, _l("Ngày này không thể ở tương lai."))
        if self.decision_date.data and learned < self.decision_date.data:
            ok = self._fail(self.learned_on, _l("Ngày biết được không thể trước ngày ban hành quyết định."))
        limit = self.complaint_limit(learned, bool(self.is_second_complaint.data)) if self.complaint_limit else None
        if limit is not None and self.today > limit[1]:
            self.late_warning, self.limit_days = True, limit[0]
            if not (self.late_reason.data or "").strip():
                ok = self._fail(self.late_reason, _l(
                    "Đã quá %(days)s ngày kể từ ngày bạn biết được quyết định, hành vi (thời hiệu khiếu nại). Khiếu "
                    "nại vẫn có thể được xem xét nếu bạn gặp trở ngại khách quan như ốm đau, thiên tai, đi công tác, "
                    "học tập ở nơi xa. Hãy nêu lý do gửi chậm; cơ quan sẽ xem xét lý do này.", days=limit[0]))
        return ok

    def _check_denunciation(self) -> bool:
        if self.kind != SubmissionKind.DENUNCIATION or self.is_anonymous:
            return True
        if not (self.accused_name.data or "").strip() and not (self.accused_unit_text.data or "").strip():
            return self._fail(self.accused_name, _l("Vui lòng cho biết người hoặc cơ quan bị tố cáo."))
        return True

    @property
    def representative_names(self) -> tuple[str, ...]:
        """The representatives typed, each once: one per line, or separated by commas or semicolons, a
        list's numbering or bullets dropped (none on an anonymous đơn: like every identity field, they
        are not kept)."""
        if self.is_anonymous:
            return ()
        parts = (_LIST_MARK.sub("", " ".join(part.split()))
                 for part in _NAME_SEPARATORS.split(clean_text(self.representatives.data)))
        return tuple(dict.fromkeys(part.strip() for part in parts if part.strip()))

    def _check_group(self) -> bool:
        size, names = self.group_size.data or 1, self.representative_names
        if any(len(name) > 255 for name in names):
            return self._fail(self.representatives, _l("Mỗi họ tên không quá 255 ký tự."))
        if size < GROUP_SIZE or self.is_anonymous:
            if len(names) > MAX_REPRESENTATIVES:
                return self._fail(self.representatives, _l("Ghi không quá %(n)d người đại diện.",
                                                           n=MAX_REPRESENTATIVES))
            return True
        if not names:
            return self._fail(self.representatives, _l(
                "Đơn có từ 5 người trở lên phải ghi họ tên người đại diện."))
        most = SMALL_GROUP_REPRESENTATIVES if size <= SMALL_GROUP else MAX_REPRESENTATIVES
        if len(names) > most:
            return self._fail(self.representatives, _l(
                "Đơn của %(size)d người cử không quá %(most)d người đại diện (từ 5 đến 10 người: 1 hoặc 2 người "
                "đại diện; trên 10 người: không quá 5 người).", size=size, most=most))
        return True

    def _check_unit(self) -> bool:
        from portal.intake.services import unit_key

        typed = (self.unit.data or "").strip()
        if not typed:
            return True
        self.unit_id = self.units.get(unit_key(typed))
        if self.unit_id is None:
            return self._fail(self.unit, _l(
                "Không tìm thấy cơ quan này. Hãy chọn một tên trong danh sách gợi ý, hoặc để trống nếu bạn không "
                "biết."))
        return True

    def _check_files(self) -> bool:
        checked, errors = check_uploads(self.evidence.data, self.max_file_bytes, self.max_files)
        self.checked_files = checked
        for message in errors:
            self._fail(self.evidence, message)
        return not errors


def check_uploads(files: Any, max_file_bytes: int, max_files: int) -> tuple[list[CheckedFile], list[Any]]:
    """Read and check uploaded files against the count, size and type allow-list.

    Returns the accepted files and one message per refused file (or one for too many files). Every
    file of an allowed type is scanned for malware (:mod:`portal.files.scan`); raises
    :class:`~portal.files.scan.ScannerUnavailable` when the scanner cannot answer.
    """
    settings = current_app.config["SETTINGS"]
    uploads = [f for f in (files or []) if isinstance(f, FileStorage) and f.filename]
    if len(uploads) > max_files:
        return [], [_l("Chỉ được gửi tối đa %(n)d tệp.", n=max_files)]
    checked: list[CheckedFile] = []
    errors: list[Any] = []
    for upload in uploads:
        data = upload.read(max_file_bytes + 1)
        name = upload.filename or ""
        if len(data) > max_file_bytes:
            errors.append(_l("Tệp “%(name)s” lớn hơn %(mb)d MB.", name=name, mb=max_file_bytes // (1024 * 1024)))
            continue
        try:
            file_type = detect(data)
        except FileRejected:
            errors.append(_l("Tệp “%(name)s” không được chấp nhận: chỉ nhận PDF, ảnh JPEG, PNG, WebP và tài liệu "
                             "văn phòng (DOCX, XLSX, PPTX, ODT, ODS) còn nguyên vẹn.", name=name))
            continue
        verdict = scan(settings, data)
        if verdict.infected:
            current_app.logger.warning("upload refused by the malware scanner: %s", verdict.signature)
            errors.append(_l("Tệp “%(name)s” bị từ chối vì trình quét phát hiện mã độc. Hãy kiểm tra máy của bạn "
                             "và gửi lại một bản sạch.", name=name))
            continue
        checked.append(CheckedFile(name, data, file_type))
    return checked, errors


def unit_choices(options: Iterable[tuple[int, str]]) -> list[SelectChoice]:
    """Options of a select with an empty first choice (value 0)."""
    return [SelectChoice(0, _l("— Không chọn —"))] + [SelectChoice(value, label) for value, label in options]


