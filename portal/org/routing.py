"""Competence rules (LEGAL.md §5, "Implications" B.3) as a pure function.

:func:`propose` takes the facts of a submission, the ordered rules and a snapshot of the unit tree
and returns the proposed unit with the reason it was chosen. It reads no database, clock or request,
so the rules are tested with plain tables. ``portal.org.services`` loads the inputs.

Strategies (``RuleStrategy``):

- ``concerned_unit``: the unit that issued the decision, did the act, or that the citizen named
  (first complaint);
- ``concerned_superior``: that unit's direct superior (second complaint);
- ``accused_manager``: the unit managing the accused person, or its superior when the accused is
  the unit's head or deputy (denunciation);
- ``field_and_area``: the unit managing the field in the ward (state-management violations,
  petitions and feedback); the most specific unit covering the ward, else a city-wide one;
- ``ward``: the ward's People's Committee;
- ``fixed``: a named unit.

Units are only proposed when active on the date; a retired unit is replaced by its active successor.
Whatever rule matched, a denunciation against a unit's head or deputy never lands in that unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from portal.cases.text import fold
from portal.org.models import RuleStrategy, UnitKind

# Local committees manage their own area only, never the whole city.
LOCAL_KINDS = frozenset({UnitKind.WARD_COMMITTEE, UnitKind.DISTRICT_COMMITTEE})
HEAD_TITLES = ("chu tich", "giam doc", "chanh thanh tra", "thu truong", "nguoi dung dau", "truong ban",
               "truong cong an", "hieu truong", "vien truong", "tong giam doc",
               "director", "chairman", "chairwoman", "chief inspector", "head of")


def classify_position(text: str | None) -> str:
    """``head``, ``deputy`` or ``staff`` from a position as typed by the citizen or a code.

    "Phó chủ tịch", "phó giám đốc", "cấp phó" are deputies; "chủ tịch", "giám đốc", "chánh thanh
    tra", "người đứng đầu" heads; anything else (including "trưởng phòng", the head of a section
    inside the unit, who is managed by the unit's head) is staff.
    """
    value = fold(text or "").strip()
    if value in {"head", "deputy", "staff"}:
        return value
    if "cap pho" in value or "deputy" in value or "vice" in value:
        return "deputy"
    if any(f"pho {title}" in value for title in HEAD_TITLES):
        return "deputy"
    if "pho truong" in value:
        return "staff"  # phó trưởng phòng: a section deputy
    if any(title in value for title in HEAD_TITLES) or value == "truong":
        return "head"
    return "staff"


@dataclass(frozen=True)
class Facts:
    """What the submission says, as far as competence is concerned."""

    kind: str  # SubmissionKind value
    on: dt.date  # the day the submission is routed
    unit_id: int | None = None  # the unit concerned / that issued the decision
    field_id: int | None = None
    ward_id: int | None = None
    accused_unit_id: int | None = None
    accused_position: str | None = None
    is_second_complaint: bool = False

    @property
    def accused_is_leader(self) -> bool:
        return self.kind == "denunciation" and classify_position(self.accused_position) in {"head", "deputy"}


@dataclass(frozen=True)
class Rule:
    """An editable competence rule (a ``RoutingRule`` row, detached)."""

    code: str
    name: str
    strategy: RuleStrategy
    kind: str | None = None
    second_complaint: bool | None = None
    field_id: int | None = None
    target_unit_id: int | None = None

    def matches(self, facts: Facts) -> bool:
        """Do the rule's conditions hold for ``facts``?"""
        if self.kind is not None and self.kind != facts.kind:
            return False
        if self.second_complaint is not None and self.second_complaint != facts.is_second_complaint:
            return False
        return self.field_id is None or self.field_id == facts.field_id


@dataclass(frozen=True)
class UnitNode:
    """A unit as the rules see it."""

    id: int
    code: str
    kind: UnitKind
    parent_id: int | None
    valid_from: dt.date
    valid_to: dt.date | None = None
    successor_id: int | None = None
    fields: frozenset[int] = frozenset()
    wards: frozenset[int] = frozenset()

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class UnitTree:
    """A snapshot of the organisation: lookups by id, parents, successors, coverage."""

    def __init__(self, nodes: Iterable[UnitNode]) -> None:
        self.nodes = {node.id: node for node in nodes}

    def get(self, unit_id: int | None) -> UnitNode | None:
        return None if unit_id is None else self.nodes.get(unit_id)

    def resolve(self, unit_id: int | None, on: dt.date) -> tuple[UnitNode | None, UnitNode | None]:
        """The unit active on ``on`` for ``unit_id``: itself, or its successor (followed through
        several mergers). Returns (active unit or None, the retired unit replaced or None)."""
        node = self.get(unit_id)
        retired = None
        seen: set[int] = set()
        while node is not None and not node.active_on(on) and node.id not in seen:
            seen.add(node.id)
            retired = retired or node
            node = self.get(node.successor_id)
        if node is not None and not node.active_on(on):
            node = None
        return node, retired

    def superior(self, unit_id: int, on: dt.date) -> UnitNode | None:
        """The direct superior active on ``on`` (skipping retired intermediate levels)."""
        node = self.get(unit_id)
        seen: set[int] = set()
        while node is not None and node.parent_id is not None and node.id not in seen:
            seen.add(node.id)
            node = self.get(node.parent_id)
            if node is not None and node.active_on(on):
                return node
        return None

    def depth(self, unit_id: int) -> int:
        depth, node, seen = 0, self.get(unit_id), set()
        while node is not None and node.parent_id is not None and node.id not in seen:
            seen.add(node.id)
            depth += 1
            node = self.get(node.parent_id)
        return depth

    def root(self, on: dt.date) -> UnitNode | None:
        roots = [n for n in self.nodes.values() if n.parent_id is None and n.active_on(on)]
        return min(roots, key=lambda n: n.id) if roots else None

    def active(self, on: dt.date) -> list[UnitNode]:
        return sorted((n for n in self.nodes.values() if n.active_on(on)), key=lambda n: (n.code, n.id))

    @staticmethod
    def covers(node: UnitNode, ward_id: int) -> bool:
        """Does ``node`` cover the ward (a ward committee covers itself)?"""
        return node.id == ward_id or ward_id in node.wards


@dataclass(frozen=True)
class Proposal:
    """The proposed unit and why: ``reason`` is a strategy (or ``fallback``), ``params`` unit ids
    and the like for the explanation, ``notes`` what changed the plain answer."""

    unit_id: int
    rule_code: str | None
    rule_name: str | None
    reason: str
    params: dict[str, int | str | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Hit:
    unit: UnitNode
    reason: str
    params: dict[str, int | str | None]
    notes: tuple[str, ...] = ()


def _concerned(facts: Facts, tree: UnitTree) -> _Hit | None:
    unit, retired = tree.resolve(facts.unit_id, facts.on)
    if unit is None:
        return None
    notes = ("successor",) if retired else ()
    return _Hit(unit, "concerned_unit", {"unit": unit.id, "retired": retired and retired.id}, notes)


def _concerned_superior(facts: Facts, tree: UnitTree) -> _Hit | None:
    unit, retired = tree.resolve(facts.unit_id, facts.on)
    if unit is None:
        return None
    superior = tree.superior(unit.id, facts.on)
    if superior is None:
        return None
    notes = ("successor",) if retired else ()
    return _Hit(superior, "concerned_superior", {"unit": superior.id, "concerned": unit.id,
                                                 "retired": retired and retired.id}, notes)


def _accused_manager(facts: Facts, tree: UnitTree) -> _Hit | None:
    unit, retired = tree.resolve(facts.accused_unit_id, facts.on)
    if unit is None:
        return None
    notes = ("successor",) if retired else ()
    if not facts.accused_is_leader:
        return _Hit(unit, "accused_manager", {"unit": unit.id, "retired": retired and retired.id}, notes)
    superior = tree.superior(unit.id, facts.on)
    if superior is None:
        return None
    return _Hit(superior, "accused_leader", {"unit": superior.id, "accused_unit": unit.id,
                                             "retired": retired and retired.id}, notes)


def _field_and_area(facts: Facts, tree: UnitTree) -> _Hit | None:
    if facts.field_id is None:
        return None
    managing = [n for n in tree.active(facts.on) if facts.field_id in n.fields]
    ward, _ = tree.resolve(facts.ward_id, facts.on)
    if ward is not None:
        local = [n for n in managing if tree.covers(n, ward.id)]
        if local:
            best = min(local, key=lambda n: (len(n.wards) if n.id != ward.id else 0, -tree.depth(n.id), n.code))
            return _Hit(best, "field_in_ward", {"unit": best.id, "field": facts.field_id, "ward": ward.id})
    citywide = [n for n in managing if not n.wards and n.kind not in LOCAL_KINDS]
    if not citywide:
        return None
    best = min(citywide, key=lambda n: (tree.depth(n.id), n.code))
    return _Hit(best, "field_citywide", {"unit": best.id, "field": facts.field_id})


def _ward(facts: Facts, tree: UnitTree) -> _Hit | None:
    ward, retired = tree.resolve(facts.ward_id, facts.on)
    if ward is None or ward.kind != UnitKind.WARD_COMMITTEE:
        return None
    return _Hit(ward, "ward", {"unit": ward.id, "retired": retired and retired.id}, ("successor",) if retired else ())


def _fixed(rule: Rule, facts: Facts, tree: UnitTree) -> _Hit | None:
    unit, _ = tree.resolve(rule.target_unit_id, facts.on)
    return None if unit is None else _Hit(unit, "fixed", {"unit": unit.id})


_STRATEGIES = {
    RuleStrategy.CONCERNED_UNIT: _concerned,
    RuleStrategy.CONCERNED_SUPERIOR: _concerned_superior,
    RuleStrategy.ACCUSED_MANAGER: _accused_manager,
    RuleStrategy.FIELD_AND_AREA: _field_and_area,
    RuleStrategy.WARD: _ward,
}


def _apply(rule: Rule, facts: Facts, tree: UnitTree) -> _Hit | None:
    if rule.strategy == RuleStrategy.FIXED:
        return _fixed(rule, facts, tree)
    return _STRATEGIES[rule.strategy](facts, tree)


def _forbidden_unit(facts: Facts, tree: UnitTree) -> UnitNode | None:
    """The unit a denunciation must never land in: the accused leader's own unit."""
    if not facts.accused_is_leader:
        return None
    unit, _ = tree.resolve(facts.accused_unit_id, facts.on)
    return unit


def _guard(hit: _Hit, facts: Facts, tree: UnitTree) -> _Hit | None:
    """Send a denunciation against a unit's leader to the superior, never to the unit itself."""
    forbidden = _forbidden_unit(facts, tree)
    if forbidden is None or hit.unit.id != forbidden.id:
        return hit
    superior = tree.superior(forbidden.id, facts.on)
    if superior is None:
        return None
    return _Hit(superior, "accused_leader", {"unit": superior.id, "accused_unit": forbidden.id},
                (*hit.notes, "leader_guard"))


def _fallback(facts: Facts, tree: UnitTree) -> Proposal | None:
    """The city's reception (the root); when the root's own leader is accused, its inspectorate,
    which forwards the đơn outside the city organisation."""
    root = tree.root(facts.on)
    if root is None:
        return None
    forbidden = _forbidden_unit(facts, tree)
    if forbidden is None or forbidden.id != root.id:
        return Proposal(root.id, None, None, "fallback", {"unit": root.id})
    inspectorates = [n for n in tree.active(facts.on)
                     if n.parent_id == root.id and n.kind == UnitKind.INSPECTORATE]
    if not inspectorates:
        return None
    return Proposal(inspectorates[0].id, None, None, "outside", {"unit": inspectorates[0].id,
                                                                 "accused_unit": root.id})


def propose(facts: Facts, rules: Sequence[Rule], tree: UnitTree) -> Proposal | None:
    """The competent unit for ``facts``: the first rule (in order) that yields an active unit,
    else the organisation's root. ``None`` only when no unit may receive it at all."""
    for rule in rules:
        if not rule.matches(facts):
            continue
        hit = _apply(rule, facts, tree)
        hit = hit and _guard(hit, facts, tree)
        if hit is not None:
            return Proposal(hit.unit.id, rule.code, rule.name, hit.reason, hit.params, hit.notes)
    return _fallback(facts, tree)


# The rules of LEGAL.md §5 in their default order (seeded by the demo, used while the table is empty).
DEFAULT_RULES: tuple[tuple[int, Rule], ...] = (
    (10, Rule("KN-1", "Khiếu nại lần đầu: đơn vị ban hành quyết định hoặc thực hiện hành vi",
              RuleStrategy.CONCERNED_UNIT, kind="complaint", second_complaint=False)),
    (20, Rule("KN-2", "Khiếu nại lần hai: cấp trên trực tiếp của đơn vị giải quyết lần đầu",
              RuleStrategy.CONCERNED_SUPERIOR, kind="complaint", second_complaint=True)),
    (30, Rule("TC-1", "Tố cáo: đơn vị quản lý người bị tố cáo (cấp trên nếu là người đứng đầu, cấp phó)",
              RuleStrategy.ACCUSED_MANAGER, kind="denunciation")),
    (40, Rule("TC-2", "Tố cáo vi phạm quản lý nhà nước: đơn vị quản lý lĩnh vực trên địa bàn",
              RuleStrategy.FIELD_AND_AREA, kind="denunciation")),
    (50, Rule("KNPA-1", "Kiến nghị: đơn vị phụ trách lĩnh vực trên địa bàn", RuleStrategy.FIELD_AND_AREA,
              kind="petition")),
    (60, Rule("KNPA-2", "Phản ánh: đơn vị phụ trách lĩnh vực trên địa bàn", RuleStrategy.FIELD_AND_AREA,
              kind="feedback")),
    (70, Rule("CHUNG-1", "Đơn vị được nêu trong đơn", RuleStrategy.CONCERNED_UNIT)),
    (80, Rule("CHUNG-2", "Ủy ban nhân dân phường, xã nơi phát sinh vụ việc", RuleStrategy.WARD)),
)
