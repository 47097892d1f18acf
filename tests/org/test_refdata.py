"""Reference data kept per process (portal.org.refdata): reused while unchanged, never stale."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from portal.org import refdata
from portal.org.models import OrgUnit, ReferenceVersion, RoutingRule, RuleStrategy, UnitField
from portal.org.services import load_rules, load_tree
from tests.factories import make_admin, make_field, make_unit
from tests.helpers import login_as

TODAY = dt.date(2026, 11, 27)


def _names(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.name for u in refdata.snapshot(session).active_units(TODAY)]


def test_the_snapshot_is_reused_while_nothing_changes(db_session, city):
    db_session.commit()
    first = refdata.snapshot(db_session)
    db_session.commit()  # a new transaction reads the token again
    assert refdata.snapshot(db_session) is first
    assert load_tree(db_session) is first.tree
    assert city.health.id in first.tree.nodes


def test_a_derived_value_is_built_once_per_snapshot_and_may_use_another(db_session, city):
    snap = refdata.snapshot(db_session)
    built: list[str] = []

    def outer() -> tuple[str, int]:
        built.append("outer")  # builds a value while building this one (the lock is re-entrant)
        return "outer", snap.derived("inner", lambda: built.append("inner") or 1)

    assert snap.derived("outer", outer) == ("outer", 1)
    assert snap.derived("outer", outer) == ("outer", 1)
    assert built == ["outer", "inner"]


def test_values_derived_per_day_do_not_pile_up_in_a_long_lived_process(db_session, city):
    snap = refdata.snapshot(db_session)
    for offset in range(400):  # a year and more of days with unchanged reference data
        day = TODAY + dt.timedelta(days=offset)
        assert {u.id for u in snap.active_units(day)} >= {city.root.id, city.health.id}
    assert len(snap._derived) <= refdata._DERIVED_KEPT
    assert snap.derived("kept", lambda: "newest") == "newest"  # the newest is kept, the oldest went first
    assert ("active", TODAY) not in snap._derived and "kept" in snap._derived


def test_a_unit_tree_below_a_role_comes_from_the_snapshot_and_follows_changes(db_session, city):
    from portal.accounts.permissions import subtree_ids, unit_and_ancestors

    assert subtree_ids(db_session, [city.health.id]) == {city.health.id, city.hospital.id}
    assert subtree_ids(db_session, [city.root.id]) == {city.root.id, city.inspectorate.id, city.health.id,
                                                       city.hospital.id, city.ward.id, city.other_ward.id}
    clinic = make_unit(db_session, parent=city.hospital, valid_from=TODAY)  # a new level, in this transaction
    assert subtree_ids(db_session, [city.health.id]) == {city.health.id, city.hospital.id, clinic.id}
    assert unit_and_ancestors(db_session, clinic.id) == [clinic.id, city.hospital.id, city.health.id, city.root.id]
    city.hospital.parent_id = city.root.id  # moved out of the department: out of its head's scope at once
    assert subtree_ids(db_session, [city.health.id]) == {city.health.id}
    assert unit_and_ancestors(db_session, clinic.id) == [clinic.id, city.hospital.id, city.root.id]
    assert subtree_ids(db_session, []) == set()


def test_the_submission_form_choices_are_kept_per_snapshot_and_language(db_session, city):
    from portal.intake.services import form_choices

    vietnamese = form_choices(db_session, TODAY)
    assert form_choices(db_session, TODAY) is vietnamese
    english = form_choices(db_session, TODAY, english=True)
    assert english is not vietnamese and english.lookup == vietnamese.lookup
    assert city.health.name in vietnamese.unit_names
    city.health.name = "Sở Y tế (đổi tên)"
    renamed = form_choices(db_session, TODAY)
    assert "Sở Y tế (đổi tên)" in renamed.unit_names and city.health.name not in vietnamese.unit_names


def test_a_change_in_the_transaction_is_seen_at_once_with_a_new_token(db_session, city):
    before = refdata.snapshot(db_session)
    token = refdata.current_token(db_session)
    city.health.name = "Sở Y tế (đổi tên)"  # pending: the next read flushes it first
    assert "Sở Y tế (đổi tên)" in _names(db_session)
    assert refdata.current_token(db_session) != token
    assert refdata.snapshot(db_session) is not before


def test_a_rolled_back_change_leaves_the_earlier_snapshot(db_session, city):
    db_session.commit()
    before = refdata.snapshot(db_session)
    old_name = city.health.name
    city.health.name = "Tên tạm"
    assert "Tên tạm" in _names(db_session)
    db_session.rollback()
    assert refdata.snapshot(db_session) is before
    assert old_name in _names(db_session) and "Tên tạm" not in _names(db_session)


def test_links_fields_and_rules_are_reference_data_too(db_session, city):
    field = make_field(db_session, name="Môi trường")
    db_session.commit()
    assert field.id not in load_tree(db_session).nodes[city.health.id].fields
    db_session.add(UnitField(unit_id=city.health.id, field_id=field.id))
    db_session.commit()
    assert field.id in load_tree(db_session).nodes[city.health.id].fields
    assert "Môi trường" in [f.name for f in refdata.snapshot(db_session).fields]
    db_session.add(RoutingRule(code="fixed-all", name="Mọi đơn về Thanh tra", strategy=RuleStrategy.FIXED,
                               target_unit_id=city.inspectorate.id, position=1))
    db_session.commit()
    assert load_rules(db_session)[0].code == "fixed-all"


def test_an_orm_bulk_statement_changes_the_token(db_session, city):
    db_session.commit()
    token = refdata.current_token(db_session)
    db_session.execute(update(OrgUnit).where(OrgUnit.id == city.health.id).values(name="Sở Y tế mới"),
                       execution_options={"synchronize_session": False})
    assert refdata.current_token(db_session) != token
    assert "Sở Y tế mới" in _names(db_session)


def test_a_change_committed_by_another_process_is_seen_at_its_next_transaction(db_session, city):
    db_session.commit()
    assert "Sở Y tế khác" not in _names(db_session)
    # What another process's flush writes: the row and a new token (plain SQL, no listener here).
    db_session.execute(update(OrgUnit.__table__).where(OrgUnit.__table__.c.id == city.health.id)
                       .values(name="Sở Y tế khác"))
    db_session.execute(update(ReferenceVersion.__table__).values(token="token-from-another-process"))
    db_session.commit()
    assert "Sở Y tế khác" in _names(db_session)


def test_a_unit_added_by_an_administrator_is_offered_on_the_public_form_at_once(client, db_session, city):
    assert "Ban Quản lý chợ Bến Thành" not in client.get("/submit/petition").get_data(as_text=True)
    login_as(client, make_admin(db_session))
    data = {"code": "T-CHO", "name": "Ban Quản lý chợ Bến Thành", "name_en": "Ben Thanh Market Board",
            "kind": "department", "parent_id": str(city.root.id), "valid_from": "2000-01-01", "valid_to": ""}
    response = client.post("/staff/admin/org/units/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client.post("/account/logout")
    assert db_session.scalar(select(OrgUnit.id).where(OrgUnit.code == "T-CHO")) is not None
    assert "Ban Quản lý chợ Bến Thành" in client.get("/submit/petition").get_data(as_text=True)


def test_without_the_version_row_nothing_is_kept(db_session):
    make_unit(db_session, name="Đơn vị A", valid_from=dt.date(2020, 1, 1))
    db_session.flush()
    db_session.execute(ReferenceVersion.__table__.delete())
    first = refdata.snapshot(db_session)
    assert refdata.snapshot(db_session) is not first and "Đơn vị A" in _names(db_session)


def test_a_change_rolled_back_to_a_savepoint_is_not_served(db_session, city):
    """The calendar read inside a savepoint that is then rolled back must not outlive it."""
    from portal.deadlines.models import HolidayOverride, OverrideKind
    from portal.deadlines.services import load_calendar

    day = dt.date(2026, 3, 3)
    assert load_calendar(db_session).is_working_day(day)
    savepoint = db_session.begin_nested()
    db_session.add(HolidayOverride(day=day, kind=OverrideKind.EXTRA_DAY_OFF, note="thử"))
    db_session.flush()
    assert not load_calendar(db_session).is_working_day(day)
    savepoint.rollback()
    assert load_calendar(db_session).is_working_day(day)  # the day off went with the savepoint
