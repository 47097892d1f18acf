"""After a forward, the receiving unit reads the reporter's messages but not the sending unit's
internal notes, and the related-cases panel names only cases the reader may open (security review,
finding 3)."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.cases.models import CaseKind, CaseStatus, Message, MessageKind
from portal.cases.services import related_cases
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import login_as


@pytest.fixture
def forwarded(db_session):
    root = make_unit(db_session)
    sender = make_unit(db_session, parent=root, name="Phường gửi")
    receiver = make_unit(db_session, parent=root, name="Sở nhận")
    submission = make_submission(db_session, unit_id=sender.id, identity={"phone": "0901234567"})
    source = make_case(db_session, unit=sender, submission=submission, reference="VV-NGUON-01",
                       kind=CaseKind.DENUNCIATION, status=CaseStatus.FORWARDED)
    child = make_case(db_session, unit=receiver, submission=submission, reference="VV-NGUON-01-C1",
                      kind=CaseKind.DENUNCIATION, status=CaseStatus.RECEIVED, forwarded_from_id=source.id)
    db_session.add_all([
        Message(submission_id=submission.id, case_id=source.id, kind=MessageKind.INTERNAL,
                body="Ghi chú nội bộ của phường gửi"),
        Message(submission_id=submission.id, case_id=source.id, kind=MessageKind.TO_REPORTER,
                body="Phường đã nhận đơn của bạn"),
        Message(submission_id=submission.id, case_id=None, kind=MessageKind.FROM_REPORTER,
                body="Tôi bổ sung thông tin"),
        Message(submission_id=submission.id, case_id=child.id, kind=MessageKind.INTERNAL,
                body="Ghi chú nội bộ của sở nhận"),
    ])
    db_session.flush()
    return {"source": source, "child": child,
            "receiver_head": make_user(db_session, roles=[(Role.HEAD, receiver)]),
            "sender_head": make_user(db_session, roles=[(Role.HEAD, sender)]),
            "city_head": make_user(db_session, roles=[(Role.HEAD, root)])}


def test_internal_notes_stay_with_their_case(client, forwarded):
    login_as(client, forwarded["receiver_head"])
    body = client.get(f"/staff/cases/{forwarded['child'].id}").get_data(as_text=True)
    assert "Ghi chú nội bộ của sở nhận" in body
    assert "Ghi chú nội bộ của phường gửi" not in body
    assert "Phường đã nhận đơn của bạn" in body and "Tôi bổ sung thông tin" in body  # the reporter's thread
    login_as(client, forwarded["sender_head"])
    body = client.get(f"/staff/cases/{forwarded['source'].id}").get_data(as_text=True)
    assert "Ghi chú nội bộ của phường gửi" in body and "Ghi chú nội bộ của sở nhận" not in body


def test_related_cases_name_only_cases_the_reader_may_open(client, db_session, forwarded):
    source, child = forwarded["source"], forwarded["child"]
    assert related_cases(db_session, child, forwarded["receiver_head"])["forwarded_from"] == []
    assert related_cases(db_session, source, forwarded["sender_head"])["forwarded_to"] == []
    assert related_cases(db_session, child, forwarded["city_head"])["forwarded_from"] == [source]
    login_as(client, forwarded["receiver_head"])
    body = client.get(f"/staff/cases/{child.id}").get_data(as_text=True)
    assert "VV-NGUON-01<" not in body and f"/staff/cases/{source.id}\"" not in body
    login_as(client, forwarded["city_head"])
    assert f"/staff/cases/{source.id}\"" in client.get(f"/staff/cases/{child.id}").get_data(as_text=True)
