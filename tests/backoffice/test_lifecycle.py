"""The lifecycle table, walked exhaustively: for every transition, every status and every kind of actor,
an allowed (status, actor) pair succeeds and writes exactly one event; every other pair is refused and
changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.cases.lifecycle import (
    ASSIGNED_HANDLER,
    TRANSITIONS,
    Req,
    Transition,
    TransitionError,
    TransitionInput,
    apply_transition,
    reason_codes,
)
from portal.cases.models import Case, CaseEvent, CaseKind, CaseStatus, SubmissionKind
from portal.cases.services import reveal_identity
from portal.deadlines.services import seed_rules, start_stage
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import ready_for


@dataclass
class World:
    unit: object
    other_unit: object
    actors: dict[str, User]  # actor name -> user
    target: Case  # an open case to merge into


ACTOR_ROLES: dict[str, Role | None] = {
    "intake_officer": Role.INTAKE_OFFICER, "handler": Role.HANDLER, "deputy": Role.DEPUTY, "head": Role.HEAD,
    "inspector": Role.INSPECTOR, "admin": Role.ADMIN, ASSIGNED_HANDLER: Role.HANDLER,
    "head_elsewhere": None,  # head of another unit: out of scope
}


@pytest.fixture
def world(db_session) -> World:
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root)
    other = make_unit(db_session, parent=root)
    actors = {name: make_user(db_session, roles=[(role, unit)]) for name, role in ACTOR_ROLES.items() if role}
    actors["head_elsewhere"] = make_user(db_session, roles=[(Role.HEAD, other)])
    actors["head_above"] = make_user(db_session, roles=[(Role.HEAD, root)])  # over the unit, not its head
    target = make_case(db_session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    return World(unit, other, actors, target)


def kind_for(transition: Transition) -> CaseKind:
    if CaseKind.COMPLAINT in transition.kinds:
        return CaseKind.COMPLAINT
    return next(iter(transition.kinds))


def valid_input(transition: Transition, case: Case, world: World) -> TransitionInput:
    """The smallest input that satisfies the transition's requirements."""
    req = transition.requires
    reason = None
    if Req.REASON in req and transition.reason_group:  # the last: TERM-WITHDRAWN (the first) needs a withdrawal
        reason = reason_codes(transition.reason_group, case.kind)[-1].code
    return TransitionInput(
        reason_code=reason, text="Nội dung kèm theo thao tác.",
        decision_number="12/QĐ-UBND" if Req.DECISION in req else None,
        decision_date=dt.date(2026, 11, 2) if Req.DECISION in req else None,
        days=15 if Req.DAYS in req else None, kind=CaseKind.COMPLAINT if Req.KIND in req else None,
        document_key="decision-test-key" if Req.DOCUMENT in req else None,
        target_unit_id=world.other_unit.id, target_case_reference=world.target.reference,
        handler_id=world.actors[ASSIGNED_HANDLER].id, parts=("Nội dung một", "Nội dung hai"),
        criteria=("C1",), withdrawal="partial")


def role_may(transition: Transition, actor: str) -> bool:
    if actor == ASSIGNED_HANDLER and transition.handler:
        return True
    if actor == "head_above":  # a role over the unit counts, except for the identity check
        return Role.HEAD in transition.roles and not transition.identity
    role = ACTOR_ROLES[actor]
    return actor != "head_elsewhere" and role in transition.roles


def new_case(db_session, world: World, transition: Transition, status: CaseStatus) -> Case:
    if transition.name == "extend":  # an extension needs a running resolution deadline that allows one
        seed_rules(db_session)
        case = make_case(db_session, unit=world.unit, kind=CaseKind.DENUNCIATION, status=status, is_complex=True,
                         handler_id=world.actors[ASSIGNED_HANDLER].id)
        assert start_stage(db_session, case, "resolution", dt.date.today()) is not None
        return case
    if transition.name == "lengthen_intake":  # a running TC-01 intake clock, not lengthened yet
        seed_rules(db_session)
        case = make_case(db_session, unit=world.unit, kind=CaseKind.DENUNCIATION, status=status)
        assert start_stage(db_session, case, "intake", dt.date.today()) is not None
        return case
    submission = None
    if transition.identity:  # the identity check is for a signed denunciation
        submission = make_submission(db_session, unit_id=world.unit.id, kind=SubmissionKind.DENUNCIATION,
                                     identity={})
    case = make_case(db_session, unit=world.unit, submission=submission, kind=kind_for(transition), status=status,
                     handler_id=world.actors[ASSIGNED_HANDLER].id)
    ready_for(db_session, case, transition.name)
    return case


def snapshot(db_session, case: Case) -> tuple:
    db_session.refresh(case)
    events = db_session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    cases = db_session.scalar(select(func.count()).select_from(Case))
    return case.status, case.version, case.kind, case.handler_id, events, cases


@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_pair_of_status_and_actor(db_session, world, name):
    transition = TRANSITIONS[name]
    for status in CaseStatus:
        # Refused pairs first, all on one case: none may change anything.
        case = new_case(db_session, world, transition, status)
        allowed_actors = []
        for actor, user in world.actors.items():
            if status in transition.sources and role_may(transition, actor):
                allowed_actors.append(actor)
                continue
            before = snapshot(db_session, case)
            with pytest.raises(TransitionError) as refused:
                apply_transition(db_session, user, case, name, valid_input(transition, case, world),
                                 version=case.version)
            assert refused.value.status in (403, 409), (name, status, actor)
            assert snapshot(db_session, case) == before, (name, status, actor)
        # Each allowed actor succeeds on a fresh case and writes exactly one event.
        for actor in allowed_actors:
            case = new_case(db_session, world, transition, status)
            events_before = len(db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all())
            if transition.identity:  # the head looks at the identity (audited) before vouching for it
                reveal_identity(db_session, world.actors[actor], case, "Đối chiếu nhân thân người tố cáo")
            event = apply_transition(db_session, world.actors[actor], case, name,
                                     valid_input(transition, case, world), version=case.version)
            db_session.refresh(case)
            own = db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                             CaseEvent.action == name)).all()
            assert [e.id for e in own] == [event.id], (name, status, actor)
            assert event.actor_id == world.actors[actor].id
            assert event.from_status == status.value
            assert case.status == (transition.target or status), (name, status, actor)
            assert event.to_status == case.status.value
            if transition.target is not None:
                assert len(db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()) \
                    == events_before + 1


def test_every_transition_is_reachable_by_someone():
    for transition in TRANSITIONS.values():
        assert transition.sources, transition.name
        assert transition.roles or transition.handler, transition.name
        assert Role.INSPECTOR not in transition.roles and Role.ADMIN not in transition.roles
