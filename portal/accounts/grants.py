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

import datetime as dt
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import RequestState, Role, RoleAssignment, RoleRequest, User
from portal.accounts.permissions import roles_over, unit_and_ancestors
from portal.accounts.services import AccountError, assign_role, check_grant, current_head, remove_role
from portal.audit.services import record
from portal.db import now_utc
from portal.org.models import OrgUnit

REASON_MAX = 500
# A request not decided within this time is no longer approved: who asked, and why, is stale.
VALID_FOR = dt.timedelta(days=30)


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
    replaces = current_head(session, unit.id) if replace_head else None
    request = RoleRequest(user_id=user.id, unit_id=unit.id, role=role, replace_head=replaces is not None,
                          replaces_id=replaces.id if replaces is not None else None, requested_by_id=requested_by.id)
    session.add(request)
    session.flush()
    record(session, "role.requested", actor_id=requested_by.id, object_type="user", object_id=user.id,
           role=role.value, unit=unit.code, request=request.id,
           **({"replaces": request.replaces_id} if request.replaces_id else {}))
    return request


def sponsors(session: Session, user_id: int) -> set[int]:
    """The administrators who asked, directly or through the administrators they made, for the
    administrator roles ``user_id`` holds."""
    found: set[int] = set()
    frontier = {user_id}
    while frontier:
        asked = set(session.scalars(select(RoleAssignment.requested_by_id).where(
            RoleAssignment.user_id.in_(frontier), RoleAssignment.role == Role.ADMIN,
            RoleAssignment.requested_by_id.is_not(None))))
        frontier = asked - found - {user_id}
        found |= frontier
    return found


def may_decide(session: Session, approver: User, request: RoleRequest) -> bool:
    """An administrator over the request's unit who neither asked for it nor would receive it, and
    who was not made administrator at the requester's request (nor made the requester one): else
    an administrator could approve their own requests through an administrator account they asked
    for, once a colleague approved that one."""
    if not (approver.is_staff and approver.is_active_account
            and approver.id not in (request.requested_by_id, request.user_id)
            and Role.ADMIN in roles_over(approver, request.unit_id, session)):
        return False
    return (request.requested_by_id not in sponsors(session, approver.id)
            and approver.id not in sponsors(session, request.requested_by_id))


def _decidable(session: Session, approver: User, request: RoleRequest) -> None:
    if request.state != RequestState.PENDING:
        raise AccountError(_l("Yêu cầu này đã được xử lý."))
    if not may_decide(session, approver, request):
        raise AccountError(_l("Một quản trị viên khác, không phải người đề nghị hay người nhận vai trò, "
                              "phải phê duyệt yêu cầu này."))


def _close(session: Session, request: RoleRequest, state: RequestState, approver: User,
           reason: str | None = None) -> None:
    """Decide once: a decision taken meanwhile by someone else (in another request) wins."""
    at = now_utc()
    changed = session.execute(
        update(RoleRequest).where(RoleRequest.id == request.id, RoleRequest.state == RequestState.PENDING)
        .values(state=state, decided_by_id=approver.id, decided_at=at, reason=reason),
        execution_options={"synchronize_session": False}).rowcount
    if not changed:
        session.expire(request)
        raise AccountError(_l("Yêu cầu này đã được xử lý."))
    for key, value in (("state", state), ("decided_by_id", approver.id), ("decided_at", at), ("reason", reason)):
        set_committed_value(request, key, value)  # as written: no second UPDATE at the next flush


def is_stale(request: RoleRequest) -> bool:
    """Past :data:`VALID_FOR`: it can only be refused (and asked again)."""
    return now_utc() - request.requested_at > VALID_FOR


def _still_asked(session: Session, request: RoleRequest) -> None:
    """What approval checks about the request itself: its requester still administers the unit
    (else one administrator alone would make the grant), and it is recent."""
    requester = request.requested_by
    if not (requester.is_active_account and Role.ADMIN in roles_over(requester, request.unit_id, session)):
        raise AccountError(_l("Người đề nghị không còn là quản trị viên của đơn vị này: yêu cầu không thể được "
                              "phê duyệt; hãy từ chối và đề nghị lại nếu cần."))
    if is_stale(request):
        raise AccountError(_l("Yêu cầu đã quá %(days)s ngày: hãy từ chối và đề nghị lại nếu cần.",
                              days=VALID_FOR.days))


def approve(session: Session, request: RoleRequest, approver: User) -> RoleAssignment:
    """Grant the requested role (the grant is audited with both administrators). Checked again now:
    the requester, the account, the unit or its head may have changed while the request waited."""
    _decidable(session, approver, request)
    _still_asked(session, request)
    user, unit = request.user, request.unit
    check_grant(session, user, request.role, unit, actor_id=approver.id, replace_head=request.replace_head)
    head = None
    if request.replace_head:
        head = session.scalar(select(RoleAssignment).where(RoleAssignment.unit_id == unit.id,
                                                           RoleAssignment.role == Role.HEAD))
        if (head.user_id if head is not None else None) != request.replaces_id:
            raise AccountError(_l("Người đứng đầu của đơn vị đã thay đổi từ khi có đề nghị: hãy từ chối và đề nghị "
                                  "lại."))
    _close(session, request, RequestState.APPROVED, approver)
    if head is not None:
        remove_role(session, head, actor_id=approver.id)
    assignment = assign_role(session, user, request.role, unit, actor_id=approver.id,
                             requested_by=request.requested_by_id)
    session.flush()
    return assignment


def refuse(session: Session, request: RoleRequest, approver: User, reason: str = "") -> None:
    """Turn the request down (audited, with the reason given)."""
    _decidable(session, approver, request)
    reason = reason.strip()[:REASON_MAX] or None
    _close(session, request, RequestState.REFUSED, approver, reason)
    record(session, "role.request_refused", actor_id=approver.id, object_type="user", object_id=request.user_id,
           reason=reason, role=request.role.value, unit=request.unit.code, request=request.id)


def cancel(session: Session, request: RoleRequest, actor: User) -> None:
    """The requesting administrator withdraws their request."""
    if request.state != RequestState.PENDING:
        raise AccountError(_l("Yêu cầu này đã được xử lý."))
    if actor.id != request.requested_by_id:
        raise AccountError(_l("Chỉ người đề nghị mới rút được yêu cầu."))
    _close(session, request, RequestState.CANCELLED, actor)
    record(session, "role.request_cancelled", actor_id=actor.id, object_type="user", object_id=request.user_id,
           role=request.role.value, unit=request.unit.code, request=request.id)


def pending(session: Session, *, units: Iterable[int] | None = None, user_id: int | None = None) -> list[RoleRequest]:
    """Requests waiting, oldest first: those on ``units``, or those for the account ``user_id``."""
    stmt = select(RoleRequest).where(RoleRequest.state == RequestState.PENDING)
    if units is not None:
        stmt = stmt.where(RoleRequest.unit_id.in_(list(units)))
    if user_id is not None:
        stmt = stmt.where(RoleRequest.user_id == user_id)
    stmt = stmt.options(selectinload(RoleRequest.user), selectinload(RoleRequest.requested_by),
                        selectinload(RoleRequest.replaces))
    return list(session.scalars(stmt.order_by(RoleRequest.requested_at, RoleRequest.id)))


def approvers(session: Session, request: RoleRequest) -> list[User]:
    """The administrators who may decide ``request`` (:func:`may_decide`), to tell them it waits."""
    chain = unit_and_ancestors(session, request.unit_id)
    users = session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                            .where(RoleAssignment.role == Role.ADMIN, RoleAssignment.unit_id.in_(chain),
                                   User.is_active_account.is_(True), User.deleted_at.is_(None),
                                   User.id.not_in([request.requested_by_id, request.user_id]))
                            .distinct().order_by(User.email))
    return [user for user in users if may_decide(session, user, request)]


def notify_approvers(session: Session, request: RoleRequest, link: str) -> int:
    """Queue an email to each administrator who may decide ``request`` (in their language), with
    ``link`` to the requests page; returns how many there are (0: a second administrator is needed)."""
    from portal.accounts.forms import ROLE_LABELS
    from portal.notifications.services import queue_email

    found = approvers(session, request)
    for approver in found:
        queue_email(session, approver.email, "role_request", locale=approver.locale or "vi",
                    requester=request.requested_by, grantee=request.user, role=ROLE_LABELS[request.role],
                    admin_role=request.role == Role.ADMIN, unit=request.unit, link=link)
    return len(found)

