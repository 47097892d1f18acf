"""Factory functions: the smallest valid object, with only what a test cares about overridden.

Each feature appends the factories for its own models here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment, RoleRequest, User
from portal.cases.models import Case, CaseKind, CaseStatus, ReporterIdentity, Submission, SubmissionKind
from portal.org.models import Field, OrgUnit, UnitKind

_seq = itertools.count(1)


def make_unit(session: Session, *, parent: OrgUnit | None = None, **overrides: Any) -> OrgUnit:
    n = next(_seq)
    values: dict[str, Any] = {"code": f"U{n:04d}", "name": f"Đơn vị {n}", "name_en": f"Unit {n}",
                              "kind": UnitKind.DEPARTMENT, "valid_from": dt.date(2020, 1, 1)}
    values.update(overrides)
    unit = OrgUnit(parent_id=parent.id if parent else None, **values)
    session.add(unit)
    session.flush()
    return unit


def make_field(session: Session, **overrides: Any) -> Field:
    n = next(_seq)
    field = Field(**{"code": f"field{n}", "name": f"Lĩnh vực {n}", "name_en": f"Field {n}", **overrides})
    session.add(field)
    session.flush()
    return field


def make_user(session: Session, *, roles: list[tuple[Role, OrgUnit]] | None = None, **overrides: Any) -> User:
    """A user; staff when ``roles`` are given (pairs of role and unit)."""
    n = next(_seq)
    values: dict[str, Any] = {"email": f"user{n}@example.test", "full_name": f"Người dùng {n}",
                              "is_staff": bool(roles)}
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    for role, unit in roles or []:
        session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=role))
    session.flush()
    session.refresh(user)
    return user


def approve_as_second_admin(session: Session, request: RoleRequest) -> RoleAssignment:
    """Approve a role request as another administrator of its unit (made here): the two-person rule."""
    from portal.accounts.grants import approve

    return approve(session, request, make_user(session, roles=[(Role.ADMIN, request.unit)]))


def make_submission(session: Session, *, identity: dict[str, Any] | None = None, **overrides: Any) -> Submission:
    n = next(_seq)
    values: dict[str, Any] = {"tracking_code": f"T{n:07d}{secrets.token_hex(2).upper()}",
                              "secret_hash": secrets.token_hex(32), "kind": SubmissionKind.FEEDBACK,
                              "content": f"Nội dung đơn số {n}", "title": f"Đơn {n}",
                              "is_anonymous": identity is None}
    values.update(overrides)
    submission = Submission(**values)
    if identity is not None:
        submission.identity = ReporterIdentity(**{"full_name": "Nguyễn Văn A", **identity})
    session.add(submission)
    session.flush()
    return submission


def make_case(session: Session, *, unit: OrgUnit, submission: Submission | None = None, **overrides: Any) -> Case:
    """A case; its submission is anonymous unless the case is a complaint (which is always signed)."""
    if submission is None:
        named = overrides.get("kind") == CaseKind.COMPLAINT
        submission = make_submission(session, unit_id=unit.id, kind=SubmissionKind.COMPLAINT if named
                                     else SubmissionKind.FEEDBACK, identity={} if named else None)
    n = next(_seq)
    values: dict[str, Any] = {"reference": f"VV-{n:06d}", "kind": CaseKind.PETITION, "status": CaseStatus.RECEIVED}
    values.update(overrides)
    case = Case(submission_id=submission.id, unit_id=unit.id, **values)
    session.add(case)
    session.flush()
    return case


# --- org -------------------------------------------------------------------------------------------

def make_rule(session: Session, **overrides: Any) -> Any:
    """A competence rule (portal.org.models.RoutingRule); ``strategy`` defaults to concerned_unit."""
    from portal.org.models import RoutingRule, RuleStrategy

    n = next(_seq)
    values: dict[str, Any] = {"code": f"R{n}", "name": f"Quy tắc {n}", "position": n,
                              "strategy": RuleStrategy.CONCERNED_UNIT}
    values.update(overrides)
    rule = RoutingRule(**values)
    session.add(rule)
    session.flush()
    return rule


def make_admin(session: Session, **overrides: Any) -> User:
    """A staff administrator (role admin on the root unit, created when missing)."""
    from sqlalchemy import select

    root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))
    root = root or make_unit(session, kind=UnitKind.PROVINCIAL_COMMITTEE, valid_from=dt.date(2000, 1, 1))
    return make_user(session, roles=[(Role.ADMIN, root)], **overrides)
