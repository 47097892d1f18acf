"""Forms of the case page: one form per lifecycle transition (only the fields its row requires),
identity reveal, original download and messages. Domain rules are checked by the lifecycle table;
these forms only parse and keep the input."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.cases.lifecycle import (
    COMPLEXITY_CRITERIA,
    KIND_LABELS,
    REASON_CODES,
    REASON_HEADINGS,
    ReasonGroup,
    Req,
    Transition,
    TransitionInput,
    reason_codes,
)
from portal.cases.models import Case, CaseKind
from portal.deadlines.clock import local_today
from portal.web.validators import HasText, NumberBetween


def _choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (keyboard and screen-reader friendly: one label per box)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


TEXT_LABELS: dict[str, Any] = {
    "propose": _l("Ý kiến đề xuất"),
    "return_to_review": _l("Lý do trả lại"),
    "not_accept": _l("Lý do không thụ lý (gửi người gửi đơn)"),
    "guide": _l("Nội dung hướng dẫn (gửi người gửi đơn)"),
    "forward": _l("Nội dung phiếu chuyển đơn"),
    "to_inspection": _l("Căn cứ kiểm tra (người vi phạm, tài liệu, chứng cứ)"),
    "withdraw": _l("Nội dung rút đơn và lý do"),
    "resolve": _l("Nội dung quyết định, kết luận (người gửi đơn được xem)"),
    "inspection_done": _l("Kết quả kiểm tra"),
    "send_decision": _l("Đã gửi cho ai, ngày nào, bằng cách nào (chỉ cán bộ xem được)"),
    "send_interim": _l("Đã gửi quyết định nào (số, ngày), cho ai, ngày nào, bằng cách nào (chỉ cán bộ xem được)"),
    "publish_conclusion": _l("Hình thức và ngày công khai (công bố tại cuộc họp, niêm yết, đăng trên cổng thông "
                             "tin), hoặc căn cứ pháp luật không công khai; khi công khai không nêu thông tin về "
                             "người tố cáo (chỉ cán bộ xem được)"),
    "reopen": _l("Nội dung khiếu nại lần hai hoặc tố cáo tiếp"),
    "lengthen_intake": _l("Căn cứ kéo dài (những nơi phải kiểm tra, hoặc việc ủy quyền kiểm tra)"),
    "notify_accused": _l("Nội dung tố cáo thông báo cho người bị tố cáo (không ghi bất kỳ điều gì giúp nhận ra "
                         "người tố cáo: chỉ họ tên, địa chỉ, số giấy tờ, điện thoại, thư điện tử đã ghi của người "
                         "gửi được tự động che)"),
}
REQUIRED = _l("Trường này là bắt buộc.")
# The day a step recorded after the fact was done: its clock is met that day, not the day of the record.
DONE_ON_LABELS: dict[str, Any] = {
    "notify_accused": _l("Ngày thông báo"),
    "send_interim": _l("Ngày gửi"),
    "send_decision": _l("Ngày gửi"),
    "publish_conclusion": _l("Ngày công khai"),
}


class TransitionForm(FlaskForm):
    """Base: the case version the form was rendered with (optimistic concurrency)."""

    version = HiddenField()


def transition_form(transition: Transition, case: Case, *, units: list[tuple[int, str]],
                    handlers: list[tuple[int, str]], refused_units: frozenset[int] = frozenset()) -> TransitionForm:
    """A form with exactly the fields ``transition`` requires. ``refused_units`` are listed but cannot
    be chosen, with the reason (a unit led by someone the denunciation accuses); the lifecycle
    refuses them too, with its own message, if they are posted anyway."""
    req = transition.requires

    class Form(TransitionForm):
        pass

    if Req.KIND in req:
        Form.kind = SelectField(_l("Loại đơn (theo nội dung)"), choices=_choices([(k.value, str(v)) for k, v in
                                                                          KIND_LABELS.items()]),
                                validators=[InputRequired(REQUIRED)])
        Form.eligibility = MultiCheckboxField(
            _l("Điều kiện chưa đáp ứng (để trống nếu đủ điều kiện)"),
            choices=_choices([(r.code, f"{r.code} — {r.label}") for r in REASON_CODES.values()
                     if r.group == ReasonGroup.ELIGIBILITY]), validators=[Optional()])
    if Req.REASON in req and transition.reason_group:
        identity = transition.reason_group == ReasonGroup.IDENTITY
        Form.reason_code = SelectField(REASON_HEADINGS.get(transition.reason_group, _l("Lý do")), choices=_choices([
            ("", _l("— Chọn cách xác minh —") if identity else _l("— Chọn lý do —"))] + [
            (r.code, f"{r.code} — {r.label}") for r in reason_codes(transition.reason_group, case.kind)]),
            validators=[InputRequired(REQUIRED)],
            description=_l("Trước đó, hãy xem thông tin người gửi ở trang hồ sơ (có ghi nhật ký) để đối chiếu.")
            if identity else "")
    if Req.TARGET_UNIT in req:
        Form.target_unit = SelectField(_l("Đơn vị nhận đơn"), choices=_choices([("", _l("— Chọn đơn vị —"))]) + [
            SelectChoice(str(i), _l("%(unit)s (không thể chuyển: người bị tố cáo đứng đầu hoặc làm cấp phó)", unit=n),
                         {"disabled": True}) if i in refused_units else SelectChoice(str(i), n)
            for i, n in units], validators=[InputRequired(REQUIRED)])
    if Req.TARGET_CASE in req:
        Form.target_case = StringField(_l("Mã hồ sơ cần gộp vào"), validators=[InputRequired(REQUIRED),
                                                                              Length(max=24)])
    if Req.HANDLER in req:
        Form.handler = SelectField(_l("Cán bộ thụ lý"), choices=_choices([("", _l("— Chọn cán bộ —"))] +
                                   [(str(i), n) for i, n in handlers]), validators=[InputRequired(REQUIRED)])
    if Req.PARTS in req:
        Form.parts = TextAreaField(_l("Các nội dung cần tách (mỗi nội dung một dòng)"),
                                   validators=[HasText(REQUIRED), Length(max=10000)])
    if Req.CRITERIA in req:
        Form.criteria = MultiCheckboxField(_l("Tiêu chí phức tạp (1 tiêu chí: phức tạp; từ 2: đặc biệt phức tạp)"),
                                           choices=_choices([(k, str(v)) for k, v in COMPLEXITY_CRITERIA.items()]),
                                           validators=[Optional()])
        Form.is_remote = BooleanField(_l("Vùng sâu, vùng xa, đi lại khó khăn"))
    if Req.WITHDRAWAL in req:
        Form.withdrawal = RadioField(_l("Phạm vi rút đơn"), choices=_choices([("partial", _l("Rút một phần nội dung")),
                                                                     ("full", _l("Rút toàn bộ nội dung"))]),
                                     validators=[InputRequired(REQUIRED)])
        if case.kind == CaseKind.DENUNCIATION:
            Form.continues = BooleanField(_l("Vẫn tiếp tục giải quyết tố cáo (có dấu hiệu vi phạm, bị ép buộc...)"))
    if Req.DECISION in req:
        Form.decision_number = StringField(_l("Số quyết định, văn bản"), validators=[InputRequired(REQUIRED),
                                                                                    Length(max=100)])
        Form.decision_date = DateField(_l("Ngày ký"), validators=[InputRequired(REQUIRED)],
                                       render_kw={"autocomplete": "off"})
    if Req.DAYS in req:
        Form.days = IntegerField(_l("Số ngày gia hạn"), validators=[InputRequired(REQUIRED),
                                                                    NumberBetween(1, 30, _l("Từ 1 đến 30 ngày."))])
    if Req.DONE_ON in req:
        Form.done_on = DateField(DONE_ON_LABELS.get(transition.name, _l("Ngày thực hiện")),
                                 validators=[InputRequired(REQUIRED)], default=local_today,
                                 description=_l("Không sau hôm nay; thời hạn được tính là hoàn thành vào ngày này."),
                                 render_kw={"autocomplete": "off"})
    if Req.TEXT in req:
        Form.text = TextAreaField(TEXT_LABELS.get(transition.name, _l("Nội dung")),
                                  validators=[HasText(REQUIRED), Length(max=20000)])
    if Req.DOCUMENT in req:
        Form.document = FileField(_l("Văn bản đã ký (PDF)"), validators=[InputRequired(REQUIRED)])
        # A complaint's decision and a petition's answer are addressed to the sender; a denunciation's
        # conclusion goes to the accused, and the denouncer is told of it (Luật Tố cáo Art. 35(3)), so
        # the head gives them the document itself only by choice.
        Form.share_document = BooleanField(
            _l("Người gửi đơn được tải văn bản này trên trang theo dõi đơn"),
            default=case.kind != CaseKind.DENUNCIATION,
            description=_l("Chỉ khi văn bản được phép cung cấp cho người gửi (không chứa bí mật nhà nước hay "
                           "thông tin không được tiết lộ của người khác). Có thể cho tải sau, nhưng không thu hồi "
                           "được."))
    form = Form()
    if not form.version.data:
        form.version.data = str(case.version)
    return form


def form_input(form: TransitionForm, *, document_key: str | None = None,
               document_name: str | None = None) -> TransitionInput:
    """The lifecycle input read from a validated transition form."""
    def value(name: str) -> Any:
        field = getattr(form, name, None)
        return field.data if field is not None else None

    unit = value("target_unit")
    handler = value("handler")
    kind = value("kind")
    return TransitionInput(
        reason_code=value("reason_code") or None, text=value("text") or "",
        decision_number=value("decision_number"), decision_date=value("decision_date"), days=value("days"),
        kind=CaseKind(kind) if kind else None, eligibility=tuple(value("eligibility") or ()),
        document_key=document_key, document_name=document_name, share_document=bool(value("share_document")),
        target_unit_id=int(unit) if unit else None, target_case_reference=value("target_case"),
        handler_id=int(handler) if handler else None,
        parts=tuple((value("parts") or "").splitlines()), criteria=tuple(value("criteria") or ()),
        is_remote=bool(value("is_remote")), withdrawal=value("withdrawal"), continues=bool(value("continues")),
        done_on=value("done_on"))


class RevealForm(FlaskForm):
    reason = TextAreaField(_l("Lý do cần xem thông tin người gửi"),
                           validators=[HasText(REQUIRED), Length(min=5, max=1000)])


class OriginalForm(FlaskForm):
    reason = StringField(_l("Lý do tải bản gốc"), validators=[HasText(REQUIRED), Length(min=5, max=1000)])


class RedactedCopyForm(FlaskForm):
    """A denunciation file with the denouncer's identity blacked out, for the other staff."""

    file = FileField(_l("Bản đã che thông tin người gửi"), validators=[InputRequired(REQUIRED)])


class ClearForm(FlaskForm):
    """The handler's or head's word that a denunciation file names nobody."""

    confirm = BooleanField(_l("Tôi đã xem tệp này và xác nhận không có thông tin nhận dạng người gửi"),
                           validators=[InputRequired(_l("Hãy đánh dấu ô xác nhận."))])


class MessageForm(FlaskForm):
    kind = RadioField(_l("Loại tin nhắn"), choices=_choices([("internal", _l("Ghi chú nội bộ (chỉ cán bộ xem)")),
                                                    ("to_reporter", _l("Gửi người gửi đơn"))]),
                      default="internal", validators=[InputRequired(REQUIRED)])
    body = TextAreaField(_l("Nội dung"), validators=[HasText(REQUIRED), Length(max=5000)])


class NoticeTemplateForm(FlaskForm):
    title = StringField(_l("Tiêu đề"), validators=[HasText(REQUIRED), Length(max=255)])
    body = TextAreaField(_l("Nội dung mẫu"), validators=[HasText(REQUIRED), Length(max=20000)])


class AccusedForm(FlaskForm):
    """The staff accused in a denunciation (conflict of interest): their sign-in emails, one a line."""

    emails = TextAreaField(_l("Cán bộ bị tố cáo"), validators=[Optional(), Length(max=4000)])

    def addresses(self) -> list[str]:
        """The distinct emails typed, lower-cased, in order (commas, semicolons or lines separate them)."""
        import re

        seen: dict[str, None] = {}
        for part in re.split(r"[\s,;]+", self.emails.data or ""):
            if part:
                seen.setdefault(part.strip().lower(), None)
        return list(seen)
