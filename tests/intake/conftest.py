"""Fixtures for intake and tracking tests: an organisation (the private ``storage`` is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from portal.org.models import UnitKind
from tests.factories import make_field, make_unit


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    """A small city: the people's committee, a department, two wards and a field."""
    root = make_unit(db_session, code="UBND-T", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                     kind=UnitKind.PROVINCIAL_COMMITTEE)
    dept = make_unit(db_session, parent=root, code="SXD", name="Sở Xây dựng", name_en="Department of Construction")
    ward = make_unit(db_session, parent=root, code="P-BT", name="Ủy ban nhân dân phường Bến Thành",
                     name_en="Ben Thanh Ward People's Committee", kind=UnitKind.WARD_COMMITTEE)
    field = make_field(db_session, code="land-t", name="Đất đai", name_en="Land")
    return {"root": root, "dept": dept, "ward": ward, "field": field}
