"""The service API the back office calls: start, complete, extend, pause, resume, flags, view."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.cases.models import CaseKind
from portal.deadlines.models import Confidence, DeadlineRule, HolidayOverride, OverrideKind
from portal.deadlines.services import (
    DeadlineError,
    complete_stage,
    deadline_view,
    extend_stage,
    load_calendar,
    pause_case,
    refresh_for_flags,
    resume_case,
    seed_rules,
    start_stage,
)
from tests.factories import make_case, make_unit

D = dt.date


def case_of(session: Session, kind: CaseKind, **flags: object):  # type: ignore[no-untyped-def]
    return make_case(session, unit=make_unit(session), kind=kind, **flags)


def test_seed_is_idempotent_and_keeps_legal_ids(db_session: Session) -> None:
    first = seed_rules(db_session)
    assert first >= 29
    assert seed_rules(db_session) == 0
    codes = set(db_session.scalars(select(DeadlineRule.code)))
    assert {"KN-01", "KN-02", "KN-03", "KN-06", "TC-01", "TC-04", "XLD-01", "XLD-02", "KNPA-02"} <= codes
    kn02 = db_session.scalars(select(DeadlineRule).where(DeadlineRule.code == "KN-02")
                              .order_by(DeadlineRule.valid_from)).all()
    assert [(r.duration, r.valid_to) for r in kn02] == [(10, D(2026, 6, 30)), (7, None)]
    assert kn02[1].confidence == Confidence.REPOSITORY and kn02[1].is_unverified
    xld = db_session.scalars(select(DeadlineRule).where(DeadlineRule.code == "XLD-01")).one()
    assert xld.confidence == Confidence.UNVERIFIED


def test_friday_before_tet_acceptance(rules: Session) -> None:
    """A complaint accepted on Friday 13 Feb 2026: Tết holidays (16-20 Feb) are not counted."""
    case = case_of(rules, CaseKind.COMPLAINT)
    acceptance = start_stage(rules, case, "acceptance", D(2026, 2, 13))
    assert acceptance is not None and acceptance.rule_code == "KN-02" and acceptance.unit == "WD"
    # working days: 23, 24, 25, 26, 27 Feb, 2, 3, 4, 5, 6 Mar
    assert acceptance.due_on == D(2026, 3, 6)
    resolution = start_stage(rules, case, "resolution", D(2026, 2, 13))
    assert resolution is not None and resolution.rule_code == "KN-03"
    assert resolution.due_on == D(2026, 3, 16)  # 15 Mar is a Sunday
    assert case.due_on == D(2026, 3, 6)
    rules.flush()
    rules.expire_all()
    assert case.due_on == D(2026, 3, 6)


def test_rule_version_in_force_on_start_date(rules: Session) -> None:
    before = start_stage(rules, case_of(rules, CaseKind.COMPLAINT), "acceptance", D(2026, 6, 30))
    after = start_stage(rules, case_of(rules, CaseKind.COMPLAINT), "acceptance", D(2026, 7, 1))
    assert before is not None and after is not None
    assert before.rule_version_id != after.rule_version_id
    assert before.due_on == D(2026, 7, 14)  # 10 WD
    assert after.due_on == D(2026, 7, 10)  # 7 WD


def test_rule_selection(rules: Session) -> None:
    denunciation = case_of(rules, CaseKind.DENUNCIATION)
    assert start_stage(rules, denunciation, "intake", D(2026, 3, 2)).rule_code == "TC-01"  # type: ignore[union-attr]
    assert start_stage(rules, denunciation, "acceptance", D(2026, 3, 2)) is None
    assert start_stage(rules, denunciation, "resolution", D(2026, 3, 2)).rule_code == "TC-04"  # type: ignore[union-attr]
    petition = case_of(rules, CaseKind.PETITION)
    assert start_stage(rules, petition, "intake", D(2026, 3, 2)).rule_code == "XLD-01"  # type: ignore[union-attr]
    assert start_stage(rules, petition, "resolution", D(2026, 3, 2)).rule_code == "KNPA-02"  # type: ignore[union-attr]
    info = case_of(rules, CaseKind.DENUNCIATION_INFO)
    assert start_stage(rules, info, "intake", D(2026, 3, 2)) is None and info.due_on is None
    first = case_of(rules, CaseKind.COMPLAINT)
    second = case_of(rules, CaseKind.COMPLAINT, previous_case_id=first.id)
    kn06 = start_stage(rules, second, "resolution", D(2026, 3, 2))
    assert kn06 is not None and kn06.rule_code == "KN-06" and kn06.due_on == D(2026, 4, 16)  # +45
    with pytest.raises(DeadlineError):
        start_stage(rules, first, "nonsense", D(2026, 3, 2))


@pytest.mark.parametrize(("flags", "due"), [
    ({}, D(2026, 4, 1)),  # 2 Mar + 30
    ({"is_complex": True}, D(2026, 4, 16)),  # +45
    ({"is_remote": True}, D(2026, 4, 16)),  # +45
    ({"is_remote": True, "is_complex": True}, D(2026, 5, 4)),  # +60 = Fri 1 May (holiday) -> Mon 4 May
])
def test_kn03_flags(rules: Session, flags: dict[str, bool], due: dt.date) -> None:
    case = case_of(rules, CaseKind.COMPLAINT, **flags)
    deadline = start_stage(rules, case, "resolution", D(2026, 3, 2))
    assert deadline is not None and deadline.due_on == due


def test_refresh_for_flags_recomputes(rules: Session) -> None:
    case = case_of(rules, CaseKind.COMPLAINT)
    deadline = start_stage(rules, case, "resolution", D(2026, 3, 2))
    assert deadline is not None and deadline.due_on == D(2026, 4, 1)
    case.is_complex = True
    refresh_for_flags(rules, case)
    assert deadline.due_on == D(2026, 4, 16) and case.due_on == D(2026, 4, 16)


def test_complete_stage_sets_met_and_case_due(rules: Session) -> None:
    case = case_of(rules, CaseKind.COMPLAINT)
    start_stage(rules, case, "acceptance", D(2026, 3, 2))
    start_stage(rules, case, "resolution", D(2026, 3, 2))
    met = complete_stage(rules, case, "acceptance", dt.datetime(2026, 3, 5, 3, tzinfo=dt.UTC))
    assert met is not None and met.met_at is not None
    assert case.due_on == D(2026, 4, 1)
    complete_stage(rules, case, "resolution", dt.datetime(2026, 3, 20, 3, tzinfo=dt.UTC))
    assert case.due_on is None
    assert complete_stage(rules, case, "resolution", dt.datetime(2026, 3, 20, tzinfo=dt.UTC)) is None


def test_tc04_extensions(rules: Session) -> None:
    plain = case_of(rules, CaseKind.DENUNCIATION)
    start_stage(rules, plain, "resolution", D(2026, 3, 2))
    with pytest.raises(DeadlineError, match="không cho phép gia hạn"):
        extend_stage(rules, plain, "resolution", 30, decision_number="01/QĐ", decision_date=D(2026, 3, 20))

    complex_ = case_of(rules, CaseKind.DENUNCIATION, is_complex=True)
    start_stage(rules, complex_, "resolution", D(2026, 3, 2))
    with pytest.raises(DeadlineError, match="30"):
        extend_stage(rules, complex_, "resolution", 31, decision_number="01/QĐ", decision_date=D(2026, 3, 20))
    extended = extend_stage(rules, complex_, "resolution", 30, decision_number="01/QĐ", decision_date=D(2026, 3, 20))
    assert extended.due_on == D(2026, 5, 4) and extended.extensions_count == 1  # 1 May holiday, 2-3 weekend
    with pytest.raises(DeadlineError, match="hết số lần"):
        extend_stage(rules, complex_, "resolution", 30, decision_number="02/QĐ", decision_date=D(2026, 4, 20))

    especially = case_of(rules, CaseKind.DENUNCIATION, is_especially_complex=True)
    start_stage(rules, especially, "resolution", D(2026, 3, 2))
    extend_stage(rules, especially, "resolution", 30, decision_number="01", decision_date=D(2026, 3, 20))
    twice = extend_stage(rules, especially, "resolution", 20, decision_number="02", decision_date=D(2026, 4, 20))
    assert twice.due_on == D(2026, 5, 21) and twice.extension_days == 50
    with pytest.raises(DeadlineError):
        extend_stage(rules, especially, "resolution", 10, decision_number="03", decision_date=D(2026, 5, 1))
    with pytest.raises(DeadlineError):
        extend_stage(rules, especially, "intake", 10, decision_number="03", decision_date=D(2026, 5, 1))


def test_pause_and_resume(rules: Session) -> None:
    case = case_of(rules, CaseKind.DENUNCIATION)
    deadline = start_stage(rules, case, "resolution", D(2026, 3, 2))
    assert deadline is not None and deadline.due_on == D(2026, 4, 1)
    pause_case(rules, case, D(2026, 3, 10))
    assert deadline.paused_since == D(2026, 3, 10)
    resume_case(rules, case, D(2026, 3, 20))
    assert deadline.paused_since is None and deadline.paused_days == 10
    assert deadline.due_on == D(2026, 4, 13)  # 11 Apr is a Saturday
    resume_case(rules, case, D(2026, 3, 25))  # not paused: nothing changes
    assert deadline.paused_days == 10


def test_pause_working_day_rule(rules: Session) -> None:
    case = case_of(rules, CaseKind.COMPLAINT)
    deadline = start_stage(rules, case, "acceptance", D(2026, 3, 2))  # 10 WD -> 16 Mar
    assert deadline is not None and deadline.due_on == D(2026, 3, 16)
    pause_case(rules, case, D(2026, 3, 5))  # Thursday
    resume_case(rules, case, D(2026, 3, 10))  # Tuesday: Thu, Fri, Mon not counted
    assert deadline.paused_days == 3 and deadline.due_on == D(2026, 3, 19)


def test_deadline_view(rules: Session) -> None:
    case = case_of(rules, CaseKind.COMPLAINT)
    deadline = start_stage(rules, case, "acceptance", D(2026, 2, 13))
    assert deadline is not None
    calendar = load_calendar(rules)
    view = deadline_view(deadline, D(2026, 2, 13), calendar)
    assert (view.due_on, view.days_left, view.unit, view.overdue) == (D(2026, 3, 6), 10, "WD", False)
    assert "Khiếu nại" in view.legal_basis
    late = deadline_view(deadline, D(2026, 3, 9), calendar)
    assert late.overdue and late.days_left == -1
    resolution = start_stage(rules, case, "resolution", D(2026, 2, 13))
    assert resolution is not None
    assert deadline_view(resolution, D(2026, 3, 1), calendar).days_left == 15


def test_overrides_change_the_calendar(rules: Session) -> None:
    rules.add(HolidayOverride(day=D(2026, 3, 3), kind=OverrideKind.EXTRA_DAY_OFF, note="test"))
    rules.add(HolidayOverride(day=D(2026, 3, 7), kind=OverrideKind.MAKE_UP_WORKING_DAY, note="test"))
    rules.flush()
    calendar = load_calendar(rules)
    assert not calendar.is_working_day(D(2026, 3, 3))
    assert calendar.is_working_day(D(2026, 3, 7))
    case = case_of(rules, CaseKind.DENUNCIATION)
    deadline = start_stage(rules, case, "intake", D(2026, 3, 2))  # 7 WD: 4,5,6,7(sat),9,10,11
    assert deadline is not None and deadline.due_on == D(2026, 3, 11)


def test_rules_and_calendar_are_read_once_per_change(rules: Session) -> None:
    """The rules in force and the overrides are reference data: a process reads them once per change
    (the version token), not on every đơn received; a change is seen at once."""
    first, second = case_of(rules, CaseKind.DENUNCIATION), case_of(rules, CaseKind.DENUNCIATION)
    start_stage(rules, case_of(rules, CaseKind.DENUNCIATION), "intake", D(2026, 3, 2))  # read here
    statements: list[str] = []
    engine = rules.get_bind().engine
    capture = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        deadline = start_stage(rules, first, "intake", D(2026, 3, 2))
        assert deadline is not None and deadline.due_on == D(2026, 3, 11)  # 7 WD
        rules.add(HolidayOverride(day=D(2026, 3, 3), kind=OverrideKind.EXTRA_DAY_OFF, note="test"))
        rules.flush()
        moved = start_stage(rules, second, "intake", D(2026, 3, 2))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert moved is not None and moved.due_on == D(2026, 3, 12)  # the new day off counts at once
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and ("FROM deadline_rules" in s or "FROM holiday_overrides" in s)]
    assert len(reads) == 2  # read again once each, after the change; not for the first đơn


def test_start_stage_is_idempotent_and_restart_resets(rules: Session) -> None:
    case = case_of(rules, CaseKind.DENUNCIATION, is_complex=True)
    first = start_stage(rules, case, "resolution", D(2026, 3, 2))
    extend_stage(rules, case, "resolution", 30, decision_number="01", decision_date=D(2026, 3, 20))
    again = start_stage(rules, case, "resolution", D(2026, 3, 2))  # same clock: the extension stays
    assert again is first and again is not None and again.extension_days == 30 and again.due_on == D(2026, 5, 4)
    moved = start_stage(rules, case, "resolution", D(2026, 3, 9))  # a new clock
    assert moved is first and moved is not None
    assert (moved.extension_days, moved.extensions_count, moved.due_on) == (0, 0, D(2026, 4, 8))
    assert len([d for d in case.deadlines if d.stage == "resolution"]) == 1
