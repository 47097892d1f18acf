"""GET forms of the queue pages, the search page and the audit log (no CSRF: they only read)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.backoffice.queries import FLAG_LABELS, KIND_LABELS, STATUS_LABELS, Filters
from portal.cases.models import CaseKind, CaseStatus
from portal.web.validators import sane_date


class GetForm(FlaskForm):
    """A form read from the query string."""

    class Meta:
        csrf = False


def _id_or_none(value: str) -> int | None:
    return int(value) if value else None


class QueueFilterForm(GetForm):
    """Filters and sort order of a queue."""

    kind = SelectField(_l("Loại đơn"), validators=[Optional()])
    status = SelectField(_l("Trạng thái"), validators=[Optional()])
    unit = SelectField(_l("Đơn vị"), validators=[Optional()])
    case_field = SelectField(_l("Lĩnh vực"), validators=[Optional()])
    flag_complex = BooleanField(FLAG_LABELS["complex"])
    flag_especially_complex = BooleanField(FLAG_LABELS["especially_complex"])
    flag_remote = BooleanField(FLAG_LABELS["remote"])
    flag_group = BooleanField(FLAG_LABELS["group"])
    due_from = DateField(_l("Hạn từ ngày"), validators=[Optional(), sane_date])
    due_to = DateField(_l("Hạn đến ngày"), validators=[Optional(), sane_date])
    sort = SelectField(_l("Sắp xếp"), validators=[Optional()])

    def __init__(self, *args: Any, units: list[tuple[int, str]], fields: list[tuple[int, str]],
                 default_sort: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = ("", _l("Tất cả"))
        self.kind.choices = [anything, *[(k.value, label) for k, label in KIND_LABELS.items()]]
        self.status.choices = [anything, *[(s.value, label) for s, label in STATUS_LABELS.items()]]
        self.unit.choices = [anything, *[(str(i), name) for i, name in units]]
        self.case_field.choices = [anything, *[(str(i), name) for i, name in fields]]
        self.sort.choices = [("due", _l("Hạn xử lý gần nhất")), ("oldest", _l("Nhận sớm nhất")),
                             ("newest", _l("Nhận gần đây nhất"))]
        if not self.sort.data:
            self.sort.data = default_sort

    def validate_due_to(self, field: DateField) -> None:
        if field.data and self.due_from.data and field.data < self.due_from.data:
            raise ValidationError(_l("Ngày cuối phải sau ngày đầu."))

    @property
    def flag_fields(self) -> list[BooleanField]:
        return [self.flag_complex, self.flag_especially_complex, self.flag_remote, self.flag_group]

    def filters(self) -> Filters:
        """The validated values (call after :meth:`validate`)."""
        flags = tuple(name for name in FLAG_LABELS if self[f"flag_{name}"].data)
        return Filters(kind=CaseKind(self.kind.data) if self.kind.data else None,
                       status=CaseStatus(self.status.data) if self.status.data else None,
                       unit_id=_id_or_none(self.unit.data), field_id=_id_or_none(self.case_field.data),
                       flags=flags, due_from=self.due_from.data, due_to=self.due_to.data)


class SearchForm(GetForm):
    """A tracking code or words of the content."""

    q = StringField(_l("Mã đơn hoặc từ khóa"), validators=[Optional(), Length(max=200)])


class AuditFilterForm(GetForm):
    """Filters of the audit log."""

    case = StringField(_l("Mã vụ việc"), validators=[Optional(), Length(max=24)])
    actor = StringField(_l("Người thực hiện (email)"), validators=[Optional(), Length(max=255)])
    action = StringField(_l("Hành động"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("Từ ngày"), validators=[Optional(), sane_date])
    date_to = DateField(_l("Đến ngày"), validators=[Optional(), sane_date])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Ngày cuối phải sau ngày đầu."))
