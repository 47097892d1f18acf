"""A conflict of interest holds on every case that shows the same đơn: the parts of a split đơn, the
forwarded original, a duplicate merged into the case (found by a security review: the accused opened
the other part and revealed the denouncer)."""

from portal.accounts.models import Role
from portal.cases.access import can_view_case, may_reveal_identity
from portal.cases.lifecycle import TransitionInput, apply_transition
from portal.cases.models import Case, CaseKind, CaseStatus, SubmissionKind
from portal.org import conflicts
from tests.factories import make_case, make_submission, make_user
from tests.helpers import login_as


def _denunciation(session, unit):
    submission = make_submission(session, kind=SubmissionKind.DENUNCIATION,
                                 identity={"phone": "0901234567", "address": "12 Lê Lợi"},
                                 content="Tố cáo giám đốc bệnh viện nhận tiền; và việc thứ hai")
    return make_case(session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.IN_REVIEW)


def _split_in_two(session, officer, case):  # type: ignore[no-untyped-def]
    event = apply_transition(session, officer, case, "split",
                             TransitionInput(parts=("Giám đốc nhận tiền", "Việc thứ hai")), version=case.version)
    return [session.get(Case, i) for i in event.data["children"]]

def test_accused_marked_on_a_split_part_still_sees_the_other_part_and_reveals(db_session, city, client):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.hospital)])
    head = make_user(db_session, roles=[(Role.HEAD, city.hospital)])
    case = _denunciation(db_session, city.hospital)
    part1, part2 = _split_in_two(db_session, officer, case)
    # The officer, handling part 1, records the hospital's head as the accused.
    conflicts.mark_accused(db_session, part1, [head.id], actor_id=officer.id)
    db_session.commit()
    assert not can_view_case(db_session, head, part1)
    # ... yet the same đơn, its identity and its reporter messages stay open to the accused head:
    login_as(client, head)
    leaks = {c.reference: client.get(f"/staff/cases/{c.id}").status_code for c in (case, part2)}
    revealed = client.post(f"/staff/cases/{part2.id}/reveal", data={"reason": "Xác minh nội dung"})
    assert leaks == {case.reference: 404, part2.reference: 404}, leaks
    assert revealed.status_code == 404 and b"0901234567" not in revealed.data


def test_accused_marked_after_forwarding_keeps_the_original_case(db_session, city, client):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.root)])
    health_officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])
    case = _denunciation(db_session, city.root)
    event = apply_transition(db_session, officer, case, "forward",
                             TransitionInput(target_unit_id=city.health.id, text="Chuyển Sở Y tế"),
                             version=case.version)
    child = db_session.get(Case, event.data["to_case_id"])
    # The department finds that the city officer who forwarded it is the one denounced.
    conflicts.mark_accused(db_session, child, [officer.id], actor_id=health_officer.id)
    db_session.commit()
    assert not can_view_case(db_session, officer, child)
    assert not can_view_case(db_session, officer, case), "the accused still opens the đơn through the original"


def test_head_accused_on_one_part_reveals_the_denouncer_through_another(db_session, city, client):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.hospital)])
    head = make_user(db_session, roles=[(Role.HEAD, city.hospital)])
    case = _denunciation(db_session, city.hospital)
    part1, part2 = _split_in_two(db_session, officer, case)
    conflicts.mark_accused(db_session, part1, [head.id], actor_id=officer.id)
    db_session.commit()
    assert may_reveal_identity(db_session, head, part1) is False
    login_as(client, head)
    revealed = client.post(f"/staff/cases/{part2.id}/reveal", data={"reason": "Xác minh nội dung"})
    assert b"0901234567" not in revealed.data, "the accused head read the denouncer's phone number"


def test_duplicate_merged_into_a_case_with_an_accused_stays_open_to_the_accused(db_session, city, client):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])  # not led by the accused
    head = make_user(db_session, roles=[(Role.HEAD, city.hospital)])
    first = _denunciation(db_session, city.hospital)
    conflicts.mark_accused(db_session, first, [head.id], actor_id=officer.id)
    # A second citizen denounces the same head; the officer merges it into the first case.
    second = _denunciation(db_session, city.hospital)
    apply_transition(db_session, officer, second, "merge",
                     TransitionInput(target_case_reference=first.reference), version=second.version)
    db_session.commit()
    assert not can_view_case(db_session, head, first)
    login_as(client, head)
    assert client.get(f"/staff/cases/{second.id}").status_code == 404


def test_clearing_the_accused_on_one_part_clears_it_on_every_part(db_session, city):
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.hospital)])
    head = make_user(db_session, roles=[(Role.HEAD, city.hospital)])
    case = _denunciation(db_session, city.hospital)
    part1, part2 = _split_in_two(db_session, officer, case)
    conflicts.mark_accused(db_session, part2, [head.id], actor_id=officer.id)
    assert not any(can_view_case(db_session, head, c) for c in (case, part1, part2))
    # a mistake, corrected by an officer who may edit every part
    conflicts.mark_accused(db_session, part1, [], actor_id=officer.id,
                           may_remove=lambda c: c.unit_id == city.hospital.id)
    assert all(can_view_case(db_session, head, c) for c in (case, part1, part2))
    assert all(conflicts.accused_user_ids(db_session, c) == set() for c in (case, part1, part2))



def test_an_officer_of_the_forwarding_unit_cannot_clear_the_accused_the_competent_unit_recorded(db_session, city):
    ward_officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.ward)])
    health_officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, city.health)])
    accused = make_user(db_session, roles=[(Role.HANDLER, city.health)])
    case = _denunciation(db_session, city.ward)
    event = apply_transition(db_session, ward_officer, case, "forward",
                             TransitionInput(target_unit_id=city.health.id, text="Chuyển"), version=None)
    child = db_session.get(Case, event.data["to_case_id"])
    conflicts.mark_accused(db_session, child, [accused.id], actor_id=health_officer.id,
                           may_remove=lambda c: c.unit_id == city.health.id)
    assert not can_view_case(db_session, accused, child) and not can_view_case(db_session, accused, case)
    # the ward's officer clears the list on the ward's own (forwarded) case: not on the department's
    conflicts.mark_accused(db_session, case, [], actor_id=ward_officer.id,
                           may_remove=lambda c: can_view_case(db_session, ward_officer, c))
    assert conflicts.accused_user_ids(db_session, child) == {accused.id}
    assert not can_view_case(db_session, accused, child)
