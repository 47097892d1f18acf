"""A unit moved under an accused leader: its staff come under that leader and lose the case, as a role
granted there would (found by a security review)."""

from portal.accounts.models import Role
from portal.cases.access import can_view_case
from portal.cases.models import CaseKind, CaseStatus, SubmissionKind
from portal.org import conflicts, services
from tests.factories import make_case, make_submission, make_user


def test_moving_a_unit_under_the_accused_head_conflicts_its_staff(db_session, city):
    health_head = make_user(db_session, roles=[(Role.HEAD, city.health)])
    ward_handler = make_user(db_session, roles=[(Role.HANDLER, city.ward)])
    submission = make_submission(db_session, kind=SubmissionKind.DENUNCIATION, identity={"phone": "0901234567"})
    case = make_case(db_session, unit=city.ward, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.INVESTIGATING)
    conflicts.mark_accused(db_session, case, [health_head.id])
    assert can_view_case(db_session, ward_handler, case)  # not led by the accused: fine
    # Reorganisation: the ward's unit is placed under the health department (the accused's unit).
    services.update_unit(db_session, city.ward, parent_id=city.health.id)
    # A handler granted a role in the ward now would be conflicted (conflicts_after_grant) ...
    newcomer = make_user(db_session)
    from portal.accounts.services import assign_role
    assign_role(db_session, newcomer, Role.HANDLER, city.ward, actor_id=None)
    assert not can_view_case(db_session, newcomer, case)
    # ... and so is the handler already there, now directed by the accused head
    assert not can_view_case(db_session, ward_handler, case)
