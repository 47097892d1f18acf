"""Tracking: code + secret lookup, the reporter's page, replies, evidence, withdrawal, notices."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.cases.models import (
    Attachment,
    CaseEvent,
    CaseStatus,
    Message,
    MessageKind,
    SubmissionKind,
    SubmissionNote,
)
from portal.notifications.models import OutboxMessage
from portal.tracking.services import notify_reporter
from tests.factories import make_user
from tests.files import samples
from tests.helpers import login_as
from tests.intake.helpers import receive

XSS = '<script>alert("x")</script>'


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def open_tracking(client, receipt, **kwargs):  # type: ignore[no-untyped-def]
    return client.post("/track", data={"code": receipt.tracking_code, "secret": receipt.secret}, **kwargs)


def test_track_page_renders_and_is_not_cached(client):
    response = client.get("/track")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'name="code"' in html(response) and 'name="secret"' in html(response)


def test_code_and_secret_open_the_page(client, receipt):
    response = open_tracking(client, receipt)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/track/{receipt.tracking_code}")
    page = client.get(f"/track/{receipt.tracking_code}")
    assert page.headers["Cache-Control"] == "no-store"
    text = html(page)
    assert 'id="status-label">Đã tiếp nhận<' in text
    assert "Đơn được tiếp nhận" in text  # the public timeline
    assert "Khi rút khiếu nại, cơ quan sẽ đình chỉ" in text


def test_code_and_secret_are_forgiving_about_case_and_separators(client, receipt):
    code = receipt.tracking_code.replace("-", " ").lower()
    secret = receipt.secret.replace("-", "").lower()
    assert client.post("/track", data={"code": code, "secret": secret}).status_code == 302


def test_wrong_secret_and_unknown_code_get_the_same_generic_message(client, receipt):
    wrong_secret = client.post("/track", data={"code": receipt.tracking_code, "secret": "AAAAA-BBBBB-CCCCC-DDDDD"})
    unknown_code = client.post("/track", data={"code": "KN-2222-3333", "secret": receipt.secret})
    garbage = client.post("/track", data={"code": "not a code", "secret": "x"})
    for response in (wrong_secret, unknown_code, garbage):
        assert response.status_code == 404
        assert "Mã theo dõi hoặc mã bí mật không đúng" in html(response)
        assert receipt.secret not in html(response)
    assert client.get(f"/track/{receipt.tracking_code}").status_code == 302


def test_the_page_needs_the_secret_first(client, receipt):
    response = client.get(f"/track/{receipt.tracking_code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track?code={receipt.tracking_code}")
    assert f'value="{receipt.tracking_code}"' in html(client.get(response.headers["Location"]))
    unknown = client.get("/track/KN-2222-3333")  # the same answer for a code that does not exist
    assert unknown.status_code == 302 and unknown.headers["Location"].endswith("/track?code=KN-2222-3333")
    assert client.post(f"/track/{receipt.tracking_code}/reply", data={"body": "hi"}).status_code == 404


def test_leaving_forgets_the_submission(client, receipt):
    open_tracking(client, receipt)
    assert client.get(f"/track/{receipt.tracking_code}").status_code == 200
    client.post("/track/leave")
    assert client.get(f"/track/{receipt.tracking_code}").status_code == 302


def test_lookups_of_one_code_are_throttled_per_client(client, receipt):
    statuses = [client.post("/track", data={"code": receipt.tracking_code, "secret": "WRONG"},
                            environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code for n in range(6)]
    assert statuses[:5] == [404] * 5 and statuses[5] == 429
    # Even the right secret from that client now waits.
    response = open_tracking(client, receipt, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 429 and "Quá nhiều yêu cầu" in html(response)


def test_wrong_guesses_elsewhere_do_not_lock_the_owner_out(client, receipt):
    # The code is not secret (it is printed on forwarding slips): someone who knows it must not be
    # able to block the citizen by failing on purpose from many addresses.
    for n in range(8):
        client.post("/track", data={"code": receipt.tracking_code, "secret": "WRONG"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    assert open_tracking(client, receipt, environ_base={"REMOTE_ADDR": "203.0.113.50"}).status_code == 302


def test_lookups_are_throttled_per_client(client, receipt):
    statuses = [client.post("/track", data={"code": f"KN-2222-{n:04d}".replace("0", "A"), "secret": "x"},
                            environ_base={"REMOTE_ADDR": "192.0.2.5"}).status_code for n in range(11)]
    assert statuses[:10] == [404] * 10 and statuses[10] == 429


def test_status_in_plain_words_with_deadline_and_messages(client, db_session, receipt):
    case = receipt.case
    case.status = CaseStatus.ACCEPTED
    case.due_on = dt.date(2027, 1, 15)
    db_session.add(CaseEvent(case_id=case.id, action="accept", to_status="accepted", is_public=True,
                             note="Đã thụ lý theo quyết định số 5."))
    db_session.add(CaseEvent(case_id=case.id, action="assign", note="Nội bộ: giao ông X", is_public=False))
    db_session.add(Message(submission_id=receipt.submission.id, case_id=case.id, kind=MessageKind.TO_REPORTER,
                           body="Xin gửi bản sao quyết định."))
    db_session.add(Message(submission_id=receipt.submission.id, case_id=case.id, kind=MessageKind.INTERNAL,
                           body="Ghi chú nội bộ bí mật"))
    db_session.commit()
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert "Đã thụ lý giải quyết" in page and "15 tháng 1 năm 2027" in page
    assert "Đã thụ lý theo quyết định số 5." in page and "Xin gửi bản sao quyết định." in page
    assert "Nội bộ: giao ông X" not in page and "Ghi chú nội bộ bí mật" not in page
    english = html(client.get(f"/track/{receipt.tracking_code}?lang=en"))
    assert "Accepted for resolution" in english and "15 January 2027" in english


def test_reply_is_stored_for_staff_and_shown(client, db_session, receipt):
    open_tracking(client, receipt)
    assert client.post(f"/track/{receipt.tracking_code}/reply", data={"body": ""}).status_code == 422
    response = client.post(f"/track/{receipt.tracking_code}/reply", data={"body": "Tôi gửi thêm thông tin\u0000."})
    assert response.status_code == 302
    message = db_session.scalar(select(Message).where(Message.submission_id == receipt.submission.id))
    assert message.kind == MessageKind.FROM_REPORTER and message.body == "Tôi gửi thêm thông tin."
    assert message.case_id == receipt.case.id
    assert "Tôi gửi thêm thông tin." in html(client.get(f"/track/{receipt.tracking_code}"))


def test_added_evidence_is_stored_and_listed(client, db_session, receipt, storage):
    open_tracking(client, receipt)
    url = f"/track/{receipt.tracking_code}/evidence"
    refused = client.post(url, data={"files": [(__import__("io").BytesIO(samples.PHP), "x.jpg")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "không được chấp nhận" in html(refused)
    empty = client.post(url, data={}, content_type="multipart/form-data")
    assert empty.status_code == 422
    import io

    ok = client.post(url, data={"files": [(io.BytesIO(samples.pdf_with_metadata()), "biên bản.pdf")],
                                "note": "Biên bản làm việc"}, content_type="multipart/form-data")
    assert ok.status_code == 302
    attachment = db_session.scalar(select(Attachment).where(Attachment.submission_id == receipt.submission.id))
    assert attachment.uploaded_by_reporter and attachment.original_name == "biên bản.pdf"
    assert storage.exists(attachment.storage_key) and storage.exists(attachment.working_key)
    note = db_session.scalar(select(SubmissionNote).where(SubmissionNote.submission_id == receipt.submission.id))
    # Staff read the note: the file by its number on the case page, not by the name it was sent with.
    count = len(db_session.scalars(select(Attachment).where(Attachment.submission_id == receipt.submission.id)).all())
    assert note.kind == "evidence" and note.text == f"Biên bản làm việc\n\nTệp {count}"
    assert "biên bản.pdf" in html(client.get(f"/track/{receipt.tracking_code}"))


def test_withdrawal_request_needs_confirmation_and_is_recorded_once(client, db_session, receipt):
    open_tracking(client, receipt)
    url = f"/track/{receipt.tracking_code}/withdraw"
    assert client.post(url, data={"reason": "Đã tự thỏa thuận"}).status_code == 422
    assert client.post(url, data={"reason": "Đã tự thỏa thuận", "confirm": "y"}).status_code == 302
    note = db_session.scalar(select(SubmissionNote).where(SubmissionNote.kind == "withdrawal"))
    assert note.text == "Đã tự thỏa thuận"
    message = db_session.scalar(select(Message).where(Message.kind == MessageKind.FROM_REPORTER))
    assert "rút đơn" in message.body
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert 'id="withdrawal-requested"' in page and 'action="/track/' + receipt.tracking_code + '/withdraw"' not in page
    client.post(url, data={"confirm": "y"})
    assert len(db_session.scalars(select(SubmissionNote).where(SubmissionNote.kind == "withdrawal")).all()) == 1



def test_a_withdrawal_asked_from_the_english_site_is_recorded_in_vietnamese(client, db_session, receipt):
    open_tracking(client, receipt)
    url = f"/track/{receipt.tracking_code}/withdraw?lang=en"
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    note = db_session.scalar(select(SubmissionNote).where(SubmissionNote.kind == "withdrawal"))
    message = db_session.scalar(select(Message).where(Message.kind == MessageKind.FROM_REPORTER))
    assert (note.text, message.body) == ("(không nêu lý do)", "Tôi đề nghị rút đơn.")  # the office's language

@pytest.mark.parametrize(("kind", "effect"), [
    (SubmissionKind.DENUNCIATION, "vẫn tiếp tục giải quyết"),
    (SubmissionKind.FEEDBACK, "dừng xử lý đơn này"),
])
def test_withdrawal_effect_is_explained_per_kind(client, db_session, app, org, storage, kind, effect):
    r = receive(db_session, app, kind)
    db_session.commit()
    open_tracking(client, r)
    assert effect in html(client.get(f"/track/{r.tracking_code}"))


def test_xss_in_every_reporter_text_is_escaped_on_the_tracking_pages(client, db_session, app, org, storage):
    citizen = make_user(db_session)
    r = receive(db_session, app, SubmissionKind.FEEDBACK, title=XSS, content=XSS, user_id=citizen.id)
    db_session.add(Message(submission_id=r.submission.id, kind=MessageKind.TO_REPORTER, body=XSS))
    db_session.add(CaseEvent(case_id=r.case.id, action="x", note=XSS, is_public=True))
    db_session.commit()
    open_tracking(client, r)
    client.post(f"/track/{r.tracking_code}/reply", data={"body": XSS + " reply"})
    import io

    client.post(f"/track/{r.tracking_code}/evidence", content_type="multipart/form-data",
                data={"files": [(io.BytesIO(samples.webp()), XSS + ".webp")]})
    pages = [html(client.get(f"/track/{r.tracking_code}"))]
    login_as(client, citizen)
    pages.append(html(client.get("/account/submissions")))
    for page in pages:
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page


def test_signed_in_citizen_sees_own_submissions_without_the_secret(client, db_session, app, org, storage):
    citizen, other = make_user(db_session), make_user(db_session)
    mine = receive(db_session, app, user_id=citizen.id, title="Đơn của tôi về đèn")
    theirs = receive(db_session, app, user_id=other.id, title="Đơn của người khác")
    db_session.commit()
    assert client.get("/account/submissions").status_code == 302  # sign in first
    login_as(client, citizen)
    page = html(client.get("/account/submissions"))
    assert "Đơn của tôi về đèn" in page and "Đơn của người khác" not in page
    assert client.get(f"/track/{mine.tracking_code}").status_code == 200
    assert client.get(f"/track/{theirs.tracking_code}").status_code == 302
    assert client.post(f"/track/{theirs.tracking_code}/reply", data={"body": "x"}).status_code == 404


def test_owner_opts_in_to_notices_and_they_carry_no_content(client, db_session, app, org, storage):
    citizen = make_user(db_session, email="owner@example.test")
    r = receive(db_session, app, user_id=citizen.id, anonymous=False, content="Nội dung nhạy cảm")
    db_session.commit()
    login_as(client, citizen)
    client.post(f"/track/{r.tracking_code}/notices", data={"enabled": "y"})
    db_session.refresh(r.submission)
    assert r.submission.notify_by_email
    assert notify_reporter(db_session, r.submission, dedupe_key="t1") is True
    assert notify_reporter(db_session, r.submission, dedupe_key="t1") is False  # deduplicated
    [mail] = db_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "owner@example.test")).all()
    assert r.tracking_code in mail.subject and "Nội dung nhạy cảm" not in mail.body_text
    client.post(f"/track/{r.tracking_code}/notices", data={})
    db_session.refresh(r.submission)
    assert not r.submission.notify_by_email


def test_anonymous_reporters_are_never_emailed(db_session, app, org, storage):
    r = receive(db_session, app)
    r.submission.notify_by_email = True  # even if a bug set it
    assert notify_reporter(db_session, r.submission, dedupe_key="anon") is False
    assert db_session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "anon")) is None


def test_tracking_by_a_stranger_cannot_toggle_notices(client, db_session, app, org, storage):
    citizen = make_user(db_session)
    r = receive(db_session, app, user_id=citizen.id, anonymous=False)
    db_session.commit()
    open_tracking(client, r)
    assert client.post(f"/track/{r.tracking_code}/notices", data={"enabled": "y"}).status_code == 404


def test_an_idle_tracking_session_expires(client, receipt, monkeypatch):
    import time

    from portal.tracking import views

    open_tracking(client, receipt)
    assert client.get(f"/track/{receipt.tracking_code}").status_code == 200
    later = time.time() + views.IDLE_SECONDS + 1
    monkeypatch.setattr(views.time, "time", lambda: later)
    assert client.get(f"/track/{receipt.tracking_code}").status_code == 302


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    import re

    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html(client.get("/track"))).group(1)


def test_the_lookup_needs_the_form_token(csrf_client, receipt):
    pair = {"code": receipt.tracking_code, "secret": receipt.secret}
    refused = csrf_client.post("/track", data=pair)
    assert refused.status_code == 400 and receipt.tracking_code not in refused.headers.get("Location", "")
    forged = csrf_client.post("/track", data={**pair, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert csrf_client.get(f"/track/{receipt.tracking_code}").status_code == 302  # nothing was opened
    opened = csrf_client.post("/track", data={**pair, "csrf_token": csrf_token(csrf_client)})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/track/{receipt.tracking_code}")
    assert csrf_client.get(f"/track/{receipt.tracking_code}").status_code == 200


def test_a_wrong_pair_with_the_form_token_gets_the_generic_message(csrf_client, receipt):
    token = csrf_token(csrf_client)
    wrong = csrf_client.post("/track", data={"code": receipt.tracking_code, "secret": "AAAAA-BBBBB-CCCCC-DDDDD",
                                             "csrf_token": token})
    assert wrong.status_code == 404 and "Mã theo dõi hoặc mã bí mật không đúng" in html(wrong)
    assert f'value="{receipt.tracking_code}"' in html(wrong) and "AAAAA-BBBBB" not in html(wrong)
    assert csrf_client.get(f"/track/{receipt.tracking_code}").status_code == 302


@pytest.mark.parametrize(("code", "secret"), [
    ("KN-2222-3333", "x"), ("", "x"), ("KN-2222-3333", ""), ("x" * 40, "y" * 80), ("x" * 41, "y"),
    ("x", "y" * 81), (" ", " "),
])
def test_the_quick_lookup_accepts_exactly_what_the_form_accepts(app, db_session, code, secret):
    from werkzeug.datastructures import MultiDict

    from portal.tracking.forms import TrackForm, lookup_pair

    data = MultiDict({"code": code, "secret": secret})
    with app.test_request_context("/track", method="POST", data=data):
        form_accepts = TrackForm().validate_on_submit()
    assert (lookup_pair(data) is not None) == form_accepts


def test_open_with_secret_gives_one_answer_for_every_failure(app, db_session, receipt):
    from portal.tracking.services import open_with_secret

    key = app.config["SECRET_KEY"]
    with app.test_request_context("/track", method="POST"):
        assert open_with_secret(db_session, receipt.tracking_code.lower(), receipt.secret,
                                secret_key=key) == receipt.tracking_code
        assert open_with_secret(db_session, receipt.tracking_code, "AAAAA-BBBBB-CCCCC-DDDDD", secret_key=key) is None
        assert open_with_secret(db_session, "KN-2222-3333", receipt.secret, secret_key=key) is None
        assert open_with_secret(db_session, "not a code", receipt.secret, secret_key=key) is None
        assert open_with_secret(db_session, receipt.tracking_code, receipt.secret, secret_key="k" * 40) is None


def test_with_rate_limiting_off_lookups_are_not_counted(client, receipt):
    from portal.extensions import limiter

    limiter.enabled = False
    try:
        statuses = {client.post("/track", data={"code": receipt.tracking_code, "secret": "WRONG"},
                                environ_base={"REMOTE_ADDR": "198.51.100.70"}).status_code for _ in range(12)}
    finally:
        limiter.enabled = True
    assert statuses == {404}
    # and nothing was counted while it was off: the limits apply from zero once it is back on
    statuses = [client.post("/track", data={"code": receipt.tracking_code, "secret": "WRONG"},
                            environ_base={"REMOTE_ADDR": "198.51.100.70"}).status_code for _ in range(6)]
    assert statuses[:5] == [404] * 5 and statuses[5] == 429


def test_added_evidence_is_scanned_for_malware(app, client, db_session, receipt, storage, scanning):
    import dataclasses
    import io

    from tests.fixtures.clamd import EICAR
    from tests.fixtures.mail import free_port

    open_tracking(client, receipt)
    url = f"/track/{receipt.tracking_code}/evidence"
    infected = samples.pdf_with_metadata().replace(b"%%EOF", b"% " + EICAR + b"\n%%EOF")
    refused = client.post(url, data={"files": [(io.BytesIO(infected), "biên bản.pdf")]},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "phát hiện mã độc" in html(refused)
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, clamd_port=free_port())
    try:
        waiting = client.post(url, data={"files": [(io.BytesIO(samples.pdf_with_metadata()), "biên bản.pdf")]},
                              content_type="multipart/form-data")
    finally:
        app.config["SETTINGS"] = settings
    assert waiting.status_code == 503 and "Không kiểm tra được tệp đính kèm lúc này" in html(waiting)
    assert db_session.scalar(select(Attachment).where(Attachment.submission_id == receipt.submission.id)) is None


def test_a_refused_reply_or_file_comes_back_at_its_section_and_says_so(client, db_session, receipt, storage):
    """The forms post to their section's anchor, so the page shown again with the error opens there
    (not at the top of a long page), and its title starts with "Lỗi"."""
    import io

    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert f'action="/track/{receipt.tracking_code}/reply#messages"' in page
    assert f'action="/track/{receipt.tracking_code}/evidence#documents"' in page
    assert "<title>Lỗi" not in page
    refused = html(client.post(f"/track/{receipt.tracking_code}/reply", data={"body": ""}))
    assert "<title>Lỗi: " in refused and 'id="error-summary" autofocus' in refused
    blank = html(client.post(f"/track/{receipt.tracking_code}/reply", data={"body": " \n\u200b "}))
    assert "Vui lòng nhập nội dung tin nhắn." in blank  # whitespace is not a message
    added = client.post(f"/track/{receipt.tracking_code}/evidence?lang=en", content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(samples.pdf_with_metadata()), "a.pdf")]}, follow_redirects=True)
    assert "1 file added." in html(added)


@pytest.mark.parametrize(("kind", "anonymous", "shown", "absent"), [
    (SubmissionKind.PETITION, False, "quyết định thụ lý, chuyển đơn hoặc hướng dẫn", "Hạn giải quyết:"),
    (SubmissionKind.DENUNCIATION, True, "không được thụ lý theo thủ tục tố cáo", "quyết định thụ lý"),
])
def test_the_status_page_names_the_deadline_that_runs(client, db_session, app, org, storage, kind, anonymous, shown,
                                                      absent):
    from portal.deadlines.services import seed_rules

    seed_rules(db_session)
    r = receive(db_session, app, kind, anonymous=anonymous)
    db_session.commit()
    page = html(open_tracking(client, r, follow_redirects=True))
    assert shown in page and absent not in page
    assert "Hạn xử lý đơn:" in page and "cơ quan phải xem xét, phân loại đơn" in page


def test_an_unsigned_denunciation_without_a_clock_is_told_it_has_no_resolution_deadline(client, db_session, app,
                                                                                          org, storage):
    r = receive(db_session, app, SubmissionKind.DENUNCIATION, anonymous=True)  # no rules seeded: no clock
    db_session.commit()
    page = html(open_tracking(client, r, follow_redirects=True))
    assert "không có thời hạn giải quyết" in page and "khi cơ quan thụ lý đơn" not in page
