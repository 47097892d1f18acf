"""Who may see which case: one definition, used by ``can()`` for single objects and by every list,
search, export and notification query (so that lists show exactly what the user may open)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.permissions import roles_over, units_where
from portal.cases.models import Case, CaseConflict
from portal.db import get_session

# Roles that see the cases of their units' subtrees. Administrators manage structure, not cases.
CASE_ROLES = frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.DEPUTY, Role.HEAD, Role.INSPECTOR})


def is_conflicted(session: Session, user: User, case: Case) -> bool:
    return session.scalar(
        select(exists().where(CaseConflict.case_id == case.id, CaseConflict.user_id == user.id))
    ) or False


def can_view_case(session: Session, user: User, case: Case) -> bool:
    """Scope (a case role over the case's unit) and no conflict of interest. Being the case's
    handler is not enough on its own: a handler moved to another unit loses the unit's cases."""
    if not user.is_staff:
        return False
    in_scope = bool(roles_over(user, case.unit_id, session) & CASE_ROLES)
    return in_scope and not is_conflicted(session, user, case)


def visible_cases_clause(session: Session, user: User, units: Iterable[int] | None = None) -> ColumnElement[bool]:
    """SQL condition on ``Case`` equivalent to :func:`can_view_case` (``units``: the user's
    ``units_where(user, CASE_ROLES)`` when the caller has already walked them)."""
    if not user.is_staff:
        return false()
    units = units_where(user, CASE_ROLES, session) if units is None else set(units)
    if not units:
        return false()
    scope = Case.unit_id.in_(units)
    not_conflicted = ~exists().where(CaseConflict.case_id == Case.id, CaseConflict.user_id == user.id)
    return and_(scope, not_conflicted)


# --- object checks used by ``portal.accounts.permissions.RULES`` for the case actions -------------

@dataclass(frozen=True)
class CaseAct:
    """The object of ``Action.CASE_TRANSITION``: a case and the name of a lifecycle transition."""

    case: Case
    name: str


def check_view(user: User, case: Case) -> bool:
    return can_view_case(get_session(), user, case)


def check_transition(user: User, obj: CaseAct) -> bool:
    from portal.cases.lifecycle import may

    return isinstance(obj, CaseAct) and may(get_session(), user, obj.case, obj.name)


def is_responsible_head(session: Session, user: User, case: Case) -> bool:
    """The head of the case's own unit (a role on the unit itself, not an ancestor)."""
    return any(a.role == Role.HEAD and a.unit_id == case.unit_id for a in user.roles)


def may_reveal_identity(session: Session, user: User, case: Case) -> bool:
    """Only the assigned handler and the head of the case's unit (DESIGN.md §5). Deputies do not:
    the law names no list, and the fewer people know a denouncer, the safer they are."""
    if not can_view_case(session, user, case):
        return False
    return case.handler_id == user.id or is_responsible_head(session, user, case)


def check_reveal(user: User, case: Case) -> bool:
    return may_reveal_identity(get_session(), user, case)
