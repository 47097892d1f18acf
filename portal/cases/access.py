"""Who may see which case: one definition, used by ``can()`` for single objects and by every list,
search, export and notification query (so that lists show exactly what the user may open)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.permissions import roles_over, units_where
from portal.cases.models import Case, CaseConflict

# Roles that see the cases of their units' subtrees. Administrators manage structure, not cases.
CASE_ROLES = frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.DEPUTY, Role.HEAD, Role.INSPECTOR})


def is_conflicted(session: Session, user: User, case: Case) -> bool:
    return session.scalar(
        select(exists().where(CaseConflict.case_id == case.id, CaseConflict.user_id == user.id))
    ) or False


def can_view_case(session: Session, user: User, case: Case) -> bool:
    """Scope (a case role over the case's unit, or being its handler) and no conflict of interest."""
    if not user.is_staff:
        return False
    in_scope = case.handler_id == user.id or bool(roles_over(user, case.unit_id, session) & CASE_ROLES)
    return in_scope and not is_conflicted(session, user, case)


def visible_cases_clause(session: Session, user: User) -> ColumnElement[bool]:
    """SQL condition on ``Case`` equivalent to :func:`can_view_case`."""
    if not user.is_staff:
        return false()
    units = units_where(user, CASE_ROLES, session)
    scope = or_(Case.unit_id.in_(units), Case.handler_id == user.id) if units else Case.handler_id == user.id
    not_conflicted = ~exists().where(CaseConflict.case_id == Case.id, CaseConflict.user_id == user.id)
    return and_(scope, not_conflicted)
