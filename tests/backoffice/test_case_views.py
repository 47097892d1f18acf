"""The case page and its actions through HTTP: identity masking and audited reveal, optimistic
concurrency, refused transitions, failed forms keeping input, messages, notices."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Message,
    MessageKind,
    NoticeTemplate,
    SubmissionKind,
)
from portal.db import now_utc
from portal.deadlines.clock import local_today
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import login_as

NAME = "Lê Thị Tố Giác"
TODAY = local_today().isoformat()  # the day a recorded step was done (the portal's day)


@pytest.fixture
def setup(db_session):
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root, name="Sở Xây dựng")
    other = make_unit(db_session, parent=root, name="Sở Tài nguyên")
    head = make_user(db_session, roles=[(Role.HEAD, unit)], full_name="Trưởng Sở")
    deputy = make_user(db_session, roles=[(Role.DEPUTY, unit)])
    handler = make_user(db_session, roles=[(Role.HANDLER, unit)], full_name="Cán bộ Thụ Lý")
    officer = make_user(db_session, roles=[(Role.INTAKE_OFFICER, unit)])
    other_head = make_user(db_session, roles=[(Role.HEAD, other)])
    submission = make_submission(db_session, unit_id=unit.id, identity={"full_name": NAME, "phone": "0901234567"},
                                 content="<script>alert(1)</script> Xây dựng trái phép\ndòng hai")
    case = make_case(db_session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.PROPOSED, identity_verified_at=now_utc())  # the head checked who it is
    return {"unit": unit, "other": other, "head": head, "deputy": deputy, "handler": handler, "officer": officer,
            "other_head": other_head, "case": case, "db": db_session}


def test_case_page_masks_identity_and_escapes_citizen_text(client, setup):
    login_as(client, setup["head"])
    body = client.get(f"/staff/cases/{setup['case'].id}").get_data(as_text=True)
    assert NAME not in body and "0901234567" not in body
    assert "Người gửi #" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    # Only the head's actions for a proposed case are offered.
    assert f"/staff/cases/{setup['case'].id}/act/accept" in body
    assert "/act/propose" not in body and "/act/resolve" not in body


def test_a_groups_representatives_are_masked_and_revealed_with_the_identity(client, setup):
    case, db = setup["case"], setup["db"]
    case.submission.identity.representatives = ["Phạm Văn Đại Diện"]
    case.submission.content += "\nĐại diện nhóm: ông Phạm Văn Đại Diện."
    db.flush()
    login_as(client, setup["head"])
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Phạm Văn Đại Diện" not in page
    assert 'Đại diện nhóm: ông <span class="redacted">[họ tên người gửi]</span>' in page
    shown = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Liên hệ người đại diện"})
    assert '<ul class="representatives"><li>Phạm Văn Đại Diện</li></ul>' in shown.get_data(as_text=True)


def test_intake_officer_sees_no_head_only_action(client, setup):
    login_as(client, setup["officer"])
    body = client.get(f"/staff/cases/{setup['case'].id}").get_data(as_text=True)
    assert "/act/accept" not in body and "/act/not_accept" in body
    assert "reveal" not in body  # no reveal form for the intake officer


def test_reveal_requires_reason_and_writes_an_audit_entry(client, setup):
    case, db = setup["case"], setup["db"]
    login_as(client, setup["head"])
    missing = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": ""})
    assert missing.status_code == 422 and NAME not in missing.get_data(as_text=True)
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "identity.reveal")).first() is None
    shown = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Liên hệ xác minh nội dung"})
    assert shown.status_code == 200 and NAME in shown.get_data(as_text=True)
    assert "no-store" in shown.headers.get("Cache-Control", "")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "identity.reveal")).one()
    assert entry.actor_id == setup["head"].id and entry.case_id == case.id
    assert entry.reason == "Liên hệ xác minh nội dung"
    # The reveal lasts one response: the next page view is masked again.
    assert NAME not in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)


def test_deputy_and_unassigned_handler_may_not_reveal(client, setup):
    for user in (setup["deputy"], setup["handler"], setup["officer"]):
        login_as(client, user)
        assert client.post(f"/staff/cases/{setup['case'].id}/reveal", data={"reason": "tò mò thôi"}).status_code == 403


def test_forwarded_case_identity_stays_masked_for_the_receiving_unit(client, setup):
    db, case = setup["db"], setup["case"]
    case.status = CaseStatus.IN_REVIEW
    db.flush()
    login_as(client, setup["officer"])
    response = client.post(f"/staff/cases/{case.id}/act/forward", data={
        "version": case.version, "target_unit": setup["other"].id, "text": "Chuyển theo thẩm quyền"})
    assert response.status_code == 302
    child = db.scalars(select(Case).where(Case.forwarded_from_id == case.id)).one()
    assert child.unit_id == setup["other"].id and child.status == CaseStatus.RECEIVED
    login_as(client, setup["other_head"])
    page = client.get(f"/staff/cases/{child.id}").get_data(as_text=True)
    assert NAME not in page and "Người gửi #" in page
    shown = client.post(f"/staff/cases/{child.id}/reveal", data={"reason": "Xác minh danh tính người tố cáo"})
    assert NAME in shown.get_data(as_text=True)
    # A denunciation is forwarded only once.
    child.status = CaseStatus.IN_REVIEW
    db.flush()
    login_as(client, setup["other_head"])
    again = client.post(f"/staff/cases/{child.id}/act/forward", data={
        "version": child.version, "target_unit": setup["unit"].id, "text": "Chuyển lại"})
    assert again.status_code == 409
    assert "chuyển một lần" in again.get_data(as_text=True)
    db.refresh(child)
    assert child.status == CaseStatus.IN_REVIEW


def test_stale_version_is_refused_with_a_reload_message(client, setup):
    case, db = setup["case"], setup["db"]
    login_as(client, setup["head"])
    form = {"version": case.version, "decision_number": "15/QĐ", "decision_date": "2026-11-02"}
    first = client.post(f"/staff/cases/{case.id}/act/return_to_review", data={"version": case.version,
                                                                              "text": "Bổ sung"})
    assert first.status_code == 302
    second = client.post(f"/staff/cases/{case.id}/act/accept", data=form)
    assert second.status_code == 409
    assert "tải lại trang" in second.get_data(as_text=True)
    db.refresh(case)
    assert case.status == CaseStatus.IN_REVIEW
    assert [e.action for e in case.events] == ["return_to_review"]


def test_same_version_twice_second_is_stale(client, setup):
    case, db = setup["case"], setup["db"]
    login_as(client, setup["head"])
    version = case.version
    form = {"version": version, "decision_number": "15/QĐ", "decision_date": "2026-11-02"}
    assert client.post(f"/staff/cases/{case.id}/act/accept", data=form).status_code == 302
    login_as(client, setup["deputy"])
    assert client.post(f"/staff/cases/{case.id}/act/flag", data={"version": version, "criteria": ["C1"]}) \
        .status_code == 409
    db.refresh(case)
    assert case.is_complex is False


def test_illegal_transition_is_a_409_with_a_clear_message(client, setup):
    login_as(client, setup["head"])
    response = client.post(f"/staff/cases/{setup['case'].id}/act/resolve", data={"version": 1})
    assert response.status_code == 409
    assert "Không thể" in response.get_data(as_text=True)


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return io.BytesIO(buffer.getvalue())


def _investigating(setup):  # type: ignore[no-untyped-def]
    """The fixture's case under investigation by its handler, with the statutory rules loaded."""
    from portal.deadlines.services import seed_rules

    case, db = setup["case"], setup["db"]
    seed_rules(db)
    case.status, case.handler_id = CaseStatus.INVESTIGATING, setup["handler"].id
    db.flush()
    return case, db


def _recorded_by_the_handler(client, setup, action: str, stage: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A step recorded through HTTP: refused to the intake officer (403) and with an empty text (422),
    then recorded by the assigned handler, which meets the clock of ``stage``."""
    case = setup["case"]

    def post(body: str) -> int:
        return client.post(f"/staff/cases/{case.id}/act/{action}",
                           data={"version": case.version, "done_on": TODAY, "text": body}).status_code

    login_as(client, setup["officer"])
    assert post("Đã gửi") == 403
    login_as(client, setup["handler"])
    assert post(" ") == 422
    assert post(text) == 302
    setup["db"].refresh(case)
    assert [d.met_at is not None for d in case.deadlines if d.stage == stage] == [True]


def test_the_decision_is_sent_before_the_file_is_closed(client, setup):
    """KN-04 / TC-06 through HTTP: closing is refused (409, with the reason) while the sending waits;
    only the heads and the assigned handler record it, with what was sent to whom."""
    case, db = _investigating(setup)
    login_as(client, setup["head"])
    response = client.post(f"/staff/cases/{case.id}/act/resolve", data={
        "version": case.version, "text": "Tố cáo đúng.", "decision_number": "21/KL", "decision_date": "2026-11-20",
        "document": (_png(), "ket-luan.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.refresh(case)
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert 'id="held-close"' in page and "Chưa ghi nhận việc gửi kết luận" in page and "việc công khai" in page
    assert "Gửi quyết định, kết luận" in page and "Công khai kết luận" in page  # both clocks listed
    refused = client.post(f"/staff/cases/{case.id}/act/close", data={"version": case.version})
    assert refused.status_code == 409 and "Chưa ghi nhận việc gửi" in refused.get_data(as_text=True)

    _recorded_by_the_handler(client, setup, "send_decision", "send", "Gửi người tố cáo và người bị tố cáo ngày 21/11.")
    login_as(client, setup["head"])
    waiting = client.post(f"/staff/cases/{case.id}/act/close", data={"version": case.version})
    assert waiting.status_code == 409 and "Chưa ghi nhận việc công khai" in waiting.get_data(as_text=True)
    assert client.post(f"/staff/cases/{case.id}/act/publish_conclusion",
                       data={"version": case.version, "done_on": TODAY,
                             "text": "Niêm yết tại trụ sở ngày 22/11."}).status_code == 302
    db.refresh(case)
    assert [d.met_at is not None for d in case.deadlines if d.stage == "publish"] == [True]
    assert client.post(f"/staff/cases/{case.id}/act/close", data={"version": case.version}).status_code == 302
    db.refresh(case)
    assert case.status == CaseStatus.CLOSED


def test_a_termination_is_sent_before_the_file_is_closed(client, setup):
    """TC-05 through HTTP: terminating starts the sending's clock, shown on the case page; closing is
    refused (409, with the reason) while it runs; the intake officer may not record it (403), an empty
    record is refused (422), a second one once nothing waits is refused (409)."""
    case, db = _investigating(setup)
    login_as(client, setup["head"])
    ended = client.post(f"/staff/cases/{case.id}/act/terminate", data={
        "version": case.version, "reason_code": "TERM-DIED", "decision_number": "22/QĐ-ĐC",
        "decision_date": "2026-11-20"})
    assert ended.status_code == 302, ended.get_data(as_text=True)
    db.refresh(case)
    assert case.status == CaseStatus.TERMINATED
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục" in page and "TC-05" in page
    assert 'id="held-close"' in page and "Chưa ghi nhận việc gửi quyết định tạm đình chỉ" in page
    assert f"/staff/cases/{case.id}/act/send_interim" in page
    refused = client.post(f"/staff/cases/{case.id}/act/close", data={"version": case.version})
    assert refused.status_code == 409 and "Chưa ghi nhận việc gửi quyết định" in refused.get_data(as_text=True)

    other_handler = make_user(db, roles=[(Role.HANDLER, setup["unit"])])  # a handler, not this case's
    login_as(client, other_handler)
    assert client.post(f"/staff/cases/{case.id}/act/send_interim",
                       data={"version": case.version, "done_on": TODAY, "text": "Đã gửi"}).status_code == 403
    _recorded_by_the_handler(client, setup, "send_interim", "send_interim",
                             "Quyết định 22/QĐ-ĐC gửi các bên ngày 23/11.")
    again = client.post(f"/staff/cases/{case.id}/act/send_interim", data={"version": case.version, "done_on": TODAY,
                                                                          "text": "Lần nữa"})
    assert again.status_code == 409 and "đang chờ gửi" in again.get_data(as_text=True)
    login_as(client, setup["head"])
    assert client.post(f"/staff/cases/{case.id}/act/close", data={"version": case.version}).status_code == 302
    db.refresh(case)
    assert case.status == CaseStatus.CLOSED


def test_the_day_a_sending_was_done_is_asked_kept_on_error_and_shown(client, setup):
    """The recording form asks the day it was done, pre-filled with today; a day in the future is
    refused (422) keeping what was typed; the accepted day is shown in the history."""
    case, db = _investigating(setup)
    login_as(client, setup["head"])
    assert client.post(f"/staff/cases/{case.id}/act/terminate", data={
        "version": case.version, "reason_code": "TERM-DIED", "decision_number": "23/QĐ-ĐC",
        "decision_date": TODAY}).status_code == 302
    db.refresh(case)
    form = client.get(f"/staff/cases/{case.id}/act/send_interim").get_data(as_text=True)
    assert 'id="done_on"' in form and f'value="{TODAY}"' in form and "Ngày gửi" in form
    future = (local_today() + dt.timedelta(days=2)).isoformat()
    refused = client.post(f"/staff/cases/{case.id}/act/send_interim", data={
        "version": case.version, "done_on": future, "text": "Gửi bưu điện 23/QĐ-ĐC"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "không được ở tương lai" in body and "Gửi bưu điện 23/QĐ-ĐC" in body
    missing = client.post(f"/staff/cases/{case.id}/act/send_interim", data={"version": case.version, "text": "Đã gửi"})
    assert missing.status_code == 422
    db.refresh(case)
    assert [d.met_at for d in case.deadlines if d.stage == "send_interim"] == [None]
    assert client.post(f"/staff/cases/{case.id}/act/send_interim", data={
        "version": case.version, "done_on": TODAY, "text": "Gửi bưu điện 23/QĐ-ĐC"}).status_code == 302
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Ngày thực hiện: " + local_today().strftime("%d/%m/%Y") in page


def test_missing_requirement_keeps_the_input(client, setup):
    case, db = setup["case"], setup["db"]
    login_as(client, setup["head"])
    response = client.post(f"/staff/cases/{case.id}/act/accept",
                           data={"version": case.version, "decision_number": "99/QĐ-GIỮ"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "99/QĐ-GIỮ" in body and "bắt buộc" in body
    db.refresh(case)
    assert case.status == CaseStatus.PROPOSED


def test_resolution_with_signed_document_and_notice(client, setup):
    case, db = setup["case"], setup["db"]
    case.status = CaseStatus.INVESTIGATING
    db.flush()
    login_as(client, setup["head"])
    response = client.post(f"/staff/cases/{case.id}/act/resolve", data={
        "version": case.version, "text": "Tố cáo đúng một phần.", "decision_number": "20/KL",
        "decision_date": "2026-11-20", "document": (_png(), "ket-luan.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.refresh(case)
    assert case.status == CaseStatus.RESOLVED and case.resolution_document_key
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "resolve")).one()
    assert event.is_public and event.note == "Tố cáo đúng một phần."
    notice = client.get(f"/staff/cases/{case.id}/notices/{event.id}")
    assert notice.status_code == 200
    text = notice.get_data(as_text=True)
    assert "20/KL" in text and "Tố cáo đúng một phần." in text and NAME not in text
    download = client.get(f"/staff/cases/{case.id}/decision")
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].endswith(f"{case.reference}-quyet-dinh.png")
    # a denunciation's conclusion is given to the denouncer only when the head ticks it
    assert case.resolution_document_shared is False and event.data["document_shared"] is False


def test_the_signed_document_is_a_pdf_or_a_picture_without_its_metadata(client, setup):
    """It may reach the sender: an office file (its tracked changes, comments, authors) is refused, and a
    photo of the signed page loses its EXIF (where and with what it was taken)."""
    from portal.files.storage import get_storage
    from tests.files import samples

    case, db = setup["case"], setup["db"]
    case.status = CaseStatus.INVESTIGATING
    db.flush()
    login_as(client, setup["head"])
    form = {"version": case.version, "text": "Kết luận.", "decision_number": "30/KL", "decision_date": "2026-11-20"}
    office = client.post(f"/staff/cases/{case.id}/act/resolve", content_type="multipart/form-data",
                         data={**form, "document": (io.BytesIO(samples.docx()), "ket-luan.docx")})
    assert office.status_code == 422 and "PDF hoặc ảnh" in office.get_data(as_text=True)
    db.refresh(case)
    assert case.status == CaseStatus.INVESTIGATING
    photo = client.post(f"/staff/cases/{case.id}/act/resolve", content_type="multipart/form-data",
                        data={**form, "document": (io.BytesIO(samples.jpeg_with_gps()), "anh.jpg")})
    assert photo.status_code == 302
    db.refresh(case)
    stored = get_storage().read(case.resolution_document_key)
    assert stored.startswith(b"\xff\xd8") and samples.SECRET_AUTHOR.encode() not in stored
    assert Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825) == {}  # no GPS


def _resolve_form(client, case) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/staff/cases/{case.id}/act/resolve").get_data(as_text=True)


def test_the_resolve_form_offers_a_complaints_decision_to_its_sender_by_default(client, setup):
    db, case = setup["db"], setup["case"]
    case.status = CaseStatus.INVESTIGATING
    complaint = make_case(db, unit=setup["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    login_as(client, setup["head"])
    checkbox = re.compile(r'<input[^>]*name="share_document"[^>]*>')
    assert "checked" not in checkbox.search(_resolve_form(client, case)).group()  # a denunciation: by choice
    assert "checked" in checkbox.search(_resolve_form(client, complaint)).group()
    response = client.post(f"/staff/cases/{complaint.id}/act/resolve", data={
        "version": complaint.version, "text": "Khiếu nại đúng.", "decision_number": "21/QĐ",
        "decision_date": "2026-11-20", "share_document": "y", "document": (_png(), "qd.png")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.refresh(complaint)
    assert complaint.resolution_document_shared is True
    page = client.get(f"/staff/cases/{complaint.id}").get_data(as_text=True)
    assert "Người gửi đơn được tải văn bản này trên trang theo dõi đơn." in page and "Người gửi chưa tải." in page


def test_the_head_gives_the_document_later_once_and_sees_when_it_was_downloaded(client, setup):
    db, case = setup["db"], setup["case"]
    case.status = CaseStatus.RESOLVED
    case.resolution_text, case.resolution_document_key = "Tố cáo đúng một phần.", "a-stored-decision"
    bare = make_case(db, unit=setup["unit"], kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED)
    login_as(client, setup["head"])
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Người gửi đơn không được tải văn bản này" in page and f"/staff/cases/{case.id}/act/share_document" in page
    login_as(client, setup["handler"])
    assert client.post(f"/staff/cases/{case.id}/act/share_document", data={"version": case.version}).status_code == 403
    login_as(client, setup["head"])
    assert client.post(f"/staff/cases/{case.id}/act/share_document", data={"version": case.version}).status_code == 302
    db.refresh(case)
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                               CaseEvent.action == "share_document")).one()
    assert case.resolution_document_shared and event.is_public and case.status == CaseStatus.RESOLVED
    again = client.post(f"/staff/cases/{case.id}/act/share_document", data={"version": case.version})
    assert again.status_code == 409 and "đã được cho phép tải văn bản đã ký" in again.get_data(as_text=True)
    none = client.post(f"/staff/cases/{bare.id}/act/share_document", data={"version": bare.version})
    assert none.status_code == 409 and "không có văn bản đã ký" in none.get_data(as_text=True)
    db.add(CaseEvent(case_id=case.id, action="document_fetched"))
    db.flush()
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Người gửi đã tải lần đầu lúc" in page and "Người gửi đơn đã tải văn bản đã ký (lần đầu)" in page
    assert "/act/share_document" not in page


def test_messages_are_plain_text_and_internal_notes_stay_internal(client, setup):
    case, db = setup["case"], setup["db"]
    login_as(client, setup["officer"])
    client.post(f"/staff/cases/{case.id}/messages", data={"kind": "internal", "body": "<b>ghi chú</b>"})
    client.post(f"/staff/cases/{case.id}/messages", data={"kind": "to_reporter", "body": "Xin bổ sung giấy tờ"})
    kinds = {m.body: m.kind for m in db.scalars(select(Message).where(Message.case_id == case.id))}
    assert kinds == {"<b>ghi chú</b>": MessageKind.INTERNAL, "Xin bổ sung giấy tờ": MessageKind.TO_REPORTER}
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "&lt;b&gt;ghi chú&lt;/b&gt;" in page
    empty = client.post(f"/staff/cases/{case.id}/messages", data={"kind": "internal", "body": "  "})
    assert empty.status_code == 422


def test_notice_templates_are_sandboxed_and_identity_free(db_session, setup, app):
    from portal.cases import notices

    with pytest.raises(notices.NoticeError):
        notices.check_template("{{ reporter_name }}")
    with pytest.raises(notices.NoticeError):
        notices.check_template("{% for x in %}")
    case = setup["case"]
    event = CaseEvent(case_id=case.id, action="accept", decision_number="1/QĐ", data={})
    db_session.add(event)
    db_session.flush()
    template = notices.get_template(db_session, "acceptance")
    template.body = "<p onclick='x()'>{{ reference }}</p><script>alert(1)</script>{{ ''.__class__.__mro__ }}"
    db_session.flush()
    with app.test_request_context():
        with pytest.raises(notices.NoticeError):
            notices.render_notice(db_session, case, event)
        template.body = "<p onclick='x()'>{{ reference }} {{ text }}</p><script>alert(1)</script>"
        event.note = "<img src=x onerror=alert(1)>"
        rendered = notices.render_notice(db_session, case, event)
    assert case.reference in rendered.body
    assert "onclick" not in rendered.body and "<script" not in rendered.body and "<img" not in rendered.body
    assert db_session.scalars(select(NoticeTemplate).where(NoticeTemplate.code == "acceptance")).one()


@pytest.mark.parametrize("body", ["{{ 1/0 }}", "{{ 1 + 'a' }}", "{{ range(10**6)|list }}", "{{ reference.x.y }}"])
def test_a_template_that_parses_but_cannot_render_is_refused_when_saved(client, db_session, setup, body):
    admin = make_user(db_session, roles=[(Role.ADMIN, setup["unit"].parent)])
    login_as(client, admin)
    response = client.post("/staff/cases/notice-templates/acceptance", data={"title": "Thụ lý", "body": body})
    assert response.status_code == 422 and "Mẫu không hợp lệ" in response.get_data(as_text=True)
    assert body.replace("'", "&#39;") in response.get_data(as_text=True)  # what was typed stays in the form
    stored = db_session.scalars(select(NoticeTemplate.body).where(NoticeTemplate.code == "acceptance")).all()
    assert body not in stored


def test_the_trial_render_gives_each_variable_the_type_it_has_in_a_notice(app):
    from portal.cases import notices

    with app.test_request_context():  # refused before: "days" was tried as text
        notices.check_template("<p>Gia hạn thêm {{ days }} ngày (tổng {{ days + 30 }} ngày), {{ reference|upper }}</p>")


def test_a_stored_template_that_fails_gives_a_409_not_a_500(client, db_session, setup):
    from portal.cases import notices

    case = setup["case"]
    event = CaseEvent(case_id=case.id, action="accept", decision_number="1/QĐ", data={})
    db_session.add(event)
    notices.get_template(db_session, "acceptance").body = "{{ 1/0 }}"  # saved before saving checked a render
    db_session.flush()
    login_as(client, setup["head"])
    response = client.get(f"/staff/cases/{case.id}/notices/{event.id}")
    assert response.status_code == 409 and "Mẫu thông báo có lỗi" in response.get_data(as_text=True)


def test_a_failed_action_leaves_no_stored_document_behind(client, setup, app, monkeypatch):
    from portal.cases import lifecycle
    from portal.files.storage import get_storage

    case, db = setup["case"], setup["db"]
    case.status = CaseStatus.INVESTIGATING
    db.flush()
    before = set(get_storage(app).keys())

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(lifecycle, "apply_transition", broken)
    login_as(client, setup["head"])
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    data = {"version": case.version, "text": "Kết luận.", "decision_number": "21/KL", "decision_date": "2026-11-20",
            "document": (io.BytesIO(buffer.getvalue()), "ket-luan.png")}
    response = client.post(f"/staff/cases/{case.id}/act/resolve", data=data, content_type="multipart/form-data")
    assert response.status_code == 500  # an unforeseen failure: the error page, and the file is gone again
    assert set(get_storage(app).keys()) == before


def test_sanitize_html_allows_only_the_allow_list():
    from portal.security import sanitize_html

    cleaned = sanitize_html('<p class="x" style="color:red">a<a href="javascript:1">b</a><iframe></iframe></p>')
    assert cleaned == "<p>ab</p>"


def test_admin_edits_a_notice_template_and_bad_templates_are_refused(client, db_session, setup):
    root = setup["unit"].parent  # the texts every unit sends: the city's administrators
    admin = make_user(db_session, roles=[(Role.ADMIN, root)])
    login_as(client, setup["head"])
    assert client.get("/staff/cases/notice-templates").status_code == 403
    login_as(client, admin)
    listing = client.get("/staff/cases/notice-templates")
    assert listing.status_code == 200 and "Phiếu chuyển đơn" in listing.get_data(as_text=True)
    bad = client.post("/staff/cases/notice-templates/refusal", data={"title": "Từ chối", "body": "{{ full_name }}"})
    assert bad.status_code == 422 and "full_name" in bad.get_data(as_text=True)
    ok = client.post("/staff/cases/notice-templates/refusal",
                     data={"title": "Thông báo không thụ lý", "body": "<p>Hồ sơ {{ reference }}: {{ reason }}</p>"})
    assert ok.status_code == 302
    stored = db_session.scalars(select(NoticeTemplate).where(NoticeTemplate.code == "refusal")).one()
    assert stored.body == "<p>Hồ sơ {{ reference }}: {{ reason }}</p>" and stored.updated_by_id == admin.id


def test_conflicted_head_cannot_see_or_act_on_the_case(client, db_session, setup):
    from portal.cases.models import CaseConflict

    case = setup["case"]
    db_session.add(CaseConflict(case_id=case.id, user_id=setup["head"].id, reason="accused"))
    db_session.flush()
    login_as(client, setup["head"])
    for response in (client.get(f"/staff/cases/{case.id}"),
                     client.post(f"/staff/cases/{case.id}/act/accept", data={"version": case.version}),
                     client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Muốn biết ai tố cáo"})):
        assert response.status_code == 404
        assert NAME not in response.get_data(as_text=True) and case.reference not in response.get_data(as_text=True)


def test_actions_require_the_csrf_token(csrf_client, setup):
    login_as(csrf_client, setup["head"])
    case = setup["case"]
    response = csrf_client.post(f"/staff/cases/{case.id}/act/accept", data={
        "version": case.version, "decision_number": "1/QĐ", "decision_date": "2026-11-02"})
    assert response.status_code == 400
    setup["db"].refresh(case)
    assert case.status == CaseStatus.PROPOSED


def test_the_lifecycle_table_is_readable_by_staff(client, setup):
    from portal.cases.lifecycle import TRANSITIONS

    login_as(client, setup["officer"])
    page = client.get("/staff/cases/lifecycle").get_data(as_text=True)
    assert page.count('<th scope="row">') == len(TRANSITIONS)
    assert "Quyết định thụ lý" in page and "người đứng đầu" in page


def test_the_head_records_the_identity_check_before_thu_ly(client, setup):
    """A signed denunciation not yet identified: the page says why thụ lý waits; the head looks at the
    identity (audited), records how it was checked (from a list), then may accept."""
    case, db = setup["case"], setup["db"]
    case.identity_verified_at = None
    db.flush()
    login_as(client, setup["deputy"])
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "/act/verify_identity" not in body and "/act/accept" not in body
    assert 'id="held-accept"' in body and "Chưa xác minh nhân thân người tố cáo" in body

    login_as(client, setup["head"])
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert f"/staff/cases/{case.id}/act/verify_identity" in body and 'id="identity-check"' in body
    form = client.get(f"/staff/cases/{case.id}/act/verify_identity").get_data(as_text=True)
    assert "Cách xác minh nhân thân" in form and "ID-VNEID" in form and "F-LANG" not in form
    refused = client.post(f"/staff/cases/{case.id}/act/accept", data={
        "version": case.version, "decision_number": "15/QĐ", "decision_date": "2026-11-02"})
    assert refused.status_code == 409 and "Chưa xác minh nhân thân" in refused.get_data(as_text=True)
    missing = client.post(f"/staff/cases/{case.id}/act/verify_identity", data={"version": case.version})
    assert missing.status_code == 422 and "bắt buộc" in missing.get_data(as_text=True)
    unseen = client.post(f"/staff/cases/{case.id}/act/verify_identity", data={"version": case.version,
                                                                            "reason_code": "ID-DOC"})
    assert unseen.status_code == 422 and "Hãy xem thông tin người gửi" in unseen.get_data(as_text=True)
    db.refresh(case)
    assert case.identity_verified_at is None
    revealed = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Đối chiếu nhân thân"})
    assert NAME in revealed.get_data(as_text=True)

    done = client.post(f"/staff/cases/{case.id}/act/verify_identity", data={"version": case.version,
                                                                          "reason_code": "ID-DOC"})
    assert done.status_code == 302
    db.refresh(case)
    assert case.identity_verified_at is not None
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Đã xác minh nhân thân" in body and "ID-DOC" in body and 'id="held-accept"' not in body
    assert NAME not in body  # recording the check reveals nothing
    accepted = client.post(f"/staff/cases/{case.id}/act/accept", data={
        "version": case.version, "decision_number": "15/QĐ", "decision_date": "2026-11-02"})
    assert accepted.status_code == 302
    assert "Đã xác minh nhân thân" in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    # a denunciation accepted before the check existed has no state to show (it can no longer be made)
    older = make_case(db, unit=setup["unit"], submission=case.submission, kind=CaseKind.DENUNCIATION,
                      status=CaseStatus.INVESTIGATING)
    assert 'id="identity-check"' not in client.get(f"/staff/cases/{older.id}").get_data(as_text=True)


def test_the_officer_weighs_a_late_complaint_with_the_reason_given(client, setup):
    """Luật Khiếu nại Art. 9, 11(6): a complaint after the time limit is refused only without a valid
    reason. The case page shows when the complainant learned of the decision, the limit in force
    then (KN-01), that the đơn came after it, and the reason they gave; the conditions recorded as
    unmet are listed with their meaning."""
    import datetime as dt

    from portal.deadlines.services import seed_rules

    db = setup["db"]
    seed_rules(db)
    learned = dt.date.today() - dt.timedelta(days=150)
    late = make_submission(db, unit_id=setup["unit"].id, kind=SubmissionKind.COMPLAINT, identity={},
                           learned_on=learned, late_reason="Tôi nằm viện điều trị <b>ba tháng</b>.")
    case = make_case(db, unit=setup["unit"], submission=late, kind=CaseKind.COMPLAINT, status=CaseStatus.IN_REVIEW,
                     eligibility=["KN-11-6"])
    on_time = make_submission(db, unit_id=setup["unit"].id, kind=SubmissionKind.COMPLAINT, identity={},
                              learned_on=dt.date.today() - dt.timedelta(days=10))
    fresh = make_case(db, unit=setup["unit"], submission=on_time, kind=CaseKind.COMPLAINT, status=CaseStatus.IN_REVIEW)
    login_as(client, setup["officer"])
    body = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert 'id="complaint-window"' in body and "thời hiệu 90 ngày" in body and "Gửi sau thời hiệu" in body
    assert 'id="late-reason"' in body and "Tôi nằm viện điều trị" in body and "<b>ba tháng</b>" not in body
    assert "KN-11-6 — Hết thời hiệu khiếu nại mà không có lý do chính đáng" in body
    body = client.get(f"/staff/cases/{fresh.id}").get_data(as_text=True)
    assert "thời hiệu 90 ngày" in body and "Gửi sau thời hiệu" not in body and 'id="late-reason"' not in body


def test_the_forwarding_unit_reads_what_became_of_the_don(client, setup):
    """Luật Khiếu nại Art. 27, 36: the acceptance or refusal goes to whoever forwarded the đơn too. The
    forwarding unit's own case records it, so its staff see it without access to the other unit's case."""
    case, db = setup["case"], setup["db"]
    source = make_case(db, unit=setup["other"], submission=case.submission, kind=CaseKind.DENUNCIATION,
                       status=CaseStatus.FORWARDED)
    case.forwarded_from_id = source.id
    db.flush()
    login_as(client, setup["head"])
    assert client.post(f"/staff/cases/{case.id}/act/accept", data={
        "version": case.version, "decision_number": "15/QĐ", "decision_date": "2026-11-02"}).status_code == 302
    outcome = db.scalar(select(CaseEvent).where(CaseEvent.case_id == source.id, CaseEvent.action == "forward_outcome"))
    assert outcome.data == {"case_id": case.id, "outcome": "accept"} and not outcome.is_public
    login_as(client, setup["other_head"])
    body = client.get(f"/staff/cases/{source.id}").get_data(as_text=True)
    assert "Đơn vị nhận đơn chuyển đến: Quyết định thụ lý" in body and NAME not in body
    assert client.get(f"/staff/cases/{case.id}").status_code in (403, 404)  # still not theirs to open

    # a part of the forwarded đơn, split by the receiving unit, is reported back too
    part = make_case(db, unit=setup["unit"], submission=case.submission, kind=CaseKind.COMPLAINT,
                     status=CaseStatus.IN_REVIEW, parent_id=case.id)
    login_as(client, setup["officer"])
    assert client.post(f"/staff/cases/{part.id}/act/not_accept", data={
        "version": part.version, "reason_code": "KN-11-9", "text": "Tòa án đã thụ lý"}).status_code == 302
    outcomes = db.scalars(select(CaseEvent.data).where(CaseEvent.case_id == source.id,
                                                       CaseEvent.action == "forward_outcome")).all()
    assert {"case_id": part.id, "outcome": "not_accept"} in outcomes
