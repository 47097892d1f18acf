"""A small city for the organisation tests: root, inspectorate, a department with a hospital,
two wards, a police force, fields, and the default competence rules stored as rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from portal.org.demo import seed_rules
from portal.org.models import Field, OrgUnit, UnitField, UnitKind
from tests.factories import make_field, make_unit

OLD = dt.date(2000, 1, 1)
REFORM = dt.date(2025, 7, 1)


@dataclass
class City:
    root: OrgUnit
    inspectorate: OrgUnit
    health: OrgUnit
    hospital: OrgUnit
    ward: OrgUnit
    other_ward: OrgUnit
    f_health: Field
    f_land: Field


@pytest.fixture
def city(db_session) -> City:
    s = db_session
    root = make_unit(s, kind=UnitKind.PROVINCIAL_COMMITTEE, valid_from=OLD, code="T-ROOT")
    insp = make_unit(s, parent=root, kind=UnitKind.INSPECTORATE, valid_from=OLD, code="T-TT")
    health = make_unit(s, parent=root, kind=UnitKind.DEPARTMENT, valid_from=OLD, code="T-SYT")
    hospital = make_unit(s, parent=health, kind=UnitKind.PUBLIC_SERVICE_UNIT, valid_from=OLD, code="T-BV")
    ward = make_unit(s, parent=root, kind=UnitKind.WARD_COMMITTEE, valid_from=REFORM, code="T-P1")
    other = make_unit(s, parent=root, kind=UnitKind.WARD_COMMITTEE, valid_from=REFORM, code="T-P2")
    f_health, f_land = make_field(s, code="t-health"), make_field(s, code="t-land")
    s.add_all([UnitField(unit_id=health.id, field_id=f_health.id), UnitField(unit_id=ward.id, field_id=f_land.id),
               UnitField(unit_id=other.id, field_id=f_land.id)])
    s.flush()
    seed_rules(s)
    return City(root, insp, health, hospital, ward, other, f_health, f_land)
