"""Conflict of interest, enforced in one place.

A staff member accused in a case, and the people an accused head or deputy directs within their
unit, get a ``CaseConflict`` row. ``portal.cases.access`` excludes those rows from
``can_view_case`` and ``visible_cases_clause`` (so every list, search and export); notifications
and escalations pass their recipients through :func:`filter_recipients` (or use
:func:`escalation_chain`). Staff record the accused with :func:`mark_accused`; a role granted later
goes through :func:`conflicts_after_grant`, so people who join an accused leader's unit afterwards
are conflicted too.

Who an accused leader directs: a head directs everyone holding a case role in the unit's subtree;
a deputy directs the same people except the unit's head and its other deputies. Inspectors keep
their oversight and administrators see no cases, so neither is counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, select, union_all
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment
from portal.accounts.permissions import subtree_ids
from portal.cases.models import Case, CaseConflict
from portal.org.models import AccusedPerson

DIRECTED_ROLES = (Role.INTAKE_OFFICER, Role.HANDLER, Role.DEPUTY, Role.HEAD)
REASON_ACCUSED = "accused"
REASON_HEAD = "accused_is_their_head"
REASON_DEPUTY = "accused_is_their_deputy"


def subordinates(session: Session, leader: RoleAssignment) -> set[int]:
    """The users a head or deputy directs within their unit."""
    units = subtree_ids(session, {leader.unit_id})
    rows = session.execute(select(RoleAssignment.user_id, RoleAssignment.unit_id, RoleAssignment.role)
                           .where(RoleAssignment.unit_id.in_(units), RoleAssignment.role.in_(DIRECTED_ROLES)))
    directed: set[int] = set()
    for user_id, unit_id, role in rows:
        if leader.role == Role.DEPUTY and unit_id == leader.unit_id and role in (Role.HEAD, Role.DEPUTY):
            continue
        directed.add(user_id)
    directed.discard(leader.user_id)
    return directed


def compute_conflicts(session: Session, case: Case, accused_user_ids: Iterable[int]) -> set[int]:
    """Write the conflict rows for ``accused_user_ids`` (and the people they lead) on ``case``;
    returns every user now conflicted on it. Idempotent."""
    accused = set(accused_user_ids)
    reasons: dict[int, str] = dict.fromkeys(accused, REASON_ACCUSED)
    leaders = session.scalars(select(RoleAssignment).where(RoleAssignment.user_id.in_(accused),
                                                           RoleAssignment.role.in_((Role.HEAD, Role.DEPUTY))))
    for leader in sorted(leaders, key=lambda a: a.role != Role.HEAD):
        reason = REASON_HEAD if leader.role == Role.HEAD else REASON_DEPUTY
        for user_id in subordinates(session, leader):
            reasons.setdefault(user_id, reason)
    existing = set(session.scalars(select(CaseConflict.user_id).where(CaseConflict.case_id == case.id)))
    for user_id, reason in reasons.items():
        if user_id not in existing:
            session.add(CaseConflict(case_id=case.id, user_id=user_id, reason=reason))
    session.flush()
    return conflicted_user_ids(session, case)


def conflicts_after_grant(session: Session, assignment: RoleAssignment) -> None:
    """A role granted after a case's accused were recorded. When its holder is accused in a case,
    that case's conflicts are computed again (a leading role directs new people). When the holder
    now works under an accused head or deputy, they get a conflict row on that leader's cases (a
    handler joining a unit whose head is denounced must not see the denunciation): one query for
    the leaders above the unit, one for their cases, whatever the size of the organisation."""
    from portal.accounts.permissions import unit_and_ancestors

    if assignment.role not in DIRECTED_ROLES:
        return  # inspectors and administrators are not directed by the unit's leaders
    user_id = assignment.user_id
    for case in session.scalars(select(Case).where(Case.id.in_(
            select(AccusedPerson.case_id).where(AccusedPerson.user_id == user_id))).order_by(Case.id)):
        compute_conflicts(session, case, accused_user_ids(session, case))
    leaders = session.execute(select(RoleAssignment.user_id, RoleAssignment.unit_id, RoleAssignment.role).where(
        RoleAssignment.unit_id.in_(unit_and_ancestors(session, assignment.unit_id)),
        RoleAssignment.role.in_((Role.HEAD, Role.DEPUTY)), RoleAssignment.user_id != user_id))
    reasons: dict[int, str] = {}
    for leader_id, unit_id, role in leaders:
        if role == Role.DEPUTY and unit_id == assignment.unit_id and assignment.role in (Role.HEAD, Role.DEPUTY):
            continue  # a deputy does not direct the unit's head or its other deputies (see subordinates)
        if reasons.get(leader_id) != REASON_HEAD:
            reasons[leader_id] = REASON_HEAD if role == Role.HEAD else REASON_DEPUTY
    if not reasons:
        return
    already = select(CaseConflict.case_id).where(CaseConflict.user_id == user_id)
    by_case: dict[int, str] = {}
    for case_id, leader_id in session.execute(select(AccusedPerson.case_id, AccusedPerson.user_id).where(
            AccusedPerson.user_id.in_(reasons), AccusedPerson.case_id.not_in(already))):
        if by_case.get(case_id) != REASON_HEAD:
            by_case[case_id] = reasons[leader_id]
    session.add_all(CaseConflict(case_id=case_id, user_id=user_id, reason=reason)
                    for case_id, reason in sorted(by_case.items()))
    session.flush()


def same_don(session: Session, case: Case) -> list[Case]:
    """``case`` and every case that shows the same đơn: the other cases of its submission (split
    parts, forwarded and reopened cases, the case split) and the cases merged with any of them.
    The case page shows the whole đơn (content, reporter messages, files, identity) from each, so
    a conflict of interest on one must hold on all."""
    ids, frontier = {case.id}, {case.id}
    while frontier:  # three indexed reads per round (an OR of them would scan the table)
        linked = union_all(
            select(Case.id).where(Case.submission_id.in_(select(Case.submission_id).where(Case.id.in_(frontier)))),
            select(Case.id).where(Case.merged_into_id.in_(frontier)),
            select(Case.merged_into_id).where(Case.id.in_(frontier), Case.merged_into_id.is_not(None)))
        frontier = set(session.scalars(linked)) - ids
        ids |= frontier
    return list(session.scalars(select(Case).where(Case.id.in_(ids)).order_by(Case.id)))


def mark_accused(session: Session, case: Case, user_ids: Iterable[int], *, actor_id: int | None = None,
                 may_remove: Callable[[Case], bool] | None = None) -> set[int]:
    """Record the staff accused in ``case`` (replacing its list) and recompute the conflicts, on
    ``case`` and on every case showing the same đơn (:func:`same_don`): the accused of a split part
    must not open the other part, which shows the whole đơn. Someone added is added everywhere;
    someone removed is removed from ``case`` and from the other cases ``may_remove`` allows (those the
    actor could edit themselves): an officer of the unit that forwarded a đơn must not clear the
    accused the competent unit recorded. Returns the users conflicted on ``case``."""
    from portal.audit.services import record

    wanted = set(user_ids)
    before = accused_user_ids(session, case)
    added, removed = wanted - before, before - wanted
    group = same_don(session, case)
    changed: list[int] = []
    for member in group:
        current = accused_user_ids(session, member)
        drop = removed & current if member.id == case.id or (may_remove is not None and may_remove(member)) else set()
        add = added - current
        if not (drop or add):
            continue
        changed.append(member.id)
        _change_accused(session, member, current, add=add, drop=drop)
    if changed:
        record(session, "case.accused.mark", actor_id=actor_id, object_type="case", object_id=case.id,
               case_id=case.id, added=sorted(added), removed=sorted(removed), cases=changed)
    return conflicted_user_ids(session, case)


def share_accused(session: Session, case: Case) -> None:
    """After ``case`` was merged into another: every case showing either đơn gets the accused of
    both (and the conflicts that follow)."""
    group = same_don(session, case)
    accused = set(session.scalars(select(AccusedPerson.user_id).where(
        AccusedPerson.case_id.in_([m.id for m in group]))))
    if not accused:
        return
    for member in group:
        current = accused_user_ids(session, member)
        if accused - current:
            _change_accused(session, member, current, add=accused - current, drop=set())


def _change_accused(session: Session, case: Case, current: set[int], *, add: set[int], drop: set[int]) -> None:
    """Add and remove accused on ``case`` (whose accused are ``current``), then compute its
    conflicts again from the new list."""
    if drop:
        session.execute(delete(AccusedPerson).where(AccusedPerson.case_id == case.id,
                                                    AccusedPerson.user_id.in_(drop)))
    session.add_all(AccusedPerson(case_id=case.id, user_id=uid) for uid in sorted(add))
    session.execute(delete(CaseConflict).where(
        CaseConflict.case_id == case.id, CaseConflict.reason.in_((REASON_ACCUSED, REASON_HEAD, REASON_DEPUTY))))
    session.flush()
    compute_conflicts(session, case, (current - drop) | add)


def accused_user_ids(session: Session, case: Case) -> set[int]:
    return set(session.scalars(select(AccusedPerson.user_id).where(AccusedPerson.case_id == case.id)))


def conflicted_user_ids(session: Session, case: Case) -> set[int]:
    """Everyone who must never receive, see or be escalated ``case``."""
    return set(session.scalars(select(CaseConflict.user_id).where(CaseConflict.case_id == case.id)))


def filter_recipients(session: Session, case: Case, user_ids: Iterable[int]) -> list[int]:
    """``user_ids`` without the conflicted ones, order kept (for notifications and escalations)."""
    conflicted = conflicted_user_ids(session, case)
    seen: set[int] = set()
    result = []
    for user_id in user_ids:
        if user_id not in conflicted and user_id not in seen:
            seen.add(user_id)
            result.append(user_id)
    return result


def escalation_chain(session: Session, case: Case) -> list[int]:
    """Who a late case is escalated to, in order: the head of the case's unit, then the heads of its
    ancestors; conflicted people are skipped (a denounced head is never escalated their own case)."""
    from portal.accounts.permissions import unit_and_ancestors

    heads: list[int] = []
    for unit_id in unit_and_ancestors(session, case.unit_id):
        heads += session.scalars(select(RoleAssignment.user_id).where(RoleAssignment.unit_id == unit_id,
                                                                      RoleAssignment.role == Role.HEAD))
    return filter_recipients(session, case, heads)


def carry_accused(session: Session, source: Case, child: Case) -> set[int]:
    """Give ``child`` (forwarded, split or reopened from ``source``) the accused of ``source`` and
    recompute its conflicts; returns the users conflicted on ``child``."""
    accused = accused_user_ids(session, source)
    session.add_all(AccusedPerson(case_id=child.id, user_id=uid) for uid in sorted(accused))
    session.flush()
    return compute_conflicts(session, child, accused)


def units_refused_for(session: Session, case: Case) -> set[int]:
    """The units ``case`` may not be sent to: each unit whose head or deputy, or the head or deputy
    of one of its ancestors, is accused in it. Counts the staff recorded as accused and, as the
    competence rules do, the unit whose head or deputy the denunciation names
    (``portal.org.routing``: such a đơn never lands in that unit or below it)."""
    from portal.accounts.permissions import subtree_ids
    from portal.org.services import facts_of, load_tree, today

    led: set[int] = set()
    accused = accused_user_ids(session, case)
    if accused:
        led |= set(session.scalars(select(RoleAssignment.unit_id).where(
            RoleAssignment.user_id.in_(accused), RoleAssignment.role.in_((Role.HEAD, Role.DEPUTY)))))
    facts = facts_of(session, case.submission, today())
    if facts.accused_is_leader and facts.accused_unit_id is not None:
        named, _retired = load_tree(session).resolve(facts.accused_unit_id, facts.on)
        if named is not None:
            led.add(named.id)
    return subtree_ids(session, led) if led else set()


def accused_leads_unit(session: Session, case: Case, unit_id: int) -> bool:
    """Is someone accused in ``case`` head or deputy of ``unit_id`` or of one of its ancestors?
    (See :func:`units_refused_for`.)"""
    return unit_id in units_refused_for(session, case)
