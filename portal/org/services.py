"""Organisation services: units, heads and deputies, fields, coverage, routing rules, proposals.

Each takes the session, adds and flushes, audits the change and raises :class:`OrgError` (with a
message in the user's language) on bad input; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment, RoleRequest, User
from portal.audit.services import record
from portal.cases.models import Submission
from portal.deadlines.clock import local_date, local_today
from portal.org import refdata
from portal.org.models import Field, OrgUnit, RoutingRule, RuleStrategy, UnitField, UnitKind, UnitWard
from portal.org.routing import Facts, Proposal, Rule, UnitTree, propose

LEADER_ROLES = (Role.HEAD, Role.DEPUTY)


def _(message: str, **params: Any) -> str:
    """``gettext`` in a request (the user's language); the Vietnamese text in the CLI and workers."""
    if has_request_context():
        return gettext(message, **params)
    return message % params if params else message


class OrgError(ValueError):
    """A change the organisation rules refuse; ``str(error)`` is a message for the user."""


# --- units ---------------------------------------------------------------------------------------

def ancestors(session: Session, unit_id: int | None) -> list[int]:
    """``unit_id`` and its ancestors, nearest first (stops at a cycle)."""
    chain: list[int] = []
    current = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == current))
    return chain


def _check_dates(unit: OrgUnit, parent: OrgUnit | None) -> None:
    if unit.valid_to is not None and unit.valid_to <= unit.valid_from:
        raise OrgError(_("Ngày kết thúc phải sau ngày bắt đầu hiệu lực."))
    if parent is None:
        return
    if unit.valid_from < parent.valid_from:
        raise OrgError(_("Đơn vị không thể có hiệu lực trước đơn vị cấp trên (%(code)s, từ %(day)s).",
                         code=parent.code, day=parent.valid_from.isoformat()))
    if parent.valid_to is not None and (unit.valid_to is None or unit.valid_to > parent.valid_to):
        raise OrgError(_("Đơn vị không thể còn hiệu lực sau khi đơn vị cấp trên (%(code)s) chấm dứt (%(day)s).",
                         code=parent.code, day=parent.valid_to.isoformat()))


def _check_children(session: Session, unit: OrgUnit) -> None:
    for child in session.scalars(select(OrgUnit).where(OrgUnit.parent_id == unit.id)):
        if child.valid_from < unit.valid_from or (
                unit.valid_to is not None and (child.valid_to is None or child.valid_to > unit.valid_to)):
            raise OrgError(_("Đơn vị trực thuộc %(code)s còn hiệu lực ngoài thời gian hiệu lực mới; "
                             "hãy chuyển hoặc cho thôi hoạt động đơn vị đó trước.", code=child.code))


def validate_unit(session: Session, unit: OrgUnit) -> None:
    """No cycles, dates that make sense, a child never valid outside its parent."""
    if not unit.code.strip() or not unit.name.strip():
        raise OrgError(_("Mã và tên đơn vị là bắt buộc."))
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id is not None else None
    if unit.parent_id is not None and parent is None:
        raise OrgError(_("Đơn vị cấp trên không tồn tại."))
    if unit.id is not None and unit.id in ancestors(session, unit.parent_id):
        raise OrgError(_("Không thể đặt đơn vị dưới chính nó hoặc đơn vị trực thuộc của nó."))
    if parent is None and unit.id is not None and session.scalar(
            select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.id != unit.id,
                                     OrgUnit.valid_to.is_(None))) is not None and unit.valid_to is None:
        raise OrgError(_("Chỉ có một đơn vị gốc; hãy chọn đơn vị cấp trên."))
    _check_dates(unit, parent)
    if unit.id is not None:
        _check_children(session, unit)
    duplicate = session.scalar(select(OrgUnit.id).where(OrgUnit.code == unit.code, OrgUnit.id != (unit.id or 0)))
    if duplicate is not None:
        raise OrgError(_("Mã đơn vị %(code)s đã được dùng.", code=unit.code))


def _unit_state(unit: OrgUnit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "name_en": unit.name_en, "kind": str(unit.kind),
            "parent_id": unit.parent_id, "valid_from": unit.valid_from.isoformat(),
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None, "successor_id": unit.successor_id}


def create_unit(session: Session, *, code: str, name: str, kind: UnitKind, parent_id: int | None,
                valid_from: dt.date, name_en: str = "", valid_to: dt.date | None = None,
                actor_id: int | None = None) -> OrgUnit:
    """Add a unit to the tree."""
    parent_required = parent_id is None and session.scalar(
        select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)).limit(1)) is not None
    if parent_required:
        raise OrgError(_("Chỉ có một đơn vị gốc; hãy chọn đơn vị cấp trên."))
    unit = OrgUnit(code=code.strip(), name=name.strip(), name_en=(name_en or "").strip(), kind=kind,
                   parent_id=parent_id, valid_from=valid_from, valid_to=valid_to)
    validate_unit(session, unit)
    session.add(unit)
    session.flush()
    record(session, "org.unit.create", actor_id=actor_id, object_type="org_unit", object_id=unit.id,
           **_unit_state(unit))
    return unit


def _conflicts_after_move(session: Session, unit: OrgUnit) -> None:
    """A unit moved under new leaders: its staff now work under them, so where one of them is accused,
    the staff get the conflicts a role granted there today would give (portal/org/conflicts.py)."""
    from portal.accounts.models import RoleAssignment
    from portal.accounts.permissions import subtree_ids
    from portal.org.conflicts import DIRECTED_ROLES, conflicts_after_grant

    for assignment in session.scalars(select(RoleAssignment).where(
            RoleAssignment.unit_id.in_(subtree_ids(session, {unit.id})), RoleAssignment.role.in_(DIRECTED_ROLES))
            .order_by(RoleAssignment.id)):
        conflicts_after_grant(session, assignment)


def update_unit(session: Session, unit: OrgUnit, *, actor_id: int | None = None, **changes: Any) -> dict[str, Any]:
    """Rename, move, re-date or re-kind a unit; returns the changed values (old, new)."""
    allowed = {"code", "name", "name_en", "kind", "parent_id", "valid_from", "valid_to", "successor_id"}
    before = _unit_state(unit)
    with session.no_autoflush:
        for key, value in changes.items():
            if key not in allowed:
                raise TypeError(key)
            setattr(unit, key, value.strip() if isinstance(value, str) else value)
        try:
            validate_unit(session, unit)
        except OrgError:
            session.expire(unit)
            raise
    after = _unit_state(unit)
    diff = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if diff:
        session.flush()
        if "parent_id" in diff:
            _conflicts_after_move(session, unit)
        action = ("org.unit.move" if "parent_id" in diff
                  else "org.unit.retire" if "valid_to" in diff and unit.valid_to is not None else "org.unit.update")
        record(session, action, actor_id=actor_id, object_type="org_unit", object_id=unit.id, changes=diff)
    return diff


def retire_unit(session: Session, unit: OrgUnit, *, on: dt.date, successor_id: int | None = None,
                actor_id: int | None = None) -> None:
    """Retire a unit from ``on`` (its last day is the day before). Its cases keep it."""
    if successor_id == unit.id:
        raise OrgError(_("Một đơn vị không thể kế thừa chính nó."))
    if successor_id is not None:
        successor = session.get(OrgUnit, successor_id)
        if successor is None or not successor.is_active_on(on):
            raise OrgError(_("Đơn vị kế thừa phải còn hiệu lực vào ngày thôi hoạt động."))
    update_unit(session, unit, valid_to=on, successor_id=successor_id, actor_id=actor_id)


def set_unit_fields(session: Session, unit: OrgUnit, field_ids: Iterable[int], *, actor_id: int | None = None) -> bool:
    """Replace the fields a unit manages; True when something changed."""
    wanted = set(field_ids)
    current = {uf.field_id for uf in unit.fields}
    if wanted == current:
        return False
    known = set(session.scalars(select(Field.id).where(Field.id.in_(wanted)))) if wanted else set()
    if known != wanted:
        raise OrgError(_("Lĩnh vực không tồn tại."))
    unit.fields = [uf for uf in unit.fields if uf.field_id in wanted] + [
        UnitField(field_id=fid) for fid in sorted(wanted - current)]
    session.flush()
    record(session, "org.unit.fields", actor_id=actor_id, object_type="org_unit", object_id=unit.id,
           added=sorted(wanted - current), removed=sorted(current - wanted))
    return True


def set_unit_wards(session: Session, unit: OrgUnit, ward_ids: Iterable[int], *, actor_id: int | None = None) -> bool:
    """Replace the wards a unit covers (none: the whole city); True when something changed."""
    wanted = set(ward_ids)
    current = {uw.ward_id for uw in unit.wards}
    if wanted == current:
        return False
    wards = set(session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(wanted),
                                                         OrgUnit.kind == UnitKind.WARD_COMMITTEE))) if wanted else set()
    if wards != wanted:
        raise OrgError(_("Địa bàn phải là phường, xã hoặc đặc khu."))
    unit.wards = [uw for uw in unit.wards if uw.ward_id in wanted] + [
        UnitWard(ward_id=wid) for wid in sorted(wanted - current)]
    session.flush()
    record(session, "org.unit.wards", actor_id=actor_id, object_type="org_unit", object_id=unit.id,
           added=sorted(wanted - current), removed=sorted(current - wanted))
    return True


def unit_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def units_in_order(session: Session) -> list[tuple[OrgUnit, int]]:
    """Every unit with its depth, parents before children (siblings by code)."""
    units = list(session.scalars(select(OrgUnit).order_by(OrgUnit.code)))
    by_parent: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    known = {u.id for u in units}
    out: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child in by_parent.get(parent_id, []):
            out.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    orphans = [u for u in units if u.parent_id is not None and u.parent_id not in known]
    out += [(u, 0) for u in orphans]
    return out


# --- heads and deputies -------------------------------------------------------------------------

def leaders(session: Session, unit_id: int) -> list[RoleAssignment]:
    """The head and deputies of a unit (head first)."""
    rows = session.scalars(select(RoleAssignment).where(RoleAssignment.unit_id == unit_id,
                                                        RoleAssignment.role.in_(LEADER_ROLES))
                           .order_by(RoleAssignment.role.desc(), RoleAssignment.id))
    return sorted(rows, key=lambda a: (a.role != Role.HEAD, a.id))


def head_id(session: Session, unit_id: int) -> int | None:
    """The user id of the unit's head (người đứng đầu), if one is appointed."""
    return session.scalar(select(RoleAssignment.user_id).where(RoleAssignment.unit_id == unit_id,
                                                               RoleAssignment.role == Role.HEAD).limit(1))


def appoint(session: Session, unit: OrgUnit, user: User, role: Role, *, requested_by: User,
            replace: bool = False) -> RoleRequest:
    """Propose ``user`` as the head or a deputy of ``unit``: a role request that takes effect when a
    second administrator approves it (portal/accounts/grants.py). One head at a time: ``replace``
    puts the new head in the current one's place at approval, so the unit is never without one."""
    from portal.accounts.grants import request_grant
    from portal.accounts.services import AccountError

    if role not in LEADER_ROLES:
        raise OrgError(_("Chỉ có thể bổ nhiệm người đứng đầu hoặc cấp phó."))
    if not user.is_staff or not user.is_active_account:
        raise OrgError(_("Chỉ có thể bổ nhiệm tài khoản cán bộ đang hoạt động."))
    if unit.valid_to is not None and unit.valid_to <= today():
        raise OrgError(_("Đơn vị đã thôi hoạt động."))
    existing = leaders(session, unit.id)
    if any(a.user_id == user.id for a in existing):
        raise OrgError(_("Người này đã là lãnh đạo của đơn vị."))
    if role == Role.HEAD and not replace and any(a.role == Role.HEAD for a in existing):
        raise OrgError(_("Đơn vị đã có người đứng đầu; hãy miễn nhiệm hoặc chọn thay thế."))
    try:
        return request_grant(session, user, role, unit, requested_by=requested_by, replace_head=replace)
    except AccountError as exc:
        raise OrgError(str(exc)) from None


def remove_leader(session: Session, assignment: RoleAssignment, *, actor_id: int | None = None) -> None:
    """End a head's or deputy's appointment (audited by the accounts service)."""
    from portal.accounts.services import remove_role

    if assignment.role not in LEADER_ROLES:
        raise OrgError(_("Chỉ có thể bổ nhiệm người đứng đầu hoặc cấp phó."))
    remove_role(session, assignment, actor_id=actor_id)


def staff_candidates(session: Session) -> list[User]:
    """Active staff accounts, for the appointment form."""
    return list(session.scalars(select(User).where(User.is_staff.is_(True), User.is_active_account.is_(True),
                                                   User.deleted_at.is_(None)).order_by(User.full_name, User.email)))


# --- fields -------------------------------------------------------------------------------------

def save_field(session: Session, field: Field | None, *, code: str, name: str, name_en: str = "",
               is_active: bool = True, actor_id: int | None = None) -> Field:
    """Create or edit a field (lĩnh vực)."""
    code = code.strip()
    if not code or not name.strip():
        raise OrgError(_("Mã và tên lĩnh vực là bắt buộc."))
    clash = session.scalar(select(Field.id).where(Field.code == code, Field.id != (field.id if field else 0)))
    if clash is not None:
        raise OrgError(_("Mã lĩnh vực %(code)s đã được dùng.", code=code))
    created = field is None
    field = field or Field(code=code, name=name)
    before = {"code": field.code, "name": field.name, "name_en": field.name_en, "is_active": field.is_active}
    field.code, field.name, field.name_en, field.is_active = code, name.strip(), (name_en or "").strip(), is_active
    after = {"code": field.code, "name": field.name, "name_en": field.name_en, "is_active": field.is_active}
    session.add(field)
    session.flush()
    if created or before != after:
        record(session, "org.field.create" if created else "org.field.update", actor_id=actor_id,
               object_type="field", object_id=field.id, **after)
    return field


# --- routing rules ------------------------------------------------------------------------------

RULE_ATTRS = ("code", "position", "name", "kind", "second_complaint", "field_id", "strategy", "target_unit_id",
              "is_active", "note")


def save_rule(session: Session, rule: RoutingRule | None, *, actor_id: int | None = None,
              **values: Any) -> RoutingRule:
    """Create or edit a competence rule."""
    code = str(values.get("code") or "").strip()
    if not code or not str(values.get("name") or "").strip():
        raise OrgError(_("Mã và tên quy tắc là bắt buộc."))
    if session.scalar(select(RoutingRule.id).where(RoutingRule.code == code,
                                                   RoutingRule.id != (rule.id if rule else 0))) is not None:
        raise OrgError(_("Mã quy tắc %(code)s đã được dùng.", code=code))
    strategy = RuleStrategy(values["strategy"])
    target = values.get("target_unit_id")
    if strategy == RuleStrategy.FIXED and (target is None or session.get(OrgUnit, target) is None):
        raise OrgError(_("Quy tắc chỉ định đơn vị cần có đơn vị nhận."))
    if strategy != RuleStrategy.FIXED:
        values["target_unit_id"] = None
    created = rule is None
    rule = rule or RoutingRule(code=code, name=values["name"], strategy=strategy)
    before = {a: _plain(getattr(rule, a)) for a in RULE_ATTRS}
    for attr in RULE_ATTRS:
        if attr in values:
            value = values[attr]
            setattr(rule, attr, value.strip() if isinstance(value, str) else value)
    rule.strategy = strategy
    session.add(rule)
    session.flush()
    after = {a: _plain(getattr(rule, a)) for a in RULE_ATTRS}
    if created or before != after:
        changes = after if created else {a: [before[a], after[a]] for a in after if before[a] != after[a]}
        record(session, "org.rule.create" if created else "org.rule.update", actor_id=actor_id,
               object_type="routing_rule", object_id=rule.id, changes=changes)
    return rule


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, RuleStrategy) else value


def rules_in_order(session: Session, *, active_only: bool = False) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(RoutingRule.position, RoutingRule.code)
    if active_only:
        query = query.where(RoutingRule.is_active.is_(True))
    return list(session.scalars(query))


# --- proposals ----------------------------------------------------------------------------------

def load_tree(session: Session) -> UnitTree:
    """A snapshot of every unit (active or not) with its fields and wards (read-only, shared by the
    requests of a process while the reference data is unchanged: ``portal.org.refdata``)."""
    return refdata.snapshot(session).tree


def load_rules(session: Session) -> list[Rule]:
    """The active rules, in order (the default rules while none are stored at all)."""
    return list(refdata.snapshot(session).rules)


def resolve_unit_text(session: Session, text: str | None, on: dt.date) -> int | None:
    """The unit a citizen typed (code, name or English name, accents and "UBND" optional), if it is
    exactly one unit in force on ``on``."""
    from portal.cases.text import fold

    def key(value: str) -> str:
        folded = " ".join(fold(value).split())
        return folded.replace("ubnd ", "uy ban nhan dan ", 1) if folded.startswith("ubnd ") else folded

    wanted = key(text or "")
    if not wanted:
        return None
    matches = {unit.id for unit in session.scalars(select(OrgUnit)) if unit.is_active_on(on)
               and wanted in {key(unit.code), key(unit.name), key(unit.name_en or "")}}
    return matches.pop() if len(matches) == 1 else None


def facts_of(session: Session, submission: Submission, on: dt.date) -> Facts:
    """The competence facts a submission carries. A complaint's unit is the one chosen, else the
    decision's issuer as typed. The accused's unit is the one the form resolved,
    else the unit typed by the citizen; when the accused is a head or deputy of an unknown unit, the
    unit the đơn is about is assumed to be theirs, so that it is never routed there."""
    facts = Facts(kind=str(submission.kind), on=on, unit_id=submission.unit_id, field_id=submission.field_id,
                  ward_id=submission.ward_id, accused_unit_id=submission.accused_unit_id,
                  accused_position=submission.accused_position,
                  is_second_complaint=bool(submission.is_second_complaint))
    if facts.kind == "complaint" and facts.unit_id is None:
        # The issuer of the decision, as typed ("UBND phường Bến Thành"), when the unit was not chosen.
        facts = replace(facts, unit_id=resolve_unit_text(session, submission.decision_issuer, on))
    if facts.kind != "denunciation" or facts.accused_unit_id is not None:
        return facts
    accused_unit = resolve_unit_text(session, submission.accused_unit_text, on)
    if accused_unit is None and facts.accused_is_leader:
        accused_unit = submission.unit_id
    return replace(facts, accused_unit_id=accused_unit)


def today() -> dt.date:
    """Today in the city (Asia/Ho_Chi_Minh, UTC+7, no daylight saving)."""
    return local_today()


def propose_unit(session: Session, facts: Facts) -> Proposal | None:
    """Run the stored rules on ``facts``."""
    return propose(facts, load_rules(session), load_tree(session))


def propose_for_submission(session: Session, submission: Submission, on: dt.date | None = None) -> Proposal | None:
    """The competent unit proposed for a submission, with its explanation data."""
    return propose_unit(session, facts_of(session, submission, on or today()))


def routing_explanation(session: Session, case: Any) -> str | None:
    """"Proposed because ...", for showing on a case page: the rules as they stand, applied to the
    case's submission on the day it was received (``None`` when no unit could be proposed)."""
    submission = session.get(Submission, case.submission_id)
    if submission is None:
        return None
    received = local_date(case.created_at)
    proposal = propose_for_submission(session, submission, received)
    if proposal is None:
        return None
    from flask_babel import get_locale

    return explain(session, proposal, str(get_locale() or "vi") if has_request_context() else "vi")


def explain(session: Session, proposal: Proposal, locale: str = "vi") -> str:
    """"Proposed because ...": the reason for a proposal, in the user's language."""
    def name(key: str) -> str:
        unit_id = proposal.params.get(key)
        unit = session.get(OrgUnit, unit_id) if isinstance(unit_id, int) else None
        return unit.display_name(locale) if unit else ""

    def field_name() -> str:
        field_id = proposal.params.get("field")
        field = session.get(Field, field_id) if isinstance(field_id, int) else None
        return field.display_name(locale) if field else ""

    reason = proposal.reason
    if reason == "concerned_unit":
        text = _("%(unit)s là đơn vị đã ban hành quyết định, thực hiện hành vi hoặc được nêu trong đơn.",
                 unit=name("unit"))
    elif reason == "concerned_superior":
        text = _("%(unit)s là cấp trên trực tiếp của %(concerned)s, đơn vị đã giải quyết lần đầu.",
                 unit=name("unit"), concerned=name("concerned"))
    elif reason == "accused_manager":
        text = _("%(unit)s là đơn vị quản lý người bị tố cáo.", unit=name("unit"))
    elif reason == "accused_leader":
        text = _("người bị tố cáo là người đứng đầu hoặc cấp phó của %(accused)s, nên đơn thuộc thẩm quyền "
                 "của cấp trên trực tiếp là %(unit)s.", accused=name("accused_unit"), unit=name("unit"))
    elif reason == "field_in_ward":
        text = _("%(unit)s quản lý lĩnh vực %(field)s tại %(ward)s.", unit=name("unit"), field=field_name(),
                 ward=name("ward"))
    elif reason == "field_citywide":
        text = _("%(unit)s quản lý lĩnh vực %(field)s trên địa bàn thành phố.", unit=name("unit"),
                 field=field_name())
    elif reason == "ward":
        text = _("%(unit)s là Ủy ban nhân dân nơi phát sinh vụ việc.", unit=name("unit"))
    elif reason == "fixed":
        text = _("Quy tắc chỉ định %(unit)s.", unit=name("unit"))
    elif reason == "outside":
        text = _("người đứng đầu %(accused)s bị tố cáo và không có cấp trên trong hệ thống; %(unit)s tiếp nhận "
                 "để chuyển đến cơ quan có thẩm quyền.", accused=name("accused_unit"), unit=name("unit"))
    else:
        text = _("không quy tắc nào áp dụng; đơn được chuyển đến bộ phận tiếp nhận chung của %(unit)s.",
                 unit=name("unit"))
    if "successor" in proposal.notes:
        text += " " + _("%(retired)s đã thôi hoạt động; đơn vị kế thừa tiếp nhận.", retired=name("retired"))
    if proposal.rule_name:
        return _("Đề xuất theo quy tắc “%(rule)s” vì %(reason)s", rule=proposal.rule_name, reason=text)
    return _("Đề xuất vì %(reason)s", reason=text)
