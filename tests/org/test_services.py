"""Organisation services: validation, appointments, audit, and routing of new submissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.cases.access import visible_cases_clause
from portal.cases.models import Case, SubmissionKind
from portal.cases.services import receiving_unit_id, register_submission
from portal.org import services
from portal.org.models import UnitKind
from tests.factories import approve_as_second_admin, make_case, make_rule, make_submission, make_unit, make_user
from tests.org.conftest import OLD


def audit_actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_unit_is_validated_and_audited(db_session, city):
    unit = services.create_unit(db_session, code="T-NEW", name="Sở Mới", kind=UnitKind.DEPARTMENT,
                                parent_id=city.root.id, valid_from=dt.date(2026, 1, 1), actor_id=None)
    assert unit.parent_id == city.root.id
    assert "org.unit.create" in audit_actions(db_session)


@pytest.mark.parametrize(("changes", "message"), [
    ({"valid_to": dt.date(2019, 1, 1)}, "Ngày kết thúc phải sau ngày bắt đầu"),
    ({"valid_from": dt.date(1999, 1, 1)}, "trước đơn vị cấp trên"),
    ({"code": "T-SYT"}, "đã được dùng"),
    ({"name": "  "}, "bắt buộc"),
])
def test_bad_unit_values_are_refused(db_session, city, changes, message):
    values = {"code": "T-X", "name": "X", "kind": UnitKind.DEPARTMENT, "parent_id": city.health.id,
              "valid_from": dt.date(2020, 1, 1)} | changes
    with pytest.raises(services.OrgError, match=message):
        services.create_unit(db_session, **values)


def test_no_cycles(db_session, city):
    with pytest.raises(services.OrgError, match="chính nó"):
        services.update_unit(db_session, city.health, parent_id=city.hospital.id)
    with pytest.raises(services.OrgError, match="chính nó"):
        services.update_unit(db_session, city.health, parent_id=city.health.id)
    db_session.refresh(city.health)
    assert city.health.parent_id == city.root.id


def test_a_second_root_is_refused(db_session, city):
    with pytest.raises(services.OrgError, match="một đơn vị gốc"):
        services.create_unit(db_session, code="T-ROOT2", name="Gốc 2", kind=UnitKind.OTHER, parent_id=None,
                             valid_from=OLD)


def test_move_and_rename_are_audited_with_the_change(db_session, city):
    diff = services.update_unit(db_session, city.hospital, parent_id=city.root.id, name="Bệnh viện Thành phố")
    assert diff["parent_id"] == [city.health.id, city.root.id]
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "org.unit.move" and entry.object_id == str(city.hospital.id)
    assert services.update_unit(db_session, city.hospital, name="Bệnh viện Thành phố") == {}


def test_a_parent_cannot_be_retired_before_its_active_children(db_session, city):
    with pytest.raises(services.OrgError, match="T-BV"):
        services.retire_unit(db_session, city.health, on=dt.date(2026, 6, 1))
    services.retire_unit(db_session, city.hospital, on=dt.date(2026, 6, 1))
    services.retire_unit(db_session, city.health, on=dt.date(2026, 6, 1), successor_id=city.root.id)
    assert city.health.valid_to == dt.date(2026, 6, 1) and city.health.successor_id == city.root.id
    assert audit_actions(db_session).count("org.unit.retire") == 2


def test_a_child_cannot_outlive_its_parent(db_session, city):
    services.retire_unit(db_session, city.hospital, on=dt.date(2026, 6, 1))
    services.retire_unit(db_session, city.health, on=dt.date(2026, 6, 1))
    with pytest.raises(services.OrgError, match="sau khi đơn vị cấp trên"):
        services.create_unit(db_session, code="T-LATE", name="Muộn", kind=UnitKind.OTHER, parent_id=city.health.id,
                             valid_from=dt.date(2026, 1, 1))


def test_one_head_at_a_time(db_session, city):
    first, second = make_user(db_session, roles=[(Role.HANDLER, city.health)]), make_user(
        db_session, roles=[(Role.HANDLER, city.health)])
    admin = make_user(db_session, roles=[(Role.ADMIN, city.root)])
    proposed = services.appoint(db_session, city.health, first, Role.HEAD, requested_by=admin)
    assert services.head_id(db_session, city.health.id) is None  # a proposal, until a second admin approves
    approve_as_second_admin(db_session, proposed)
    assert services.head_id(db_session, city.health.id) == first.id
    with pytest.raises(services.OrgError, match="đã có người đứng đầu"):
        services.appoint(db_session, city.health, second, Role.HEAD, requested_by=admin)
    replacing = services.appoint(db_session, city.health, second, Role.HEAD, requested_by=admin, replace=True)
    assert services.head_id(db_session, city.health.id) == first.id  # the unit keeps its head while it waits
    approve_as_second_admin(db_session, replacing)
    assert services.head_id(db_session, city.health.id) == second.id
    assert [a.role for a in services.leaders(db_session, city.health.id)] == [Role.HEAD]
    actions = audit_actions(db_session)
    assert actions.count("role.requested") == 2
    assert actions.count("role.granted") == 2 and actions.count("role.revoked") == 1


def test_deputies_and_refusals(db_session, city):
    deputy = make_user(db_session, roles=[(Role.HANDLER, city.health)])
    admin = make_user(db_session, roles=[(Role.ADMIN, city.root)])
    approve_as_second_admin(db_session, services.appoint(db_session, city.health, deputy, Role.DEPUTY,
                                                         requested_by=admin))
    with pytest.raises(services.OrgError, match="đã là lãnh đạo"):
        services.appoint(db_session, city.health, deputy, Role.HEAD, requested_by=admin)
    with pytest.raises(services.OrgError, match="cán bộ"):
        services.appoint(db_session, city.health, make_user(db_session), Role.HEAD, requested_by=admin)  # a citizen
    with pytest.raises(services.OrgError):
        services.appoint(db_session, city.health, deputy, Role.HANDLER, requested_by=admin)
    with pytest.raises(services.OrgError, match="tự cấp"):
        services.appoint(db_session, city.health, admin, Role.DEPUTY, requested_by=admin)


def test_fields_and_wards_of_a_unit(db_session, city):
    assert services.set_unit_fields(db_session, city.hospital, [city.f_health.id])
    assert not services.set_unit_fields(db_session, city.hospital, [city.f_health.id])
    assert services.set_unit_wards(db_session, city.hospital, [city.ward.id])
    with pytest.raises(services.OrgError, match="phường"):
        services.set_unit_wards(db_session, city.hospital, [city.health.id])
    assert "org.unit.wards" in audit_actions(db_session)


def test_rules_are_validated(db_session, city):
    with pytest.raises(services.OrgError, match="đơn vị nhận"):
        services.save_rule(db_session, None, code="FX", name="Cố định", strategy="fixed", target_unit_id=None)
    rule = services.save_rule(db_session, None, code="FX", name="Cố định", strategy="fixed",
                              target_unit_id=city.inspectorate.id, position=1)
    assert services.rules_in_order(db_session)[0].id == rule.id
    with pytest.raises(services.OrgError, match="đã được dùng"):
        services.save_rule(db_session, None, code="FX", name="Khác", strategy="ward")


# --- new submissions land in the competent unit's queue -------------------------------------------

def test_new_petition_lands_in_the_unit_managing_its_field(db_session, city):
    submission = make_submission(db_session, kind=SubmissionKind.PETITION, field_id=city.f_health.id)
    case = register_submission(db_session, submission)
    assert case.unit_id == city.health.id
    intake = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])
    assert db_session.scalar(select(Case.id).where(Case.id == case.id, visible_cases_clause(db_session, intake)))


def test_denunciation_against_a_head_never_lands_in_the_head_s_unit(db_session, city):
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, accused_unit_id=city.hospital.id,
                                 accused_position="Giám đốc Bệnh viện", unit_id=city.hospital.id,
                                 field_id=city.f_health.id)
    assert receiving_unit_id(db_session, submission) == city.health.id
    staff = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, accused_unit_id=city.hospital.id,
                            accused_position="điều dưỡng")
    assert receiving_unit_id(db_session, staff) == city.hospital.id


def test_second_complaint_goes_to_the_superior(db_session, city):
    submission = make_submission(db_session, kind=SubmissionKind.COMPLAINT, unit_id=city.ward.id,
                                 is_second_complaint=True)
    assert receiving_unit_id(db_session, submission) == city.root.id


def test_unit_retired_mid_year_old_cases_keep_it_new_ones_do_not_get_it(db_session, city):
    old_case = make_case(db_session, unit=city.hospital)
    services.retire_unit(db_session, city.hospital, on=services.today() - dt.timedelta(days=1))
    submission = make_submission(db_session, kind=SubmissionKind.COMPLAINT, unit_id=city.hospital.id)
    new_case = register_submission(db_session, submission)
    assert new_case.unit_id == city.root.id  # fallback: no successor
    db_session.refresh(old_case)
    assert old_case.unit_id == city.hospital.id
    handler = make_user(db_session, roles=[(Role.HANDLER, city.hospital)])
    visible = set(db_session.scalars(select(Case.id).where(visible_cases_clause(db_session, handler))))
    assert old_case.id in visible and new_case.id not in visible


def test_retired_unit_with_a_successor(db_session, city):
    services.retire_unit(db_session, city.hospital, on=services.today(), successor_id=city.health.id)
    submission = make_submission(db_session, kind=SubmissionKind.COMPLAINT, unit_id=city.hospital.id)
    proposal = services.propose_for_submission(db_session, submission)
    assert proposal.unit_id == city.health.id and "successor" in proposal.notes
    assert "thôi hoạt động" in services.explain(db_session, proposal)


def test_stored_rules_replace_the_defaults(db_session, city):
    for rule in services.rules_in_order(db_session):
        rule.is_active = False
    make_rule(db_session, strategy="fixed", target_unit_id=city.inspectorate.id)
    submission = make_submission(db_session, kind=SubmissionKind.FEEDBACK, unit_id=city.health.id)
    assert receiving_unit_id(db_session, submission) == city.inspectorate.id


def test_without_stored_rules_the_named_unit_is_used(db_session):
    unit = make_unit(db_session)
    submission = make_submission(db_session, unit_id=unit.id)
    assert receiving_unit_id(db_session, submission) == unit.id


def test_every_proposal_is_explained(db_session, city, app):
    submission = make_submission(db_session, kind=SubmissionKind.PETITION, field_id=city.f_health.id)
    proposal = services.propose_for_submission(db_session, submission)
    text = services.explain(db_session, proposal)
    assert text.startswith("Đề xuất theo quy tắc") and city.health.name in text
    with app.test_request_context("/?lang=en"):
        english = services.explain(db_session, proposal, "en")
    assert english.startswith("Proposed") and city.health.name_en in english


@pytest.mark.parametrize("typed", ["T-BV", None])
def test_denunciation_of_a_head_from_the_public_form(db_session, city, typed):
    """The public form gives the accused's unit as text: resolved when it names one unit; when it
    does not, the unit the đơn is about is assumed to be the accused head's."""
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, unit_id=city.hospital.id,
                                 accused_unit_text=typed or "một bệnh viện", accused_position="Giám đốc")
    assert receiving_unit_id(db_session, submission) == city.health.id


def test_accused_unit_typed_with_abbreviations(db_session, city):
    city.ward.name = "Ủy ban nhân dân phường Tân Định"
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, accused_unit_text="ubnd phuong tan dinh",
                                 accused_position="cán bộ địa chính")
    assert receiving_unit_id(db_session, submission) == city.ward.id


def test_routing_explanation_of_a_case(db_session, city):
    submission = make_submission(db_session, kind=SubmissionKind.PETITION, field_id=city.f_health.id)
    case = register_submission(db_session, submission)
    text = services.routing_explanation(db_session, case)
    assert "Đề xuất theo quy tắc" in text and city.health.name in text


def test_complaint_routed_by_the_typed_decision_issuer(db_session, city):
    city.ward.name = "Ủy ban nhân dân phường Tân Định"
    first = make_submission(db_session, kind=SubmissionKind.COMPLAINT, decision_issuer="UBND phường Tân Định")
    second = make_submission(db_session, kind=SubmissionKind.COMPLAINT, decision_issuer="UBND phường Tân Định",
                             is_second_complaint=True)
    assert receiving_unit_id(db_session, first) == city.ward.id
    assert receiving_unit_id(db_session, second) == city.root.id
