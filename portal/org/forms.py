"""Administration forms for the organisation: shape checks only; the services decide."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.accounts.models import Role
from portal.org.models import RuleStrategy, UnitKind
from portal.web.validators import NumberBetween

KIND_LABELS = {
    UnitKind.PROVINCIAL_COMMITTEE: _l("Ủy ban nhân dân tỉnh, thành phố"),
    UnitKind.DEPARTMENT: _l("Sở, ban, ngành"),
    UnitKind.INSPECTORATE: _l("Thanh tra"),
    UnitKind.WARD_COMMITTEE: _l("Ủy ban nhân dân phường, xã, đặc khu"),
    UnitKind.DISTRICT_COMMITTEE: _l("Ủy ban nhân dân quận, huyện (trước 1/7/2025)"),
    UnitKind.POLICE: _l("Công an"),
    UnitKind.PUBLIC_SERVICE_UNIT: _l("Đơn vị sự nghiệp công lập"),
    UnitKind.STATE_ENTERPRISE: _l("Doanh nghiệp nhà nước"),
    UnitKind.OTHER: _l("Khác"),
}
STRATEGY_LABELS = {
    RuleStrategy.CONCERNED_UNIT: _l("Đơn vị ban hành quyết định, thực hiện hành vi hoặc được nêu trong đơn"),
    RuleStrategy.CONCERNED_SUPERIOR: _l("Cấp trên trực tiếp của đơn vị đó"),
    RuleStrategy.ACCUSED_MANAGER: _l("Đơn vị quản lý người bị tố cáo (cấp trên nếu là người đứng đầu, cấp phó)"),
    RuleStrategy.FIELD_AND_AREA: _l("Đơn vị quản lý lĩnh vực trên địa bàn"),
    RuleStrategy.WARD: _l("Ủy ban nhân dân phường, xã nơi phát sinh"),
    RuleStrategy.FIXED: _l("Một đơn vị chỉ định"),
}
SUBMISSION_KIND_LABELS = {
    "complaint": _l("Khiếu nại"),
    "denunciation": _l("Tố cáo"),
    "petition": _l("Kiến nghị"),
    "feedback": _l("Phản ánh"),
}
LEADER_LABELS = {Role.HEAD: _l("Người đứng đầu"), Role.DEPUTY: _l("Cấp phó")}
CODE_PATTERN = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                      message=_l("Chỉ dùng chữ không dấu, số, dấu gạch ngang, gạch dưới hoặc dấu chấm."))


def choices(pairs: Any) -> list[SelectChoice]:
    """Static select options (WTForms deprecates plain tuples)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def optional_int(value: Any) -> int | None:
    """'' or None -> None, else int (for optional select fields)."""
    if value in (None, "", "None"):
        return None
    return int(value)


def optional_bool(value: Any) -> bool | None:
    if value in (None, "", "None"):
        return None
    return value in (True, "true", "True", "1")


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=64), CODE_PATTERN])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(), Length(max=255)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[Optional(), Length(max=255)])
    kind = SelectField(_l("Loại đơn vị"), choices=choices((k.value, label) for k, label in KIND_LABELS.items()))
    parent_id = SelectField(_l("Đơn vị cấp trên"), coerce=optional_int, validate_choice=True)
    valid_from = DateField(_l("Hiệu lực từ ngày"), validators=[DataRequired()])
    valid_to = DateField(_l("Chấm dứt từ ngày"), validators=[Optional()])
    field_ids = SelectMultipleField(_l("Lĩnh vực quản lý"), coerce=int)
    ward_ids = SelectMultipleField(_l("Địa bàn phụ trách (phường, xã)"), coerce=int)


class RetireForm(FlaskForm):
    on = DateField(_l("Thôi hoạt động từ ngày"), validators=[DataRequired()])
    successor_id = SelectField(_l("Đơn vị kế thừa"), coerce=optional_int)


class AppointForm(FlaskForm):
    user_id = SelectField(_l("Cán bộ"), coerce=optional_int, validators=[DataRequired()])
    role = SelectField(_l("Chức vụ"), choices=choices((r.value, label) for r, label in LEADER_LABELS.items()))
    replace = BooleanField(_l("Thay người đứng đầu hiện tại"))


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (for buttons)."""


class FieldForm(FlaskForm):
    code = StringField(_l("Mã lĩnh vực"), validators=[DataRequired(), Length(max=64), CODE_PATTERN])
    name = StringField(_l("Tên lĩnh vực"), validators=[DataRequired(), Length(max=255)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[Optional(), Length(max=255)])
    is_active = BooleanField(_l("Đang sử dụng"), default=True)


class RuleForm(FlaskForm):
    code = StringField(_l("Mã quy tắc"), validators=[DataRequired(), Length(max=32), CODE_PATTERN])
    # InputRequired, not DataRequired: 0 is a valid position (DataRequired refuses falsy values).
    position = IntegerField(_l("Thứ tự áp dụng"), validators=[InputRequired(), NumberBetween(min=0, max=100000)],
                            default=100)
    name = StringField(_l("Tên quy tắc"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Loại đơn"), choices=choices([("", _l("Mọi loại")), *SUBMISSION_KIND_LABELS.items()]))
    second_complaint = SelectField(_l("Lần khiếu nại"), coerce=optional_bool,
                                   choices=choices([("", _l("Bất kỳ")), ("false", _l("Lần đầu")),
                                                    ("true", _l("Lần hai"))]))
    field_id = SelectField(_l("Lĩnh vực"), coerce=optional_int)
    strategy = SelectField(_l("Đơn vị có thẩm quyền"),
                           choices=choices((s.value, label) for s, label in STRATEGY_LABELS.items()))
    target_unit_id = SelectField(_l("Đơn vị chỉ định"), coerce=optional_int)
    is_active = BooleanField(_l("Đang áp dụng"), default=True)
    note = TextAreaField(_l("Ghi chú, căn cứ pháp lý"), validators=[Optional(), Length(max=2000)])


class TryForm(FlaskForm):
    """The facts of an imagined submission, to see which unit the rules propose (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Loại đơn"), choices=choices(SUBMISSION_KIND_LABELS.items()))
    is_second_complaint = BooleanField(_l("Khiếu nại lần hai"))
    unit_id = SelectField(_l("Đơn vị bị khiếu nại hoặc được nêu"), coerce=optional_int)
    field_id = SelectField(_l("Lĩnh vực"), coerce=optional_int)
    ward_id = SelectField(_l("Phường, xã nơi phát sinh"), coerce=optional_int)
    accused_unit_id = SelectField(_l("Đơn vị của người bị tố cáo"), coerce=optional_int)
    accused_position = StringField(_l("Chức vụ người bị tố cáo"), validators=[Optional(), Length(max=255)])
    on = DateField(_l("Ngày tiếp nhận"), validators=[Optional()])
