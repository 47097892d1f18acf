"""The one authorization function: ``can(user, action, obj)``.

Every staff permission is decided here; views call :func:`require` (or :func:`can` to decide what
to show) and list queries use :func:`units_where` so that lists only show what the user may open.
Roles are held for an organisational unit and apply to its whole subtree.

Rules are kept in one table, ``RULES``: action -> (roles that may do it, optional object check).
Features that own objects (cases, files, identities) add their object checks here, not in views.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from portal.accounts.models import Role, RoleRequest, User
from portal.db import get_session
from portal.org import refdata
from portal.org.models import OrgUnit


class Action(enum.StrEnum):
    STAFF_AREA = "staff.area"  # open the back office at all
    ORG_MANAGE = "org.manage"  # create, move, rename, retire units; heads; fields; routing rules (obj: unit or None)
    USERS_MANAGE = "users.manage"  # staff accounts and role assignments (obj: unit, staff user or None)
    # Lock, unlock or re-invite a whole staff account (obj: staff user): every role of the account
    # must lie in the administrator's subtrees, since the action reaches all of them.
    ACCOUNT_MANAGE = "users.account"
    RULES_MANAGE = "rules.manage"  # deadline rules and the holiday calendar
    AUDIT_VIEW = "audit.view"  # the audit log (obj: unit or None)
    BOARD_VIEW = "board.view"  # the accountability board (obj: unit or None; heads and inspectors, their subtree)
    # Cases (portal.cases): obj is a Case, or a portal.cases.access.CaseAct for a lifecycle transition
    CASE_VIEW = "case.view"  # open the case page (scope + no conflict of interest)
    CASE_TRANSITION = "case.transition"  # obj: CaseAct(case, name); the lifecycle table decides
    CASE_MESSAGE = "case.message"  # write to the reporter or an internal note (not inspectors)
    IDENTITY_REVEAL = "case.identity_reveal"  # the assigned handler and the head of the case's unit
    ORIGINAL_DOWNLOAD = "case.original_download"  # the sealed original of an attachment (audited)
    # A denunciation file for the staff who may not know the denouncer: upload its redacted copy,
    # or clear its working copy (portal/cases/evidence.py); the same people as IDENTITY_REVEAL.
    EVIDENCE_REDACT = "case.evidence_redact"
    NOTICE_TEMPLATES_MANAGE = "case.notice_templates"  # edit the notice texts


STAFF_ROLES = frozenset(Role)


def unit_and_ancestors(session: Session, unit_id: int) -> list[int]:
    """``unit_id`` followed by its parent, grandparent, ... (cycles are refused by the org services),
    from the process's reference snapshot (:mod:`portal.org.refdata`)."""
    return refdata.snapshot(session).ancestors(unit_id)


def roles_over(user: User, unit_id: int, session: Session | None = None) -> set[Role]:
    """The roles ``user`` holds over ``unit_id`` (held on it or on one of its ancestors)."""
    if not user.is_staff:
        return set()
    chain = set(unit_and_ancestors(session or get_session(), unit_id))
    return {assignment.role for assignment in user.roles if assignment.unit_id in chain}


def has_any_role(user: User, roles: Iterable[Role]) -> bool:
    wanted = set(roles)
    return user.is_staff and any(a.role in wanted for a in user.roles)


def _unit_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, OrgUnit):
        return obj.id
    return getattr(obj, "unit_id", None)


def requested_units(user: User) -> set[int]:
    """The units of the roles asked for ``user`` (portal/accounts/grants.py), decided or not."""
    session = object_session(user) or get_session()
    return set(session.scalars(select(RoleRequest.unit_id).where(RoleRequest.user_id == user.id)))


def _manages_user(user: User, obj: Any) -> bool:
    """An administrator manages a staff account when one of its roles lies in the administrator's
    subtrees. An account without any role yet (its first one waits for approval): when a role was
    asked for it in those subtrees, and for administrators of the root unit in any case."""
    if not isinstance(obj, User):
        return True
    if not obj.is_staff:
        return False
    managed = units_where(user, {Role.ADMIN})
    if not obj.roles:
        return holds_on_root(user, Role.ADMIN) or bool(requested_units(obj) & managed)
    return any(assignment.unit_id in managed for assignment in obj.roles)


def holds_on_root(user: User, role: Role) -> bool:
    """Whether ``user`` holds ``role`` on a root unit, i.e. city-wide."""
    return any(a.role == role and a.unit.parent_id is None for a in user.roles)


def _admin_of_root(user: User, obj: Any) -> bool:
    """City-wide settings (statutory deadline rules, the calendar, the notice texts): administrators
    of the root unit only."""
    return holds_on_root(user, Role.ADMIN)


def _manages_account(user: User, obj: Any) -> bool:
    """Whole-account actions (locking, unlocking, a new invitation) reach every role of the account,
    so every one of them must lie in the administrator's subtrees: a ward's administrator must not
    lock out, or re-invite and take over, a city head who also holds a role in the ward. An account
    without any role may have one given anywhere later: administrators of the root unit, or of
    every unit a role was asked for it in."""
    if not isinstance(obj, User) or not obj.is_staff:
        return False
    managed = units_where(user, {Role.ADMIN})
    if not obj.roles:  # e.g. a newcomer whose first role waits: whoever manages every unit asked for it
        asked = requested_units(obj)
        return _admin_of_root(user, obj) or (bool(asked) and asked <= managed)
    return all(assignment.unit_id in managed for assignment in obj.roles)


Check = Callable[[User, Any], bool]

# action -> (roles allowed, extra object check or None)
RULES: dict[str, tuple[frozenset[Role], Check | None]] = {
    Action.STAFF_AREA: (STAFF_ROLES, None),
    Action.ORG_MANAGE: (frozenset({Role.ADMIN}), None),
    Action.USERS_MANAGE: (frozenset({Role.ADMIN}), _manages_user),
    Action.ACCOUNT_MANAGE: (frozenset({Role.ADMIN}), _manages_account),
    Action.RULES_MANAGE: (frozenset({Role.ADMIN}), _admin_of_root),
    Action.AUDIT_VIEW: (frozenset({Role.INSPECTOR, Role.ADMIN}), None),
    Action.BOARD_VIEW: (frozenset({Role.HEAD, Role.INSPECTOR}), None),
}


def _case_check(name: str) -> Check:
    """An object check defined in ``portal.cases.access`` (imported when used: it imports this module)."""

    def check(user: User, obj: Any) -> bool:
        from portal.cases import access

        return bool(getattr(access, name)(user, obj))

    return check


_CASE_WORK = frozenset({Role.INTAKE_OFFICER, Role.HANDLER, Role.DEPUTY, Role.HEAD})
RULES.update({
    Action.CASE_VIEW: (_CASE_WORK | {Role.INSPECTOR}, _case_check("check_view")),
    Action.CASE_TRANSITION: (STAFF_ROLES, _case_check("check_transition")),  # the lifecycle table decides
    Action.CASE_MESSAGE: (_CASE_WORK, _case_check("check_view")),
    Action.IDENTITY_REVEAL: (frozenset({Role.HANDLER, Role.HEAD}), _case_check("check_reveal")),
    Action.ORIGINAL_DOWNLOAD: (frozenset({Role.HANDLER, Role.HEAD}), _case_check("check_reveal")),
    Action.EVIDENCE_REDACT: (frozenset({Role.HANDLER, Role.HEAD}), _case_check("check_reveal")),
    Action.NOTICE_TEMPLATES_MANAGE: (frozenset({Role.ADMIN}), _admin_of_root),  # the texts every unit sends
})


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (on ``obj``)? Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    rule = RULES.get(action)
    if rule is None:
        return False
    roles, check = rule
    unit_id = _unit_of(obj)
    if unit_id is None:
        allowed = has_any_role(user, roles)
    else:
        allowed = bool(roles_over(user, unit_id) & roles)
    if allowed and check is not None:
        allowed = check(user, obj)
    return allowed


def require(user: Any, action: str, obj: Any = None, *, hide: bool = False) -> None:
    """Abort with 403 (or 404 when ``hide``: the object's existence must not leak) unless allowed."""
    if not can(user, action, obj):
        abort(404 if hide else 403)


def subtree_ids(session: Session, roots: Iterable[int]) -> set[int]:
    """The ids of ``roots`` and of every unit below them (from the process's reference snapshot,
    :mod:`portal.org.refdata`: no query while the units are unchanged)."""
    return refdata.snapshot(session).subtree(roots)


def units_where(user: User, roles: Iterable[Role], session: Session | None = None) -> set[int]:
    """Ids of every unit in the subtrees where ``user`` holds one of ``roles`` (for list queries)."""
    wanted = set(roles)
    roots = {a.unit_id for a in user.roles if a.role in wanted} if user.is_staff else set()
    return subtree_ids(session or get_session(), roots)
