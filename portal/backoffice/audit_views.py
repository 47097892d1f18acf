"""The inspector's view of the audit log: filtered by case, person, action and dates.

Inspectors see the entries about cases of the units in their scope; an entry about a case outside
their scope, or about a case they are in conflict with, is hidden. Entries about no case (sign-ins,
account and organisation changes) are seen city-wide only by those whose role is on the root unit;
an inspector of a department or ward sees those about its own staff and units, never a citizen's
(a citizen's sign-in next to the time of an anonymous đơn could point at its sender).
Administrators see the same over the units they administer, except identity reveals and original
downloads (inspectors only).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, String, and_, cast, exists, false, or_, select
from sqlalchemy.orm import Session

from portal.accounts.auth import staff_required
from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import Action, holds_on_root, require, units_where
from portal.audit.models import AuditEntry
from portal.audit.services import ChainReport, full_check_overdue, verify_recent
from portal.backoffice.queue_forms import AuditFilterForm
from portal.cases.models import Case, CaseConflict
from portal.db import get_db, get_session

bp = Blueprint("audit_log", __name__)

PAGE_SIZE = 50
_AFTER = re.compile(r"^\d{1,18}$")
VN_OFFSET = dt.timedelta(hours=7)


# Entries that say who looked at a denouncer's identity, a sealed original or a file that may name
# the denouncer: inspectors only.
INSPECTOR_ONLY_ACTIONS = ("identity.reveal", "attachment.original_download", "attachment.protected_view")


def _cases_in(units: set[int], user: User) -> Select[tuple[int]]:
    """The cases of ``units`` that ``user`` is not in conflict with."""
    return select(Case.id).where(
        Case.unit_id.in_(units),
        ~exists().where(CaseConflict.case_id == Case.id, CaseConflict.user_id == user.id))


def _about_no_case(session: Session, user: User, role: Role, units: set[int]) -> ColumnElement[bool]:
    """Entries about no case that a holder of ``role`` over ``units`` may read: all of them when the
    role is held on a root unit (city-wide); else those whose actor or object is a staff member with
    a role in ``units``, or one of ``units`` itself."""
    if holds_on_root(user, role):
        return AuditEntry.case_id.is_(None)
    staff_here = select(RoleAssignment.user_id).where(RoleAssignment.unit_id.in_(units))
    # object_id is text (it names objects of any kind)
    staff_ids = select(cast(RoleAssignment.user_id, String)).where(RoleAssignment.unit_id.in_(units))
    return and_(AuditEntry.case_id.is_(None), or_(
        AuditEntry.actor_id.in_(staff_here),
        and_(AuditEntry.object_type == "user", AuditEntry.object_id.in_(staff_ids)),
        and_(AuditEntry.object_type == "org_unit", AuditEntry.object_id.in_([str(u) for u in units]))))


def audit_scope(session: Session, user: User) -> ColumnElement[bool]:
    """The audit entries ``user`` may read: for an inspector, entries about a case of the units they
    inspect and entries about no case as :func:`_about_no_case` allows; for an administrator the same
    over the units they administer, without the identity reveals and original downloads. Never
    entries about a case ``user`` is in conflict with."""
    allowed: list[ColumnElement[bool]] = []
    inspected = units_where(user, {Role.INSPECTOR}, session)
    if inspected:
        allowed.append(or_(_about_no_case(session, user, Role.INSPECTOR, inspected),
                           AuditEntry.case_id.in_(_cases_in(inspected, user))))
    administered = units_where(user, {Role.ADMIN}, session)
    if administered:
        allowed.append(and_(AuditEntry.action.not_in(INSPECTOR_ONLY_ACTIONS),
                            or_(_about_no_case(session, user, Role.ADMIN, administered),
                                AuditEntry.case_id.in_(_cases_in(administered, user)))))
    return or_(*allowed) if allowed else false()


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    actor: str | None
    case_reference: str | None


def _filters(session: Session, form: AuditFilterForm) -> list[ColumnElement[bool]]:
    result: list[ColumnElement[bool]] = []
    if form.case.data:
        case_id = session.scalar(select(Case.id).where(Case.reference == form.case.data.strip().upper()))
        result.append(AuditEntry.case_id == case_id if case_id is not None else false())
    if form.actor.data:
        actor_id = session.scalar(select(User.id).where(User.email == form.actor.data.strip().lower()))
        result.append(AuditEntry.actor_id == actor_id if actor_id is not None else false())
    if form.action.data:
        result.append(AuditEntry.action == form.action.data.strip())
    if form.date_from.data:
        start = dt.datetime.combine(form.date_from.data, dt.time(), tzinfo=dt.UTC) - VN_OFFSET
        result.append(AuditEntry.at >= start)
    if form.date_to.data:
        end = dt.datetime.combine(form.date_to.data + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) - VN_OFFSET
        result.append(AuditEntry.at < end)
    return result


def audit_page(session: Session, user: User, where: list[ColumnElement[bool]], after: int | None,
               size: int = PAGE_SIZE) -> tuple[list[AuditRow], int | None]:
    """Newest first, keyset on the entry id; returns the rows and the next page's key."""
    stmt = (select(AuditEntry, User.email, Case.reference)
            .outerjoin(User, User.id == AuditEntry.actor_id).outerjoin(Case, Case.id == AuditEntry.case_id)
            .where(audit_scope(session, user), *where))
    if after is not None:
        stmt = stmt.where(AuditEntry.id < after)
    rows = session.execute(stmt.order_by(AuditEntry.id.desc()).limit(size + 1)).all()
    page = [AuditRow(entry, email, reference) for entry, email, reference in rows[:size]]
    return page, (page[-1].entry.id if len(rows) > size else None)


def chain_status() -> ChainReport:
    """The chain's state, in a session of its own (``verify`` expunges as it streams): only the
    entries added since the latest recorded walk are verified here (bounded time at any size)."""
    with get_db().sessionmaker() as session:
        return verify_recent(session)


@bp.get("")
@staff_required
def index() -> tuple[str, int] | str:
    """The audit log with the chain's verification status at the top."""
    user = current_user._get_current_object()
    require(user, Action.AUDIT_VIEW)
    session = get_session()
    form = AuditFilterForm(request.args)
    report = chain_status()
    context: dict[str, Any] = {"form": form, "report": report, "full_overdue": full_check_overdue(report),
                               "rows": [], "next_url": None}
    after_raw = request.args.get("after", "")
    if after_raw and not _AFTER.match(after_raw):
        context["error"] = _("Liên kết trang tiếp theo không hợp lệ. Hãy quay lại trang đầu của danh sách.")
        return render_template("backoffice/audit.html", **context), 400
    if not form.validate():
        return render_template("backoffice/audit.html", **context), 400
    rows, next_key = audit_page(session, user, _filters(session, form), int(after_raw) if after_raw else None)
    if next_key is not None:
        args = request.args.to_dict(flat=False)
        args["after"] = [str(next_key)]
        context["next_url"] = url_for("audit_log.index", **args)
    context["rows"] = rows
    return render_template("backoffice/audit.html", **context)
