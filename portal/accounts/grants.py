"""Two-person rule for roles: a role given through the web is only requested by one administrator
and takes effect when a second one approves it.

Why: a role over a unit opens its cases, and the head and the assigned handler may reveal a
denouncer's identity. An administrator alone could create an account with a mailbox they control,
make it a head, and read who denounced whom. With this rule, a second administrator whose scope
covers the unit has to agree, and the audit log names both. The requester and the person who
would receive the role never decide; the command line (``users create-admin``, run by whoever
operates the server) and the demo seed grant directly.

Services flush; the calling view commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import RequestState, Role, RoleAssignment, RoleRequest, User
from portal.accounts.permissions import roles_over, unit_and_ancestors
from portal.accounts.services import AccountError, assign_role, check_grant, remove_role
from portal.audit.services import record
from portal.db import now_utc
from portal.org.models import OrgUnit

REASON_MAX = 500


def request_grant(session: Session, user: User, role: Role, unit: OrgUnit, *, requested_by: User,
                  replace_head: bool = False) -> RoleRequest:
    """Ask for ``role`` on ``unit`` for ``user``: nothing changes until another administrator approves.
    ``replace_head``: the head appointed in place of the current one (at approval)."""
    replace_head = replace_head and role == Role.HEAD
    check_grant(session, user, role, unit, actor_id=requested_by.id, replace_head=replace_head)
    waiting = session.scalar(select(RoleRequest.id).where(
        RoleRequest.user_id == user.id, RoleRequest.unit_id == unit.id, RoleRequest.role == role,
        RoleRequest.state == RequestState.PENDING))
    if waiting is not None:
        raise AccountError(_l("Vai trò này đã được đề nghị và đang chờ phê duyệt."))
    request = RoleRequest(user_id=user.id, unit_id=unit.id, role=role, replace_head=replace_head,
                          requested_by_id=requested_by.id)
    session.add(request)
    session.flush()
    record(session, "role.requested", actor_id=requested_by.id, object_type="user", object_id=user.id,
           role=role.value, unit=unit.code, request=request.id, **({"replace_head": True} if replace_head else {}))
    return request


def may_decide(session: Session, approver: User, request: RoleRequest) -> bool:
    """An administrator over the request's unit who neither asked for it nor would receive it."""
    return (approver.is_staff and approver.is_active_account
            and approver.id not in (request.requested_by_id, request.user_id)
            and Role.ADMIN in roles_over(approver, request.unit_id, session))


def _decidable(session: Session, approver: User, request: RoleRequest) -> None:
    if request.state != RequestState.PENDING:
        raise AccountError(_l("Yêu cầu này đã được xử lý."))
    if not may_decide(session, approver, request):
        raise AccountError(_l("Một quản trị viên khác, không phải người đề nghị hay người nhận vai trò, "
                              "phải phê duyệt yêu cầu này."))


def _close(request: RoleRequest, state: RequestState, approver: User, reason: str | None = None) -> None:
    request.state, request.decided_by_id, request.decided_at = state, approver.id, now_utc()
    request.reason = reason


def approve(session: Session, request: RoleRequest, approver: User) -> RoleAssignment:
    """Grant the requested role (the grant is audited with both administrators). Checked again now:
    the account, the unit or its head may have changed while the request waited."""
    _decidable(session, approver, request)
    user, unit = request.user, request.unit
    check_grant(session, user, request.role, unit, actor_id=approver.id, replace_head=request.replace_head)
    if request.replace_head:
        head = session.scalar(select(RoleAssignment).where(RoleAssignment.unit_id == unit.id,
                                                           RoleAssignment.role == Role.HEAD))
        if head is not None:
            remove_role(session, head, actor_id=approver.id)
    assignment = assign_role(session, user, request.role, unit, actor_id=approver.id,
                             requested_by=request.requested_by_id)
    _close(request, RequestState.APPROVED, approver)
    session.flush()
    return assignment


def refuse(session: Session, request: RoleRequest, approver: User, reason: str = "") -> None:
    """Turn the request down (audited, with the reason given)."""
    _decidable(session, approver, request)
    reason = reason.strip()[:REASON_MAX] or None
    _close(request, RequestState.REFUSED, approver, reason)
    session.flush()
    record(session, "role.request_refused", actor_id=approver.id, object_type="user", object_id=request.user_id,
           reason=reason, role=request.role.value, unit=request.unit.code, request=request.id)


def cancel(session: Session, request: RoleRequest, actor: User) -> None:
    """The requesting administrator withdraws their request."""
    if request.state != RequestState.PENDING:
        raise AccountError(_l("Yêu cầu này đã được xử lý."))
    if actor.id != request.requested_by_id:
        raise AccountError(_l("Chỉ người đề nghị mới rút được yêu cầu."))
    _close(request, RequestState.CANCELLED, actor)
    session.flush()
    record(session, "role.request_cancelled", actor_id=actor.id, object_type="user", object_id=request.user_id,
           role=request.role.value, unit=request.unit.code, request=request.id)


def pending(session: Session, *, units: Iterable[int] | None = None, user_id: int | None = None) -> list[RoleRequest]:
    """Requests waiting, oldest first: those on ``units``, or those for the account ``user_id``."""
    stmt = select(RoleRequest).where(RoleRequest.state == RequestState.PENDING)
    if units is not None:
        stmt = stmt.where(RoleRequest.unit_id.in_(list(units)))
    if user_id is not None:
        stmt = stmt.where(RoleRequest.user_id == user_id)
    stmt = stmt.options(selectinload(RoleRequest.user), selectinload(RoleRequest.requested_by))
    return list(session.scalars(stmt.order_by(RoleRequest.requested_at, RoleRequest.id)))


def approvers(session: Session, request: RoleRequest) -> list[User]:
    """The administrators who may decide ``request`` (to tell them it waits)."""
    chain = unit_and_ancestors(session, request.unit_id)
    users = session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                            .where(RoleAssignment.role == Role.ADMIN, RoleAssignment.unit_id.in_(chain),
                                   User.is_active_account.is_(True), User.deleted_at.is_(None),
                                   User.id.not_in([request.requested_by_id, request.user_id]))
                            .distinct().order_by(User.email))
    return list(users)

