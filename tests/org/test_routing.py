"""Table tests of the pure competence rules (portal.org.routing.propose)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.org.models import RuleStrategy, UnitKind
from portal.org.routing import DEFAULT_RULES, Facts, Rule, UnitNode, UnitTree, classify_position, propose

OLD = dt.date(2000, 1, 1)
REFORM = dt.date(2025, 7, 1)
LAND, HEALTH, POLICE = 1, 2, 3
# id: (code, kind, parent, valid_from, valid_to, successor, fields, wards)
UNITS = {
    1: ("UBND-TP", UnitKind.PROVINCIAL_COMMITTEE, None, OLD, None, None, (), ()),
    2: ("TT-TP", UnitKind.INSPECTORATE, 1, OLD, None, None, (), ()),
    3: ("SNNMT", UnitKind.DEPARTMENT, 1, OLD, None, None, (LAND,), ()),
    4: ("SYT", UnitKind.DEPARTMENT, 1, OLD, None, None, (HEALTH,), ()),
    5: ("BV", UnitKind.PUBLIC_SERVICE_UNIT, 4, OLD, None, None, (HEALTH,), ()),
    6: ("P-BENTHANH", UnitKind.WARD_COMMITTEE, 1, REFORM, None, None, (LAND,), ()),
    7: ("P-SAIGON", UnitKind.WARD_COMMITTEE, 1, REFORM, None, None, (LAND,), ()),
    8: ("Q-1", UnitKind.DISTRICT_COMMITTEE, 1, OLD, REFORM, 7, (LAND,), ()),
    9: ("CATP", UnitKind.POLICE, 1, OLD, None, None, (POLICE,), ()),
    10: ("CATP-TT", UnitKind.POLICE, 9, OLD, None, None, (POLICE,), (6,)),
    11: ("SXD-OLD", UnitKind.DEPARTMENT, 1, OLD, dt.date(2026, 6, 1), None, (), ()),  # retired mid-year, no successor
}
TREE = UnitTree(UnitNode(i, c, k, p, f, t, s, frozenset(fl), frozenset(w)) for i, (c, k, p, f, t, s, fl, w) in
                UNITS.items())
RULES = [rule for _position, rule in DEFAULT_RULES]
DAY = dt.date(2026, 9, 15)

CASES = [
    # (description, facts, expected unit code, expected reason)
    ("first complaint -> the issuing unit", {"kind": "complaint", "unit_id": 3}, "SNNMT", "concerned_unit"),
    ("second complaint -> the issuer's direct superior",
     {"kind": "complaint", "unit_id": 5, "is_second_complaint": True}, "SYT", "concerned_superior"),
    ("second complaint against a ward -> the city", {"kind": "complaint", "unit_id": 6, "is_second_complaint": True},
     "UBND-TP", "concerned_superior"),
    ("denunciation of staff -> the managing unit",
     {"kind": "denunciation", "accused_unit_id": 5, "accused_position": "bác sĩ"}, "BV", "accused_manager"),
    ("denunciation of the head -> the superior",
     {"kind": "denunciation", "accused_unit_id": 5, "accused_position": "Giám đốc bệnh viện"}, "SYT", "accused_leader"),
    ("denunciation of a deputy -> the superior",
     {"kind": "denunciation", "accused_unit_id": 6, "accused_position": "Phó Chủ tịch UBND phường"}, "UBND-TP",
     "accused_leader"),
    ("denunciation of a section head stays in the unit",
     {"kind": "denunciation", "accused_unit_id": 3, "accused_position": "Trưởng phòng"}, "SNNMT", "accused_manager"),
    ("state-management violation by field and ward",
     {"kind": "denunciation", "field_id": LAND, "ward_id": 6}, "P-BENTHANH", "field_in_ward"),
    ("petition by field, no ward -> the city-wide department", {"kind": "petition", "field_id": HEALTH}, "SYT",
     "field_citywide"),
    ("feedback by field in a ward covered by a division", {"kind": "feedback", "field_id": POLICE, "ward_id": 6},
     "CATP-TT", "field_in_ward"),
    ("feedback by field in a ward nobody covers -> city-wide", {"kind": "feedback", "field_id": POLICE, "ward_id": 7},
     "CATP", "field_citywide"),
    ("petition with a named unit and no field", {"kind": "petition", "unit_id": 4}, "SYT", "concerned_unit"),
    ("feedback with only a ward -> the ward", {"kind": "feedback", "ward_id": 7}, "P-SAIGON", "ward"),
    ("nothing known -> the root", {"kind": "feedback"}, "UBND-TP", "fallback"),
    ("complaint about a retired district -> its successor ward", {"kind": "complaint", "unit_id": 8}, "P-SAIGON",
     "concerned_unit"),
    ("complaint about a unit retired mid-year without successor -> not proposed",
     {"kind": "complaint", "unit_id": 11}, "UBND-TP", "fallback"),
    ("denunciation of the city chairman -> the inspectorate, to forward it",
     {"kind": "denunciation", "accused_unit_id": 1, "accused_position": "Chủ tịch UBND Thành phố"}, "TT-TP", "outside"),
]


@pytest.mark.parametrize(("description", "facts", "code", "reason"), CASES, ids=[c[0] for c in CASES])
def test_competence_table(description, facts, code, reason):
    proposal = propose(Facts(on=DAY, **facts), RULES, TREE)
    assert proposal is not None
    assert (TREE.get(proposal.unit_id).code, proposal.reason) == (code, reason), description


def test_a_retired_unit_is_proposed_before_its_retirement_only():
    before = propose(Facts(kind="complaint", unit_id=11, on=dt.date(2026, 5, 31)), RULES, TREE)
    after = propose(Facts(kind="complaint", unit_id=11, on=dt.date(2026, 6, 1)), RULES, TREE)
    assert TREE.get(before.unit_id).code == "SXD-OLD"
    assert TREE.get(after.unit_id).code == "UBND-TP"


def test_wards_are_not_proposed_before_the_reform():
    proposal = propose(Facts(kind="feedback", field_id=LAND, ward_id=6, on=dt.date(2025, 6, 30)), RULES, TREE)
    assert TREE.get(proposal.unit_id).code == "SNNMT"  # the ward committee did not exist yet


def test_a_denunciation_of_a_head_never_lands_in_the_head_s_unit_whatever_the_rules():
    # A badly ordered rule set that would send it by field to the accused head's own ward.
    rules = [Rule("X", "field first", RuleStrategy.FIELD_AND_AREA), *RULES]
    facts = Facts(kind="denunciation", on=DAY, field_id=LAND, ward_id=6, accused_unit_id=6,
                  accused_position="Chủ tịch")
    proposal = propose(facts, rules, TREE)
    assert TREE.get(proposal.unit_id).code == "UBND-TP"
    assert "leader_guard" in proposal.notes


def test_rules_are_tried_in_order_and_conditions_filter():
    fixed = Rule("F", "health to the inspectorate", RuleStrategy.FIXED, kind="petition", field_id=HEALTH,
                 target_unit_id=2)
    assert propose(Facts(kind="petition", field_id=HEALTH, on=DAY), [fixed, *RULES], TREE).unit_id == 2
    assert propose(Facts(kind="petition", field_id=LAND, on=DAY), [fixed, *RULES], TREE).unit_id == 3
    assert propose(Facts(kind="feedback", field_id=HEALTH, on=DAY), [fixed, *RULES], TREE).unit_id == 4


def test_no_unit_at_all():
    assert propose(Facts(kind="feedback", on=DAY), RULES, UnitTree([])) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Chủ tịch UBND phường", "head"), ("giam doc so", "head"), ("Phó Giám đốc", "deputy"), ("cấp phó", "deputy"),
    ("Chánh Thanh tra", "head"), ("Trưởng phòng", "staff"), ("Phó trưởng phòng", "staff"), ("chuyên viên", "staff"),
    ("Trưởng Công an phường", "head"), ("Phó Trưởng Công an phường", "deputy"), ("Hiệu trưởng", "head"),
    ("Phó Hiệu trưởng", "deputy"), ("Tổng Giám đốc", "head"), ("head", "head"), ("deputy", "deputy"),
    (None, "staff"), ("Deputy Director", "deputy"),
])
def test_position_classification(text, expected):
    assert classify_position(text) == expected
