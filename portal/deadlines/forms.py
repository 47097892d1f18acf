"""Forms of the deadline screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.web.validators import NumberBetween, sane_date

UNIT_CHOICES = [SelectChoice("CAL", _l("Ngày (theo lịch)")), SelectChoice("WD", _l("Ngày làm việc"))]
CONFIDENCE_CHOICES = [SelectChoice("V", _l("Đã đối chiếu văn bản")),
                      SelectChoice("P", _l("Theo báo chí, chưa đối chiếu")),
                      SelectChoice("R", _l("Theo bản sao chưa kiểm chứng")), SelectChoice("?", _l("Chưa kiểm chứng"))]
OVERRIDE_CHOICES = [SelectChoice("extra_day_off", _l("Ngày nghỉ thêm")),
                    SelectChoice("make_up_working_day", _l("Ngày làm bù"))]
REQUIRED = _l("Trường này là bắt buộc.")
WHOLE = _l("Nhập một số nguyên từ 0 đến 365.")


def _days(label: object, required: bool = False) -> IntegerField:
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return IntegerField(label, validators=[*validators, NumberBetween(0, 365, WHOLE)])


class RuleVersionForm(FlaskForm):
    """A new version of a rule, in force from ``valid_from``."""

    valid_from = DateField(_l("Áp dụng từ ngày"), validators=[DataRequired(_l("Nhập ngày theo dạng YYYY-MM-DD."))])
    duration = _days(_l("Thời hạn"), required=True)
    unit = SelectField(_l("Đơn vị tính"), choices=UNIT_CHOICES)
    duration_complex = _days(_l("Thời hạn khi phức tạp"))
    duration_especially_complex = _days(_l("Thời hạn khi đặc biệt phức tạp"))
    duration_remote = _days(_l("Thời hạn ở vùng sâu, vùng xa"))
    duration_remote_complex = _days(_l("Thời hạn ở vùng sâu, vùng xa và phức tạp"))
    extension_days = _days(_l("Số ngày mỗi lần gia hạn"))
    extensions_complex = _days(_l("Số lần gia hạn khi phức tạp"))
    extensions_especially_complex = _days(_l("Số lần gia hạn khi đặc biệt phức tạp"))
    pauses_excluded = BooleanField(_l("Không tính thời gian tạm đình chỉ"))
    starts_at = StringField(_l("Thời điểm bắt đầu tính"), validators=[Length(max=255)])
    legal_basis = StringField(_l("Căn cứ pháp lý"), validators=[DataRequired(REQUIRED), Length(max=255)])
    confidence = SelectField(_l("Mức độ kiểm chứng"), choices=CONFIDENCE_CHOICES)
    note = TextAreaField(_l("Ghi chú"), validators=[Length(max=2000)])


class OverrideForm(FlaskForm):
    day = DateField(_l("Ngày"), validators=[DataRequired(_l("Nhập ngày theo dạng YYYY-MM-DD."))])
    kind = SelectField(_l("Loại điều chỉnh"), choices=OVERRIDE_CHOICES)
    note = StringField(_l("Ghi chú"), validators=[Length(max=255)])


class DeleteForm(FlaskForm):
    """CSRF only."""


class PeriodForm(FlaskForm):
    """The board's period (GET; no CSRF needed for a read)."""

    class Meta:
        csrf = False

    start = DateField(_l("Từ ngày"), validators=[Optional(), sane_date])
    end = DateField(_l("Đến ngày"), validators=[Optional(), sane_date])
