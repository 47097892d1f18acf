"""The demo city: the tree after the 2025 reform, idempotent, and routed sensibly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.cases.models import SubmissionKind
from portal.org import demo, services
from portal.org.models import OrgUnit, RoutingRule, UnitKind
from portal.org.routing import Facts
from tests.factories import make_submission


def code(session, unit_id: int) -> str:
    return session.get(OrgUnit, unit_id).code


def test_demo_city_is_complete_and_idempotent(db_session):
    demo.seed(db_session)
    count = db_session.scalar(select(func.count(OrgUnit.id)))
    assert demo.seed(db_session) == []
    assert db_session.scalar(select(func.count(OrgUnit.id))) == count
    today = dt.date(2026, 9, 1)
    active = [u for u in db_session.scalars(select(OrgUnit)) if u.is_active_on(today)]
    kinds = [u.kind for u in active]
    assert kinds.count(UnitKind.WARD_COMMITTEE) >= 20 and kinds.count(UnitKind.DEPARTMENT) >= 9
    assert UnitKind.DISTRICT_COMMITTEE not in kinds  # no district level after the reform
    for unit_code in ("UBND-TP", "TT-TP", "SXD", "P-BENTHANH", "P-SAIGON", "CATP"):
        assert services.unit_by_code(db_session, unit_code) is not None
    assert db_session.scalar(select(func.count(RoutingRule.id))) >= 6


def test_demo_routing(db_session):
    demo.seed(db_session)
    s = db_session
    by = {u.code: u for u in s.scalars(select(OrgUnit))}
    field = dict(s.execute(select(demo.Field.code, demo.Field.id)).all())
    on = dt.date(2026, 9, 1)
    cases = [
        (Facts("petition", on, field_id=field["health"]), "SYT"),
        (Facts("feedback", on, field_id=field["land"], ward_id=by["P-BENTHANH"].id), "P-BENTHANH"),
        (Facts("feedback", on, field_id=field["police"], ward_id=by["P-BENTHANH"].id), "CATP-TT"),
        (Facts("feedback", on, field_id=field["police"], ward_id=by["P-GOVAP"].id), "CATP"),
        (Facts("complaint", on, unit_id=by["Q-1"].id), "P-SAIGON"),  # the retired district's successor
        (Facts("complaint", on, unit_id=by["P-BENTHANH"].id, is_second_complaint=True), "UBND-TP"),
        (Facts("denunciation", on, accused_unit_id=by["P-BENTHANH"].id, accused_position="Chủ tịch UBND phường"),
         "UBND-TP"),
        (Facts("denunciation", on, accused_unit_id=by["SXD"].id, accused_position="chuyên viên"), "SXD"),
    ]
    for facts, expected in cases:
        assert code(s, services.propose_unit(s, facts).unit_id) == expected, facts


def test_demo_submission_lands_in_the_ward(db_session):
    demo.seed(db_session)
    ward = services.unit_by_code(db_session, "P-BENTHANH")
    land = db_session.scalar(select(demo.Field.id).where(demo.Field.code == "land"))
    submission = make_submission(db_session, kind=SubmissionKind.FEEDBACK, field_id=land, ward_id=ward.id)
    from portal.cases.services import register_submission

    assert register_submission(db_session, submission).unit_id == ward.id
