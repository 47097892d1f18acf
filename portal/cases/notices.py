"""Notices the law requires (acceptance, refusal, guidance, forwarding slip, extension, suspension,
resumption, termination, conclusion), generated from editable Vietnamese templates stored in the database.

Templates are rendered in a Jinja sandbox with autoescaping, and they receive ONLY the identity-free
variables of :data:`VARIABLES`: a notice never carries the reporter's name, address, ID number or
contact, whoever it is addressed to (the reporter is addressed through the tracking code). The
rendered HTML then passes through the one sanitizer, :func:`portal.security.sanitize_html`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.lifecycle import KIND_LABELS, REASON_CODES, TRANSITIONS
from portal.cases.models import Case, CaseEvent, NoticeTemplate
from portal.cases.redaction import Redactor
from portal.deadlines.clock import local_date, local_today

__all__ = ["DEFAULTS", "VARIABLES", "NoticeError", "NoticeTemplate", "RenderedNotice", "check_template",
           "get_template", "render_notice", "seed_templates", "update_template", "variables_for"]
from portal.db import now_utc
from portal.org.models import OrgUnit
from portal.security import sanitize_html

# The variables a notice template may use. None of them identifies the reporter.
VARIABLES: dict[str, Any] = {
    "reference": _l("Mã hồ sơ"),
    "tracking_code": _l("Mã theo dõi của người gửi"),
    "unit_name": _l("Đơn vị giải quyết"),
    "kind": _l("Loại đơn"),
    "today": _l("Ngày lập"),
    "decision_number": _l("Số quyết định"),
    "decision_date": _l("Ngày quyết định"),
    "reason_code": _l("Mã lý do"),
    "reason": _l("Lý do"),
    "text": _l("Nội dung do cán bộ nhập"),
    "days": _l("Số ngày gia hạn"),
    "to_unit_name": _l("Đơn vị nhận (chuyển đơn)"),
    "received_on": _l("Ngày nhận đơn"),
    "accused_name": _l("Người, cơ quan bị tố cáo (theo đơn)"),
}

# What a notice to the accused may not carry, on top of the identity it never carries: the sender's
# tracking code, the case reference (the first case of a đơn is referenced by its tracking code) and
# the day of receipt, each of which ties the notice to the one the denouncer holds.
ACCUSED_HIDDEN = frozenset({"tracking_code", "reference", "received_on"})


def variables_for(code: str) -> dict[str, Any]:
    """The variables the template ``code`` may use."""
    if code == "accused_notice":
        return {name: label for name, label in VARIABLES.items() if name not in ACCUSED_HIDDEN}
    return dict(VARIABLES)


_HEAD = ("<p><strong>{{ unit_name }}</strong></p>\n<p>Số: {{ decision_number or '……' }}</p>\n"
         "<p>Ngày {{ today }}</p>\n")
DEFAULTS: dict[str, tuple[str, str]] = {
    "acceptance": ("Thông báo thụ lý", _HEAD + (
        "<h2>THÔNG BÁO<br>Về việc thụ lý giải quyết đơn</h2>\n"
        "<p>Kính gửi: Người gửi đơn có mã theo dõi {{ tracking_code }}.</p>\n"
        "<p>{{ unit_name }} đã nhận đơn ({{ kind }}) ngày {{ received_on }}. Xét thấy đơn đủ điều kiện, "
        "{{ unit_name }} thụ lý giải quyết theo quyết định số {{ decision_number }} ngày {{ decision_date }}.</p>\n"
        "<p>Mã hồ sơ: {{ reference }}.</p>")),
    "refusal": ("Thông báo không thụ lý", _HEAD + (
        "<h2>THÔNG BÁO<br>Về việc không thụ lý giải quyết đơn</h2>\n"
        "<p>Kính gửi: Người gửi đơn có mã theo dõi {{ tracking_code }}.</p>\n"
        "<p>{{ unit_name }} đã nhận đơn ngày {{ received_on }}. Đơn không được thụ lý vì: "
        "{{ reason }} ({{ reason_code }}).</p>\n<p>{{ text }}</p>")),
    "guidance": ("Phiếu hướng dẫn", _HEAD + (
        "<h2>PHIẾU HƯỚNG DẪN</h2>\n<p>Kính gửi: Người gửi đơn có mã theo dõi {{ tracking_code }}.</p>\n"
        "<p>Nội dung đơn không thuộc thẩm quyền giải quyết của {{ unit_name }}. Đề nghị bạn:</p>\n"
        "<p>{{ text }}</p>")),
    "forwarding": ("Phiếu chuyển đơn", _HEAD + (
        "<h2>PHIẾU CHUYỂN ĐƠN</h2>\n<p>Kính gửi: {{ to_unit_name }}.</p>\n"
        "<p>{{ unit_name }} nhận được đơn ({{ kind }}) ngày {{ received_on }}, mã hồ sơ {{ reference }}. "
        "Nội dung đơn thuộc thẩm quyền giải quyết của quý cơ quan, {{ unit_name }} chuyển đơn đến để "
        "xem xét, giải quyết theo quy định.</p>\n<p>{{ text }}</p>\n"
        "<p>Thông tin về người gửi đơn được chuyển riêng theo chế độ mật.</p>")),
    "extension": ("Quyết định gia hạn", _HEAD + (
        "<h2>QUYẾT ĐỊNH<br>Về việc gia hạn thời hạn giải quyết</h2>\n"
        "<p>Gia hạn thời hạn giải quyết hồ sơ {{ reference }} thêm {{ days }} ngày, theo quyết định số "
        "{{ decision_number }} ngày {{ decision_date }}.</p>")),
    "suspension": ("Quyết định tạm đình chỉ", _HEAD + (
        "<h2>QUYẾT ĐỊNH<br>Về việc tạm đình chỉ giải quyết</h2>\n"
        "<p>Tạm đình chỉ việc giải quyết hồ sơ {{ reference }}. Lý do: {{ reason }}.</p>\n"
        "<p>Thời gian tạm đình chỉ không tính vào thời hạn giải quyết.</p>")),
    "resumption": ("Quyết định tiếp tục giải quyết", _HEAD + (
        "<h2>QUYẾT ĐỊNH<br>Về việc tiếp tục giải quyết</h2>\n"
        "<p>Tiếp tục giải quyết hồ sơ {{ reference }} ({{ kind }}) theo quyết định số {{ decision_number }} "
        "ngày {{ decision_date }}, do lý do tạm đình chỉ không còn.</p>\n"
        "<p>Thời hạn giải quyết được tính tiếp từ ngày tiếp tục giải quyết.</p>")),
    "termination": ("Quyết định đình chỉ giải quyết", _HEAD + (
        "<h2>QUYẾT ĐỊNH<br>Về việc đình chỉ giải quyết</h2>\n"
        "<p>Đình chỉ việc giải quyết hồ sơ {{ reference }} ({{ kind }}) theo quyết định số {{ decision_number }} "
        "ngày {{ decision_date }}. Lý do: {{ reason }}.</p>")),
    # Luật Tố cáo Art. 29(3): the content, never the denouncer; ``text`` is what the officer wrote for
    # the accused, with the identifiers recorded for the sender masked again before it is printed
    # (the officer still must not describe the denouncer: masking finds recorded values only).
    "accused_notice": ("Thông báo nội dung tố cáo", _HEAD + (
        "<h2>THÔNG BÁO<br>Về nội dung tố cáo</h2>\n"
        "<p>Kính gửi: {{ accused_name or '……' }}.</p>\n"
        "<p>{{ unit_name }} đã thụ lý giải quyết tố cáo theo quyết định số "
        "{{ decision_number or '……' }} ngày {{ decision_date or '……' }}. Nội dung bị tố cáo:</p>\n<p>{{ text }}</p>\n"
        "<p>Đề nghị người bị tố cáo giải trình bằng văn bản và cung cấp thông tin, tài liệu có liên quan theo quy định "
        "của Luật Tố cáo.</p>")),
    "conclusion": ("Quyết định, kết luận", _HEAD + (
        "<h2>KẾT QUẢ GIẢI QUYẾT</h2>\n<p>Hồ sơ {{ reference }} ({{ kind }}).</p>\n"
        "<p>Theo quyết định, kết luận số {{ decision_number }} ngày {{ decision_date }}:</p>\n<p>{{ text }}</p>")),
}


class NoticeError(ValueError):
    """A notice template that does not render (syntax error or forbidden construct)."""


@dataclass(frozen=True)
class RenderedNotice:
    code: str
    title: str
    body: Markup


_env = ImmutableSandboxedEnvironment(autoescape=True)


def get_template(session: Session, code: str) -> NoticeTemplate:
    """The stored template ``code``, created from :data:`DEFAULTS` the first time it is needed."""
    template = session.scalar(select(NoticeTemplate).where(NoticeTemplate.code == code))
    if template is None:
        if code not in DEFAULTS:
            raise KeyError(code)
        title, body = DEFAULTS[code]
        template = NoticeTemplate(code=code, title=title, body=body)
        session.add(template)
        session.flush()
    return template


def seed_templates(session: Session) -> int:
    """Create the missing default templates; returns how many were created."""
    existing = set(session.scalars(select(NoticeTemplate.code)))
    for code in DEFAULTS:
        if code not in existing:
            get_template(session, code)
    return len(set(DEFAULTS) - existing)


def check_template(body: str, code: str = "") -> None:
    """Refuse a template that does not compile or uses variables outside those of ``code``
    (:func:`variables_for`)."""
    from jinja2 import meta

    try:
        parsed = _env.parse(body)
    except TemplateError as exc:
        raise NoticeError(str(exc)) from exc
    allowed = variables_for(code)
    unknown = meta.find_undeclared_variables(parsed) - set(allowed)
    if unknown:
        raise NoticeError(", ".join(sorted(unknown)))
    # A template can parse and still fail on every notice ("{{ 1/0 }}", "{{ 1 + 'a' }}", a range
    # past the sandbox's limit): render it once now, with a sample of each variable, so the
    # administrator hears about it instead of every officer who prints a notice.
    _render(body, {**{name: f"[{name}]" for name in allowed}, "days": 30})  # as notice_variables: days is a number


def _render(body: str, values: dict[str, Any]) -> str:
    """An administrator's template rendered in the sandbox; any failure is a :class:`NoticeError`."""
    try:
        return _env.from_string(body).render(**values)
    except Exception as exc:  # user-written templates fail in any way Python can
        raise NoticeError(f"{type(exc).__name__}: {exc}") from exc


def update_template(session: Session, template: NoticeTemplate, *, title: str, body: str, user_id: int) -> None:
    check_template(body, template.code)
    template.title = title.strip()
    template.body = body
    template.updated_at = now_utc()
    template.updated_by_id = user_id
    session.flush()


def notice_variables(session: Session, case: Case, event: CaseEvent, today: dt.date) -> dict[str, Any]:
    """The whitelisted, identity-free variables for the notice of ``event``."""
    from flask_babel import force_locale

    from portal.i18n import format_day

    unit = session.get(OrgUnit, case.unit_id)
    submission = case.submission
    with force_locale("vi"):  # a notice is in Vietnamese whatever language the officer reads the site in
        text = Redactor.for_identity(submission.identity).text(event.note)  # a group's representatives too
    to_unit = session.get(OrgUnit, event.data.get("to_unit_id")) if event.data.get("to_unit_id") else None
    decided = event
    if event.action == "notify_accused":  # the notice names the acceptance decision it follows
        decided = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "accept")
                                  .order_by(CaseEvent.id.desc()).limit(1)).first() or event
    reason = REASON_CODES.get(event.reason_code or "")
    values = {
        "reference": case.reference, "tracking_code": case.submission.tracking_code,
        "unit_name": unit.name if unit else "", "kind": str(KIND_LABELS[case.kind]) if case.kind else "",
        "today": format_day(today, "long"), "decision_number": decided.decision_number or "",
        "decision_date": format_day(decided.decision_date, "long") if decided.decision_date else "",
        "reason_code": event.reason_code or "", "reason": str(reason.label) if reason else "",
        # Notices go to the accused and to outside bodies too: never the reporter's identifiers.
        "text": text, "days": event.data.get("days") or "",
        "to_unit_name": to_unit.name if to_unit else "",
        "received_on": format_day(local_date(case.submission.received_at), "long"),
        "accused_name": case.submission.accused_name or "",
    }
    assert set(values) == set(VARIABLES)
    return values


def notice_code(event: CaseEvent) -> str | None:
    transition = TRANSITIONS.get(event.action)
    return transition.notice if transition else None


def render_notice(session: Session, case: Case, event: CaseEvent, *, today: dt.date | None = None) -> RenderedNotice:
    """The printable notice of ``event`` (raises KeyError when the event has no notice)."""
    code = notice_code(event)
    if code is None:
        raise KeyError(event.action)
    template = get_template(session, code)
    allowed = variables_for(code)
    values = {name: value for name, value in notice_variables(session, case, event, today or local_today()).items()
              if name in allowed}
    html = _render(template.body, values)
    return RenderedNotice(code, template.title, sanitize_html(html))
