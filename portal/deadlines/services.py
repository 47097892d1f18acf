"""Deadline services called by the back office's lifecycle transitions.

Services take the session, add and flush; they never commit. Rule selection: the stage, the case
kind, whether it is a second complaint, and the flags pick a rule code; the version in force on the
start date is used and recorded on the deadline, so a case keeps the rule in force when its clock
started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import (
    AFTER_DECISION_STAGES,
    INTERIM_STAGE,
    NOTIFY_STAGE,
    PUBLISH_STAGE,
    SEND_STAGE,
    SIDE_STAGES,
    Case,
    CaseKind,
    CaseStatus,
    Deadline,
    SubmissionKind,
)
from portal.deadlines import policy
from portal.deadlines.calendar import WorkingCalendar
from portal.deadlines.models import DayUnit, DeadlineRule, HolidayOverride, OverrideKind
from portal.deadlines.rules_data import SEED_RULES
from portal.org import refdata

STAGES = ("intake", "acceptance", "resolution", NOTIFY_STAGE, INTERIM_STAGE, SEND_STAGE, PUBLISH_STAGE)
# A clock per decision: a later decision opens its own instead of moving one still running (the
# suspension's sending stays late if it is, when the resumption or termination follows).
PER_DECISION_STAGES = frozenset({INTERIM_STAGE})


class DeadlineError(ValueError):
    """A refused deadline operation; ``str()`` is the translated, user-facing message."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        if has_request_context():
            return str(self.message)
        with force_locale("vi"):  # CLI and worker: no request to choose the language from
            return str(self.message)


@dataclass(frozen=True)
class DeadlineView:
    """What a page shows about one deadline."""

    rule_code: str
    stage: str
    due_on: dt.date
    days_left: int  # in ``unit`` (working days for WD rules); negative when overdue
    unit: str  # CAL | WD
    overdue: bool
    met: bool
    paused: bool
    legal_basis: str


# ---------------------------------------------------------------- rules and calendar

def rule_code_for(case: Case, stage: str) -> str | None:
    """The rule code that applies to ``case`` at ``stage`` (None: no statutory deadline)."""
    if stage not in STAGES:
        raise DeadlineError(_l("Giai đoạn không hợp lệ."))
    kind = case.kind
    if kind == CaseKind.DENUNCIATION_INFO:
        return None  # anonymous denunciation information: no statutory deadline
    if stage == "intake":
        if kind == CaseKind.DENUNCIATION and case.previous_case_id is not None:
            return "TC-09"  # a re-denunciation (tố cáo tiếp): the superior reviews the earlier file, Art. 37(2)
        # before classification, a signed đơn sent as a denunciation runs on the denunciation's limit
        claimed = kind is None and case.submission.kind == SubmissionKind.DENUNCIATION \
            and not case.submission.is_anonymous
        return "TC-01" if kind == CaseKind.DENUNCIATION or claimed else "XLD-01"
    if stage == "acceptance":
        return "KN-02" if kind == CaseKind.COMPLAINT else None
    if stage == NOTIFY_STAGE:  # the accused told the content of an accepted denunciation
        return "TC-03" if kind == CaseKind.DENUNCIATION else None
    if stage == PUBLISH_STAGE:  # a denunciation's conclusion made public
        return "TC-07" if kind == CaseKind.DENUNCIATION else None
    if stage == INTERIM_STAGE:  # a suspension, termination or (complaints only) resumption decision sent
        if kind == CaseKind.COMPLAINT:
            return "KN-09"  # NĐ 155/2026 Art. 28b: the resumption decision too
        suspended_or_ended = case.status in (CaseStatus.SUSPENDED, CaseStatus.TERMINATED)
        return "TC-05" if kind == CaseKind.DENUNCIATION and suspended_or_ended else None
    from portal.cases.lifecycle import is_second_round

    if stage == SEND_STAGE:  # the decision or conclusion sent to those the law names
        if kind == CaseKind.COMPLAINT:
            return "KN-10" if is_second_round(case) else "KN-04"
        return "TC-06" if kind == CaseKind.DENUNCIATION else None
    if kind == CaseKind.COMPLAINT:
        return "KN-06" if is_second_round(case) else "KN-03"
    if kind == CaseKind.DENUNCIATION:
        return "TC-04"
    if kind == CaseKind.PETITION:
        return "KNPA-02"
    return None


class RuleRow(NamedTuple):
    """One version of a deadline rule as the clocks use it (kept per process, shared by requests:
    read-only, unlike the ORM row)."""

    id: int
    code: str
    version: int
    unit: DayUnit
    duration: int
    duration_complex: int | None
    duration_especially_complex: int | None
    duration_remote: int | None
    duration_remote_complex: int | None
    extension_days: int | None
    extensions_complex: int
    extensions_especially_complex: int
    valid_from: dt.date
    valid_to: dt.date | None
    legal_basis: str


_RULE_ROWS = select(*(getattr(DeadlineRule, name) for name in RuleRow._fields)).order_by(
    DeadlineRule.code, DeadlineRule.valid_from.desc(), DeadlineRule.version.desc())


def _rules(session: Session) -> dict[str, tuple[RuleRow, ...]]:
    """Every rule version by code, the latest first. The rules and the calendar overrides are
    reference data (portal/org/refdata.py): a change gives a new version token, so each process
    reads them once per change instead of on every đơn received."""

    def read() -> dict[str, tuple[RuleRow, ...]]:
        by_code: dict[str, list[RuleRow]] = {}
        for row in session.execute(_RULE_ROWS):
            by_code.setdefault(row.code, []).append(RuleRow(*row))
        return {code: tuple(rows) for code, rows in by_code.items()}

    return refdata.snapshot(session).derived("deadline-rules", read)


def rule_in_force(session: Session, code: str, on: dt.date) -> RuleRow | None:
    """The version of rule ``code`` in force on ``on`` (the latest version when several overlap)."""
    for rule in _rules(session).get(code, ()):
        if rule.valid_from <= on and (rule.valid_to is None or rule.valid_to >= on):
            return rule
    return None


def rules_of(session: Session, code: str) -> tuple[RuleRow, ...]:
    """Every version of rule ``code``, the latest first."""
    return _rules(session).get(code, ())


def rule_version(session: Session, rule_id: int | None) -> RuleRow | None:
    """The rule version a deadline recorded."""
    if rule_id is None:
        return None
    by_id = refdata.snapshot(session).derived(
        "deadline-rules-by-id", lambda: {rule.id: rule for rules in _rules(session).values() for rule in rules})
    return by_id.get(rule_id)


def duration_for(rule: RuleRow | DeadlineRule, *, complex_: bool = False, especially_complex: bool = False,
                 remote: bool = False) -> int:
    """The rule's base duration chosen by the case flags."""
    is_complex = complex_ or especially_complex
    if remote and is_complex and rule.duration_remote_complex is not None:
        return rule.duration_remote_complex
    if remote and rule.duration_remote is not None:
        return rule.duration_remote
    if especially_complex and rule.duration_especially_complex is not None:
        return rule.duration_especially_complex
    if is_complex and rule.duration_complex is not None:
        return rule.duration_complex
    return rule.duration


def allowed_extensions(rule: RuleRow | DeadlineRule, *, complex_: bool, especially_complex: bool) -> int:
    if especially_complex:
        return rule.extensions_especially_complex
    if complex_:
        return rule.extensions_complex
    return 0


def load_calendar(session: Session) -> WorkingCalendar:
    """The working calendar: public holidays plus the administrator's overrides (kept per process
    while the overrides are unchanged, as :func:`_rules`)."""

    def read() -> WorkingCalendar:
        rows = session.execute(select(HolidayOverride.day, HolidayOverride.kind)).all()
        return WorkingCalendar(extra_days_off=[d for d, k in rows if k == OverrideKind.EXTRA_DAY_OFF],
                               make_up_days=[d for d, k in rows if k == OverrideKind.MAKE_UP_WORKING_DAY])

    return refdata.snapshot(session).derived("calendar", read)


def seed_rules(session: Session) -> int:
    """Insert the default rules that are missing (by code and valid_from). Idempotent."""
    existing = set(session.execute(select(DeadlineRule.code, DeadlineRule.valid_from)).all())
    added = 0
    for row in SEED_RULES:
        values = {"valid_from": dt.date(2000, 1, 1), **row}
        if (values["code"], values["valid_from"]) in existing:
            continue
        version = (session.scalar(select(DeadlineRule.version).where(DeadlineRule.code == values["code"])
                                  .order_by(DeadlineRule.version.desc()).limit(1)) or 0) + 1
        session.add(DeadlineRule(version=version, **values))
        session.flush()
        added += 1
    return added


# ---------------------------------------------------------------- deadlines of a case

def _flags(case: Case) -> dict[str, bool]:
    return {"complex_": bool(case.is_complex), "especially_complex": bool(case.is_especially_complex),
            "remote": bool(case.is_remote)}


def _recompute(session: Session, deadline: Deadline, case: Case, calendar: WorkingCalendar) -> None:
    rule = rule_version(session, deadline.rule_version_id)
    if rule is None:
        return
    deadline.due_on = policy.due_date(deadline.starts_on, duration_for(rule, **_flags(case)), rule.unit.value,
                                      calendar, extension_days=deadline.extension_days,
                                      paused_days=deadline.paused_days)


def _open(case: Case, stage: str | None = None) -> list[Deadline]:
    return [d for d in case.deadlines if d.met_at is None and (stage is None or d.stage == stage)]


def update_case_due(case: Case) -> None:
    """``case.due_on`` = the earliest due date of its open deadlines."""
    dues = [d.due_on for d in _open(case)]
    case.due_on = min(dues) if dues else None


# The limit that applies to an intake ending by forwarding, when the law sets one apart from the
# intake's own (Luật Tố cáo Art. 24(2): a denunciation outside competence is forwarded within 5
# working days, against 7 for the initial handling).
FORWARD_RULES = {CaseKind.DENUNCIATION: "TC-02"}


def hold_forward_to_its_limit(session: Session, case: Case) -> Deadline | None:
    """Before the intake of a forwarded case is completed: hold its open intake deadline to the
    forwarding rule of its kind (:data:`FORWARD_RULES`), from the same start, so it is judged on
    time or late against the limit that applied."""
    code = FORWARD_RULES.get(case.kind) if case.kind else None
    existing = _open(case, "intake")
    if code is None or not existing:
        return None
    deadline = existing[0]
    rule = rule_in_force(session, code, deadline.starts_on)
    if rule is None:
        return None
    deadline.rule_code, deadline.rule_version_id = rule.code, rule.id
    deadline.unit, deadline.legal_basis = rule.unit.value, rule.legal_basis
    deadline.extension_days = deadline.extensions_count = 0  # TC-01's longer limit is not the forwarding's
    _recompute(session, deadline, case, load_calendar(session))
    update_case_due(case)
    session.flush()
    return deadline


def start_stage(session: Session, case: Case, stage: str, start_on: dt.date) -> Deadline | None:
    """Start the clock of ``stage``; None when no rule applies. Restarting an open stage moves it."""
    code = rule_code_for(case, stage)
    existing = _open(case, stage)
    if code is None and stage in SIDE_STAGES:
        return None  # this decision starts no clock of its own (a denunciation resumed): an open one stays
    if code is None:
        # no statutory clock for this stage any more (a complaint reclassified as a petition has no
        # thụ lý stage): the one left running from the earlier kind would drive reminders and escalation
        for deadline in existing:
            case.deadlines.remove(deadline)
            session.delete(deadline)
        if existing:
            update_case_due(case)
            session.flush()
        return None
    rule = rule_in_force(session, code, start_on)
    if rule is None:
        return None
    if stage in PER_DECISION_STAGES:
        existing = []  # a clock of its own: an earlier decision still waiting keeps its limit and its lateness
    # a new start, or another rule (a reclassified đơn): earlier extensions, pauses and reminders lapse
    restarted = bool(existing) and (existing[0].starts_on != start_on or existing[0].rule_code != rule.code)
    if existing:
        deadline = existing[0]
    else:
        deadline = Deadline(case_id=case.id, stage=stage)
        session.add(deadline)
        case.deadlines.append(deadline)
    deadline.rule_code = rule.code
    deadline.rule_version_id = rule.id
    deadline.starts_on = start_on
    deadline.unit = rule.unit.value
    deadline.legal_basis = rule.legal_basis
    if not existing or restarted:
        deadline.extension_days = deadline.extensions_count = deadline.paused_days = 0
        deadline.paused_since = None
        # the sweep chases the new due date afresh (the report of an intake still open 45 days after
        # receipt, which the receipt dates, stays as it was)
        deadline.reminded_at = deadline.escalated_at = deadline.escalated_parent_at = None
    deadline.due_on = start_on
    _recompute(session, deadline, case, load_calendar(session))
    update_case_due(case)
    session.flush()
    return deadline


def complete_stage(session: Session, case: Case, stage: str, at: dt.datetime) -> Deadline | None:
    """Mark the open deadline of ``stage`` met at ``at`` (of a stage with a clock per decision, the
    earliest started: each record is one decision sent)."""
    open_ = sorted(_open(case, stage), key=lambda d: (d.starts_on, d.id or 0))
    if not open_:
        return None
    deadline = open_[0]
    deadline.met_at = at
    deadline.paused_since = None
    update_case_due(case)
    session.flush()
    return deadline


def lengthen_stage(session: Session, case: Case, stage: str) -> Deadline:
    """The longer limit a rule allows in stated circumstances, once, without a written decision: its
    extension days when it allows no extension by complexity (TC-01: 10 working days instead of 7
    when the checks take place at several places or are delegated, Luật Tố cáo Art. 24(1))."""
    open_ = _open(case, stage)
    if not open_:
        raise DeadlineError(_l("Giai đoạn này không có thời hạn đang chạy."))
    deadline = open_[0]
    rule = rule_version(session, deadline.rule_version_id)
    if rule is None:
        raise DeadlineError(_l("Không tìm thấy quy định thời hạn."))
    if not rule.extension_days or rule.extensions_complex or rule.extensions_especially_complex:
        raise DeadlineError(_l("Quy định %(code)s không cho phép kéo dài thời hạn này.", code=rule.code))
    if deadline.extensions_count:
        raise DeadlineError(_l("Thời hạn này đã được kéo dài (chỉ một lần)."))
    deadline.extension_days, deadline.extensions_count = rule.extension_days, 1
    _recompute(session, deadline, case, load_calendar(session))
    update_case_due(case)
    session.flush()
    return deadline


def extend_stage(session: Session, case: Case, stage: str, days: int, *, decision_number: str,
                 decision_date: dt.date) -> Deadline:
    """Approve an extension decided in writing; checked against the rule's length and count."""
    open_ = _open(case, stage)
    if not open_:
        raise DeadlineError(_l("Giai đoạn này không có thời hạn đang chạy."))
    if not decision_number.strip():
        raise DeadlineError(_l("Cần số quyết định gia hạn."))
    deadline = open_[0]
    rule = rule_version(session, deadline.rule_version_id)
    if rule is None:
        raise DeadlineError(_l("Không tìm thấy quy định thời hạn."))
    flags = _flags(case)
    refusal = policy.check_extension(days, deadline.extensions_count, max_days=rule.extension_days,
                                     max_count=allowed_extensions(rule, complex_=flags["complex_"],
                                                                  especially_complex=flags["especially_complex"]))
    if refusal == "no_extension":
        raise DeadlineError(_l("Quy định %(code)s không cho phép gia hạn đối với vụ việc này.", code=rule.code))
    if refusal == "too_many":
        raise DeadlineError(_l("Đã hết số lần gia hạn cho phép."))
    if refusal == "too_long":
        raise DeadlineError(_l("Mỗi lần gia hạn không quá %(days)s ngày.", days=rule.extension_days))
    deadline.extension_days += days
    deadline.extensions_count += 1
    _recompute(session, deadline, case, load_calendar(session))
    update_case_due(case)
    session.flush()
    return deadline


def pause_case(session: Session, case: Case, on: dt.date) -> None:
    """Suspension: open deadlines stop counting from ``on``, except the sending of a decision
    already taken (a resumption's, say), which suspension does not put off."""
    for deadline in _open(case):
        if deadline.paused_since is None and deadline.stage not in AFTER_DECISION_STAGES:
            deadline.paused_since = on
    session.flush()


def resume_case(session: Session, case: Case, on: dt.date) -> None:
    """End of suspension: the suspended days are not counted, so they are added to each open
    deadline (for complaints the clock continues from the resumption, LEGAL.md KN-09)."""
    calendar = load_calendar(session)
    for deadline in _open(case):
        if deadline.paused_since is None:
            continue
        deadline.paused_days += policy.paused_length(deadline.paused_since, on, deadline.unit, calendar)
        deadline.paused_since = None
        _recompute(session, deadline, case, calendar)
    update_case_due(case)
    session.flush()


def refresh_for_flags(session: Session, case: Case) -> None:
    """The complex or remote flags changed: recompute the open deadlines' due dates."""
    calendar = load_calendar(session)
    for deadline in _open(case):
        _recompute(session, deadline, case, calendar)
    update_case_due(case)
    session.flush()


def deadline_view(deadline: Deadline, today: dt.date, calendar: WorkingCalendar) -> DeadlineView:
    """The due date, days left (working days for WD rules), overdue flag and legal basis."""
    unit = deadline.unit or "CAL"
    met = deadline.met_at is not None
    left = policy.days_left(today, deadline.due_on, unit, calendar)
    return DeadlineView(rule_code=deadline.rule_code, stage=deadline.stage, due_on=deadline.due_on,
                        days_left=left, unit=unit, overdue=not met and today > deadline.due_on, met=met,
                        paused=deadline.paused_since is not None, legal_basis=deadline.legal_basis or "")


def calc(session: Session, code: str, start: dt.date, flags: set[str], extensions: int = 0) -> dt.date:
    """Due date of rule ``code`` for a clock started on ``start`` (for ``deadlines calc``)."""
    rule = rule_in_force(session, code, start)
    if rule is None:
        raise DeadlineError(_l("Không có quy định %(code)s có hiệu lực vào ngày này.", code=code))
    duration = duration_for(rule, complex_="complex" in flags, especially_complex="especially_complex" in flags,
                            remote="remote" in flags)
    extension_days = extensions * (rule.extension_days or 0)
    if extensions:
        allowed = allowed_extensions(rule, complex_="complex" in flags,
                                     especially_complex="especially_complex" in flags)
        if rule.extension_days is None or extensions > allowed:
            raise DeadlineError(_l("Đã hết số lần gia hạn cho phép."))
    return policy.due_date(start, duration, rule.unit.value, load_calendar(session), extension_days=extension_days)


# ---------------------------------------------------------------- administration

RULE_FIELDS = ("duration", "unit", "starts_at", "duration_complex", "duration_especially_complex", "duration_remote",
               "duration_remote_complex", "extension_days", "extensions_complex", "extensions_especially_complex",
               "pauses_excluded", "legal_basis", "confidence", "note")


def rule_history(session: Session, code: str) -> list[DeadlineRule]:
    """Every version of rule ``code``, newest first."""
    return list(session.scalars(select(DeadlineRule).where(DeadlineRule.code == code)
                                .order_by(DeadlineRule.valid_from.desc(), DeadlineRule.version.desc())))


def new_rule_version(session: Session, code: str, valid_from: dt.date, values: dict[str, Any], *,
                     actor_id: int | None) -> DeadlineRule:
    """Add a version of rule ``code`` in force from ``valid_from``. Earlier versions are kept; the
    ones that would overlap end the day before (a later version, if any, bounds the new one)."""
    history = rule_history(session, code)
    if not history:
        raise DeadlineError(_l("Không tìm thấy quy định thời hạn."))
    base = history[0]
    rule = DeadlineRule(code=code, version=max(r.version for r in history) + 1, kind=base.kind, stage=base.stage,
                        stage_key=base.stage_key, valid_from=valid_from, created_by_id=actor_id,
                        **{name: values[name] for name in RULE_FIELDS if name in values})
    later = [r.valid_from for r in history if r.valid_from > valid_from]
    rule.valid_to = min(later) - dt.timedelta(days=1) if later else None
    for old in history:
        if old.valid_from <= valid_from and (old.valid_to is None or old.valid_to >= valid_from):
            old.valid_to = valid_from - dt.timedelta(days=1)
    session.add(rule)
    session.flush()
    return rule


def add_override(session: Session, day: dt.date, kind: OverrideKind, note: str) -> HolidayOverride:
    """Add a swapped day; one override per date."""
    if session.scalar(select(HolidayOverride.id).where(HolidayOverride.day == day)):
        raise DeadlineError(_l("Ngày này đã có điều chỉnh."))
    override = HolidayOverride(day=day, kind=kind, note=note)
    session.add(override)
    session.flush()
    return override
