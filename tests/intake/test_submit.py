"""Submitting each kind of đơn: validation rules, receipt, files, double submit, atomicity."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata

import pytest
from sqlalchemy import select

from portal.cases.models import Attachment, Case, CaseEvent, CaseStatus, ReporterIdentity, Submission, SubmissionKind
from portal.intake.codes import hash_secret, normalize_code
from tests.factories import make_user
from tests.files import samples
from tests.helpers import login_as
from tests.intake.helpers import FailingStorage, form_data, post, submissions

KINDS = ["complaint", "denunciation", "petition", "feedback"]


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


# -- pages -----------------------------------------------------------------------------------------

def test_start_page_explains_the_four_kinds(client, db_session):
    """The complaint's time limit is the rule in force today (KN-01, data with effective dates): no
    number in the text while no rule is loaded, and a new version shows as soon as it is in force."""
    from portal.deadlines.models import DeadlineRule
    from portal.deadlines.services import seed_rules
    from portal.web.pagecache import get_cache

    page = html(client.get("/submit"))
    for kind in KINDS:
        assert f'href="/submit/{kind}"' in page
    assert "ẩn danh" in page and "ngày kể từ khi biết" not in page and "thời hiệu khiếu nại" in page

    seed_rules(db_session)
    db_session.commit()
    get_cache(client.application).clear()
    page = html(client.get("/submit"))
    assert page.count("90 ngày kể từ khi biết quyết định") == 2  # the kind's card and the chooser

    kn01 = db_session.query(DeadlineRule).filter_by(code="KN-01").one()
    kn01.valid_to = dt.date.today() - dt.timedelta(days=1)
    db_session.add(DeadlineRule(code="KN-01", version=kn01.version + 1, kind=kn01.kind, stage=kn01.stage,
                                duration=60, unit=kn01.unit, starts_at=kn01.starts_at, legal_basis="Luật mới",
                                confidence="V", valid_from=dt.date.today()))
    db_session.commit()
    get_cache(client.application).clear()
    page = html(client.get("/submit"))
    assert page.count("60 ngày kể từ khi biết quyết định") == 2 and "90 ngày" not in page


def test_start_page_is_served_from_the_page_cache_to_anonymous_visitors(app, client):
    from flask import template_rendered

    from portal.web.pagecache import get_cache

    get_cache(app).clear()
    rendered: list[str] = []

    def record(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        first, second = client.get("/submit"), client.get("/submit")
    finally:
        template_rendered.disconnect(record, app)
        get_cache(app).clear()
    assert rendered == ["intake/start.html"]  # the second visitor got the stored page
    assert first.get_data() == second.get_data() and second.status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_each_form_renders_with_a_nonce_and_no_store(client, org, kind):
    response = client.get(f"/submit/{kind}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = html(response)
    assert 'name="nonce"' in page and 'name="website"' in page
    assert '<datalist id="unit-options">' in page and "Sở Xây dựng" in page
    assert "Ủy ban nhân dân phường Bến Thành" in page  # ward list


def test_unknown_kind_is_404(client):
    assert client.get("/submit/lawsuit").status_code == 404


# -- a successful submission -----------------------------------------------------------------------

def test_anonymous_feedback_gets_a_receipt_with_code_and_secret(client, db_session, org, storage, app):
    response = post(client, "feedback", form_data("feedback", anonymous=True, title="Rác\x07 ở  kênh",
                                                  content="Cafe\u0301 đổ rác"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/submit/receipt")
    assert "secret" not in response.headers["Location"].lower()
    receipt = client.get("/submit/receipt")
    page = html(receipt)
    assert receipt.headers["Cache-Control"] == "no-store"
    [submission] = submissions(db_session)
    assert f'<code id="tracking-code">{submission.tracking_code}</code>' in page
    secret = page.split('<code id="tracking-secret">')[1].split("</code>")[0]
    assert len(secret.replace("-", "")) == 20  # 100 bits
    assert submission.secret_hash == hash_secret(app.config["SECRET_KEY"], secret)
    assert secret not in submission.secret_hash and len(submission.secret_hash) == 64
    assert normalize_code(submission.tracking_code) == submission.tracking_code
    assert submission.tracking_code.startswith("PA-")
    assert submission.is_anonymous and submission.identity is None
    assert submission.title == "Rác ở  kênh"  # control character removed
    assert submission.content == "Café đổ rác"  # NFC
    assert submission.search_text == "rac o kenh cafe do rac"
    case = db_session.scalar(select(Case).where(Case.submission_id == submission.id))
    assert case.status == CaseStatus.RECEIVED and case.unit_id == org["root"].id
    event = db_session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id))
    assert event.is_public
    # Shown once: a reload shows the code but not the secret.
    again = html(client.get("/submit/receipt"))
    assert submission.tracking_code in again and 'id="tracking-secret"' not in again and secret not in again


def test_the_secret_hash_is_keyed_for_this_purpose(app):
    plain = hashlib.sha256(b"ABCDE").hexdigest()
    raw_key = hmac.new(app.config["SECRET_KEY"].encode(), b"ABCDE", hashlib.sha256).hexdigest()
    assert hash_secret(app.config["SECRET_KEY"], "abcde") not in (plain, raw_key)
    assert hash_secret(app.config["SECRET_KEY"], "abcde") == hash_secret(app.config["SECRET_KEY"], "A-B-C-D-E")


def test_no_client_address_is_stored(client, db_session, org, storage):
    post(client, "feedback", form_data("feedback", anonymous=True), environ_base={"REMOTE_ADDR": "203.0.113.77"})
    [submission] = submissions(db_session)
    for column in Submission.__table__.columns:
        assert "203.0.113.77" not in str(getattr(submission, column.key))


def test_named_petition_keeps_identity_apart(client, db_session, org, storage):
    response = post(client, "petition", form_data("petition", unit="so xay dung", field_id=str(org["field"].id),
                                                  ward_id=str(org["ward"].id)))
    assert response.status_code == 302
    [submission] = submissions(db_session)
    assert not submission.is_anonymous
    assert submission.unit_id == org["dept"].id  # type-ahead resolved without accents
    assert submission.field_id == org["field"].id and submission.ward_id == org["ward"].id
    identity = db_session.scalar(select(ReporterIdentity).where(ReporterIdentity.submission_id == submission.id))
    assert identity.full_name == "Nguyễn Thị Lan" and identity.id_number == "079088001234"
    assert "Nguyễn Thị Lan" not in submission.content


# -- validation rules ------------------------------------------------------------------------------

def test_anonymous_complaint_is_refused_and_feedback_is_offered(client, db_session, org, storage):
    response = post(client, "complaint", form_data("complaint", anonymous=True, title="Quyết định sai"))
    assert response.status_code == 422
    page = html(response)
    assert "không cho phép giải quyết khiếu nại ẩn danh" in page
    assert 'id="offer-feedback"' in page and 'action="/submit/feedback"' in page
    assert submissions(db_session) == []
    # Following the offer shows the feedback form, prefilled, anonymous, nothing stored yet.
    moved = client.post("/submit/feedback", data={"as_feedback": "1", "mode": "anonymous", "title": "Quyết định sai",
                                                  "content": "Nội dung", "nonce": "n" * 24})
    assert moved.status_code == 200
    assert 'value="Quyết định sai"' in html(moved) and "chuyển sang mẫu phản ánh" in html(moved)
    assert submissions(db_session) == []


def test_complaint_needs_the_identity_block(client, db_session, org, storage):
    data = form_data("complaint", full_name="", address="", id_number="", phone="", email="")
    page = html(post(client, "complaint", data))
    for message in ("Vui lòng nhập họ và tên.", "Vui lòng nhập địa chỉ liên hệ.",
                    "Vui lòng nhập số căn cước hoặc số định danh cá nhân.",
                    "Vui lòng nhập số điện thoại hoặc thư điện tử"):
        assert message in page
    assert submissions(db_session) == []


def test_complaint_needs_the_decision_and_the_date_learned(client, db_session, org, storage):
    page = html(post(client, "complaint", form_data("complaint", decision_issuer="", learned_on="")))
    assert "Vui lòng cho biết cơ quan hoặc người ra quyết định" in page
    assert "dùng để tính thời hiệu khiếu nại" in page
    assert submissions(db_session) == []


def test_dates_in_the_future_are_refused(client, db_session, org, storage):
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    page = html(post(client, "complaint", form_data("complaint", learned_on=tomorrow, decision_date=tomorrow)))
    assert page.count("Ngày này không thể ở tương lai.") >= 2
    assert submissions(db_session) == []


def test_late_complaint_is_explained_and_needs_a_reason(client, db_session, org, storage):
    from portal.deadlines.services import seed_rules

    seed_rules(db_session)
    assert "Thời hiệu khiếu nại là 90 ngày" in html(client.get("/submit/complaint"))
    old = (dt.date.today() - dt.timedelta(days=120)).isoformat()
    data = form_data("complaint", learned_on=old, decision_date=old)
    first = post(client, "complaint", data)
    assert first.status_code == 422
    page = html(first)
    assert 'id="late-warning"' in page and "trở ngại khách quan" in page
    assert submissions(db_session) == []
    accepted = post(client, "complaint", {**data, "late_reason": "Tôi nằm viện 2 tháng."})
    assert accepted.status_code == 302
    [submission] = submissions(db_session)
    assert submission.late_reason == "Tôi nằm viện 2 tháng."
    assert submission.learned_on == dt.date.today() - dt.timedelta(days=120)


def test_complaint_within_ninety_days_needs_no_reason(client, db_session, org, storage):
    from portal.deadlines.clock import local_today
    from portal.deadlines.services import seed_rules

    seed_rules(db_session)

    # The 90th day counted from the city's today (UTC+7), not the test machine's: from 17:00 UTC on,
    # the city is already a day ahead.
    recent = (local_today() - dt.timedelta(days=90)).isoformat()
    assert post(client, "complaint", form_data("complaint", learned_on=recent, decision_date=recent)).status_code == 302
    [submission] = submissions(db_session)
    assert submission.decision_number == "12/QĐ-UBND" and submission.tracking_code.startswith("KN-")



def test_the_time_to_complain_comes_from_the_rules_in_force_and_the_civil_code_count(db_session):
    """LEGAL.md §2.2: KN-01, 90 days from the day the citizen learned of the decision; KN-05, 30 days
    for a second complaint; a period ending on a day off runs to the next working day (§2.1). The
    rules are data: a new version applies to those who learn of a decision from its first day."""
    from portal.deadlines.models import DeadlineRule
    from portal.deadlines.services import rule_in_force, seed_rules
    from portal.intake.services import complaint_limit

    seed_rules(db_session)
    limit = complaint_limit(db_session)
    # learned Sunday 8/3/2026: day 90 is Saturday 6/6, so the period runs to Monday 8/6
    assert limit(dt.date(2026, 3, 8), False) == (90, dt.date(2026, 6, 8))
    assert limit(dt.date(2026, 3, 9), True) == (30, dt.date(2026, 4, 8))  # a second complaint: 30 days
    old = db_session.get(DeadlineRule, rule_in_force(db_session, "KN-01", dt.date(2026, 3, 8)).id)
    db_session.add(DeadlineRule(**{c.key: getattr(old, c.key) for c in DeadlineRule.__table__.columns
                                   if c.key not in ("id", "valid_from", "version", "duration")},
                                valid_from=dt.date(2027, 1, 1), version=old.version + 1, duration=60))
    db_session.flush()
    assert limit(dt.date(2027, 1, 4), False)[0] == 60 and limit(dt.date(2026, 12, 31), False)[0] == 90

def test_named_denunciation_needs_identity_and_explains_protection(client, db_session, org, storage):
    form = html(client.get("/submit/denunciation"))
    assert "Luật Tố cáo bảo vệ người tố cáo" in form
    page = html(post(client, "denunciation", form_data("denunciation", full_name="", id_number="", accused_name="",
                                                       accused_unit_text="")))
    assert "Vui lòng nhập họ và tên." in page and "Vui lòng cho biết người hoặc cơ quan bị tố cáo." in page
    assert submissions(db_session) == []
    assert post(client, "denunciation", form_data("denunciation", protection_requested="y")).status_code == 302
    [submission] = submissions(db_session)
    assert submission.identity.protection_requested and submission.accused_name == "Trần Văn B"
    assert submission.tracking_code.startswith("TC-")


def test_anonymous_denunciation_is_accepted_explained_and_stores_no_identity(client, db_session, org, storage):
    data = form_data("denunciation", anonymous=True, full_name="Typed Anyway", id_number="0123", accused_name="")
    assert post(client, "denunciation", data).status_code == 302
    [submission] = submissions(db_session)
    assert submission.is_anonymous and submission.identity is None
    assert db_session.scalar(select(ReporterIdentity.id)) is None
    receipt = html(client.get("/submit/receipt"))
    assert "chỉ kiểm tra khi đơn nêu rõ người vi phạm" in receipt


@pytest.mark.parametrize(("size", "names", "error"), [
    ("5", "", "phải ghi họ tên người đại diện"),
    ("7", "Lê Văn C\nTrần Thị D\nPhạm Văn E", "Đơn của 7 người cử không quá 2 người đại diện"),
    ("7", "1. Lê Văn C, Trần Thị D; Phạm Văn E", "Đơn của 7 người cử không quá 2 người đại diện"),  # one line
    ("12", "\n".join(f"Người Đại Diện {n}" for n in "ABCDEF"), "Đơn của 12 người cử không quá 5 người đại diện"),
    ("3", "\n".join(f"Người Đại Diện {n}" for n in "ABCDEF"), "Ghi không quá 5 người đại diện."),
    ("7", "Lê Văn " + "C" * 260, "Mỗi họ tên không quá 255 ký tự."),
])
def test_a_group_names_as_many_representatives_as_the_law_allows(client, db_session, org, storage, size, names,
                                                                  error):
    """Luật Tiếp công dân Art. 29: 5 to 10 people appoint 1 or 2 representatives; more than 10, at most 5."""
    response = post(client, "petition", form_data("petition", group_size=size, representatives=names))
    assert response.status_code == 422 and error in html(response)
    assert names.split("\n")[0] in html(response)  # what was typed is kept
    assert submissions(db_session) == []


def test_a_groups_representatives_are_kept_with_the_senders_identity(client, db_session, org, storage):
    # a numbered list, spaces, a blank line, a repeat typed in decomposed Unicode (NFD)
    names = "1. Lê Văn   Cường \n\n2) Trần Thị Dung\n" + unicodedata.normalize("NFD", "Lê Văn Cường")
    content = "Chúng tôi, 7 hộ dân do ông Lê Văn Cường đại diện, kiến nghị nạo vét cống."
    assert post(client, "petition", form_data("petition", group_size="7", representatives=names,
                                              content=content)).status_code == 302
    [submission] = submissions(db_session)
    assert submission.group_size == 7 and submission.cases[0].is_group
    assert submission.identity.representatives == ["Lê Văn Cường", "Trần Thị Dung"]
    assert "nao vet cong" in submission.search_text and "le van cuong" not in submission.search_text  # masked


def test_an_anonymous_group_keeps_no_representative(client, db_session, org, storage):
    data = form_data("feedback", anonymous=True, group_size="12", representatives="Lê Văn Cường")
    assert post(client, "feedback", data).status_code == 302  # not asked for: like every identity field
    [submission] = submissions(db_session)
    assert submission.group_size == 12 and submission.identity is None
    assert db_session.scalar(select(ReporterIdentity.id)) is None


def test_unknown_unit_gets_a_clear_error_and_keeps_what_was_typed(client, db_session, org, storage):
    response = post(client, "feedback", form_data("feedback", unit="Bộ Không Tồn Tại", content="Nội dung dài của tôi"))
    assert response.status_code == 422
    page = html(response)
    assert "Không tìm thấy cơ quan này" in page
    assert 'value="Bộ Không Tồn Tại"' in page and "Nội dung dài của tôi" in page
    assert 'id="reselect-files"' in page  # files must be selected again
    assert submissions(db_session) == []


def test_honeypot_refuses_bots(client, db_session, org, storage):
    assert post(client, "feedback", form_data("feedback", website="http://spam.example")).status_code == 400
    assert submissions(db_session) == []


@pytest.mark.parametrize("blank", ["", "   ", "\n\t \n", "\u200b\u202e", "\x00\x07"])
def test_title_and_content_are_required_and_blank_is_not_text(client, db_session, org, storage, blank):
    response = post(client, "feedback", form_data("feedback", anonymous=True, title=blank, content=blank))
    page = html(response)
    assert response.status_code in (400, 422)
    assert "Vui lòng nhập tiêu đề." in page and "Vui lòng trình bày nội dung đơn." in page
    assert submissions(db_session) == []


# -- files -----------------------------------------------------------------------------------------

def test_evidence_files_are_stored_with_hash_and_stripped_copy(client, db_session, org, storage):
    jpeg, pdf = samples.jpeg_with_gps(), samples.pdf_with_metadata()
    files = [(jpeg, "ảnh hiện trường.jpg"), (pdf, "giấy tờ.pdf"), (samples.docx_with_authors(), "thư.docx")]
    assert post(client, "denunciation", form_data("denunciation", anonymous=True), files=files).status_code == 302
    [submission] = submissions(db_session)
    rows = db_session.scalars(select(Attachment).where(Attachment.submission_id == submission.id)
                              .order_by(Attachment.id)).all()
    assert [r.original_name for r in rows] == ["ảnh hiện trường.jpg", "giấy tờ.pdf", "thư.docx"]
    assert rows[0].sha256 == hashlib.sha256(jpeg).hexdigest() and storage.read(rows[0].storage_key) == jpeg
    assert samples.SECRET_AUTHOR.encode() not in storage.read(rows[0].working_key)
    assert samples.SECRET_AUTHOR.encode() not in storage.read(rows[1].working_key)
    assert rows[2].working_key is not None and rows[2].mime_type.endswith("wordprocessingml.document")
    assert all(r.uploaded_by_reporter for r in rows)
    assert sorted(storage.keys()) == sorted(k for r in rows for k in (r.storage_key, r.working_key) if k)
    assert not str(storage.root).startswith(str(client.application.static_folder))


def test_php_renamed_jpg_is_refused(client, db_session, org, storage):
    response = post(client, "feedback", form_data("feedback"), files=[(samples.PHP, "photo.jpg")])
    assert response.status_code == 422
    assert "Tệp “photo.jpg” không được chấp nhận" in html(response)
    assert submissions(db_session) == [] and storage.keys() == []


def test_too_many_files(client, db_session, org, storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "SETTINGS", app.config["SETTINGS"].with_overrides(max_files=2))
    files = [(samples.webp(), f"{n}.webp") for n in range(3)]
    response = post(client, "feedback", form_data("feedback"), files=files)
    assert response.status_code == 422 and "Chỉ được gửi tối đa 2 tệp." in html(response)
    assert submissions(db_session) == []


def test_file_over_the_per_file_limit(client, db_session, org, storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "SETTINGS", app.config["SETTINGS"].with_overrides(max_file_mb=1))
    big = samples.jpeg_with_gps() + b"\0" * (1024 * 1024)
    response = post(client, "feedback", form_data("feedback"), files=[(big, "big.jpg")])
    assert response.status_code == 422 and "Tệp “big.jpg” lớn hơn 1 MB." in html(response)
    assert submissions(db_session) == [] and storage.keys() == []


def test_request_over_the_total_limit_gets_the_413_page(client, db_session, org, storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    response = post(client, "feedback", form_data("feedback"), files=[(b"\xff" * (600 * 1024), "a.jpg")])
    assert response.status_code == 413
    assert "Tệp quá lớn" in html(response)
    assert submissions(db_session) == [] and storage.keys() == []


# -- double submit and atomicity -------------------------------------------------------------------

def test_double_submit_creates_one_submission(client, db_session, org, storage):
    data = form_data("feedback", nonce="same-nonce-" + "a" * 20)
    first = post(client, "feedback", data)
    second = post(client, "feedback", data)
    assert first.status_code == 302
    assert second.status_code == 302 and second.headers["Location"].endswith("/submit/receipt")
    assert len(submissions(db_session)) == 1
    client.get("/submit/receipt")
    third = post(client, "feedback", data)  # after the receipt was shown
    assert third.status_code == 409 and "Đơn này đã được gửi" in html(third)
    assert submissions(db_session)[0].tracking_code in html(third)
    assert len(submissions(db_session)) == 1



def test_back_from_the_receipt_then_send_again_creates_no_second_don(client, db_session, org, storage):
    # Back re-fetches the form (no-store) with a new nonce; the browser restores what was typed
    first = post(client, "feedback", form_data("feedback", nonce="first-nonce-" + "c" * 20))
    assert first.status_code == 302
    code = submissions(db_session)[0].tracking_code
    for shown in (False, True):  # before and after the receipt page was shown
        if shown:
            client.get("/submit/receipt")
        again = post(client, "feedback", form_data("feedback", nonce=f"fresh-nonce-{shown}-" + "d" * 20))
        assert again.status_code in (302, 409)
        assert len(submissions(db_session)) == 1
    assert again.status_code == 409 and code in html(again)
    # a different đơn from the same browser is a new đơn
    other = post(client, "feedback", form_data("feedback", nonce="other-don-" + "e" * 20, title="Cây đổ"))
    assert other.status_code == 302 and len(submissions(db_session)) == 2

def test_resubmission_from_another_browser_shows_no_code(client, app, db_session, org, storage):
    data = form_data("feedback", nonce="other-nonce-" + "b" * 20)
    post(client, "feedback", data)
    stranger = app.test_client()
    response = post(stranger, "feedback", data)
    assert response.status_code == 409
    assert submissions(db_session)[0].tracking_code not in html(response)
    assert len(submissions(db_session)) == 1


def test_storage_failure_leaves_neither_record_nor_file(client, db_session, org, app, tmp_path):
    from portal.files.storage import set_storage

    failing = FailingStorage(tmp_path / "failing", fail_on=3)  # the 2nd file's original
    set_storage(app, failing)
    try:
        files = [(samples.jpeg_with_gps(), "a.jpg"), (samples.webp(), "b.webp")]
        response = post(client, "feedback", form_data("feedback"), files=files)
    finally:
        set_storage(app, None)
    assert response.status_code == 503
    assert "Không lưu được tệp đính kèm" in html(response) and 'value="Đường ngập nước"' in html(response)
    assert failing.writes == 3 and failing.keys() == []
    assert submissions(db_session) == []
    assert db_session.scalar(select(Attachment.id)) is None


def test_database_failure_after_files_were_written_removes_them(client, db_session, org, storage, monkeypatch):
    from portal.intake import services

    written: list[str] = []

    def failing_case(session, submission, unit_id=None):  # type: ignore[no-untyped-def]
        written.extend(storage.keys())  # the files are on disk when the rows are written
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "register_submission", failing_case)
    response = post(client, "feedback", form_data("feedback"), files=[(samples.webp(), "b.webp")])
    assert response.status_code == 500
    assert len(written) == 2  # the original and its stripped copy
    assert storage.keys() == [] and submissions(db_session) == []


def test_a_tracking_code_taken_meanwhile_is_drawn_again(client, db_session, org, storage, monkeypatch):
    from portal.intake import services

    first = post(client, "feedback", form_data("feedback", anonymous=True, nonce="first-" + "x" * 20))
    assert first.status_code == 302
    taken = submissions(db_session)[0].tracking_code
    drawn = iter([taken])  # another request stored this code between our read and our write
    original = services.unique_code
    monkeypatch.setattr(services, "unique_code", lambda session, kind: next(drawn, None) or original(session, kind))
    second = post(client, "feedback", form_data("feedback", anonymous=True, nonce="second-" + "x" * 20,
                                                title="Một đơn khác"), files=[(samples.webp(), "b.webp")])
    assert second.status_code == 302
    rows = submissions(db_session)
    assert len(rows) == 2 and rows[1].tracking_code != taken
    assert len(storage.keys()) == 2  # the second đơn's file (original and copy), not twice


def test_without_any_receiving_unit_nothing_is_written(client, db_session, storage):
    # No organisation at all: routing fails while the đơn is prepared, before any file is written.
    response = post(client, "feedback", form_data("feedback"), files=[(samples.webp(), "b.webp")])
    assert response.status_code == 500
    assert storage.keys() == [] and submissions(db_session) == []


def test_preparing_a_submission_only_reads_and_storing_writes_it_whole(app, db_session, org, storage):
    from portal.intake import services

    data = services.SubmissionInput(kind=SubmissionKind.FEEDBACK, title="Đèn đường hỏng",
                                    content="Đèn đường trước số 5 hỏng đã một tuần.", form_nonce="n" * 24)
    draft = services.prepare(db_session, data, secret_key=app.config["SECRET_KEY"])
    assert not db_session.new and not db_session.dirty  # nothing for the write lock to cover yet
    assert draft.unit_id is not None and draft.submission.tracking_code.startswith("PA-")
    receipt = services.store(db_session, storage, draft)
    db_session.commit()
    case = db_session.scalar(select(Case).where(Case.reference == receipt.tracking_code))
    assert case is not None and case.unit_id == draft.unit_id and case.status == CaseStatus.RECEIVED
    assert [e.action for e in case.events] == ["received"]
    assert hmac.compare_digest(receipt.submission.secret_hash, hash_secret(app.config["SECRET_KEY"], draft.secret))


# -- signed-in citizens ----------------------------------------------------------------------------

def test_signed_in_citizen_is_prefilled_and_linked(client, db_session, org, storage):
    citizen = make_user(db_session, full_name="Phạm Minh Đức", email="duc@example.test", phone="0911000111")
    login_as(client, citizen)
    page = html(client.get("/submit/complaint"))
    assert 'value="Phạm Minh Đức"' in page and 'value="duc@example.test"' in page
    assert 'name="notify_by_email"' in page
    data = form_data("complaint", full_name="Phạm Minh Đức", email="duc@example.test", notify_by_email="y")
    assert post(client, "complaint", data).status_code == 302
    [submission] = submissions(db_session)
    assert submission.user_id == citizen.id and submission.notify_by_email


def test_anonymous_visitors_cannot_opt_in_to_email(client, db_session, org, storage):
    assert 'name="notify_by_email"' not in html(client.get("/submit/feedback"))
    post(client, "feedback", form_data("feedback", notify_by_email="y"))
    assert submissions(db_session)[0].notify_by_email is False


# -- abuse and safety ------------------------------------------------------------------------------

def test_submissions_are_throttled_per_client(client, db_session, org, storage):
    codes = [post(client, "feedback", form_data("feedback", nonce=f"rate-{n}-" + "c" * 20,
                                                title=f"Đơn số {n}")).status_code for n in range(7)]
    assert codes[:6] == [302] * 6 and codes[6] == 429
    assert len(submissions(db_session)) == 6


def test_refused_forms_do_not_use_up_the_submission_limit(client, db_session, org, storage):
    # a citizen correcting a form several times must still be able to send it
    for n in range(8):
        refused = post(client, "feedback", form_data("feedback", title="", nonce=f"fix-{n}-" + "f" * 20))
        assert refused.status_code == 422
    assert post(client, "feedback", form_data("feedback", nonce="fixed-" + "f" * 20)).status_code == 302
    # ... while a flood of refused forms is still stopped
    codes = [post(client, "feedback", form_data("feedback", title="", nonce=f"flood-{n}-" + "f" * 20)).status_code
             for n in range(30)]
    assert codes[-1] == 429


def test_csrf_is_enforced(csrf_client, db_session, org, storage):
    response = post(csrf_client, "feedback", form_data("feedback"))
    assert response.status_code == 400 and submissions(db_session) == []


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT_FIELDS = ["title", "content", "request_text", "full_name", "address", "decision_issuer", "decision_number",
               "late_reason", "representatives", "sent_elsewhere_detail", "phone", "id_number"]


def test_xss_payloads_are_escaped_when_the_form_is_shown_again(client, db_session, org, storage):
    data = form_data("complaint", **dict.fromkeys(TEXT_FIELDS, XSS), unit=XSS, email="bad")
    page = html(post(client, "complaint", data))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_anonymous_submission_by_a_signed_in_citizen_is_not_linked_to_the_account(client, db_session, org, storage):
    citizen = make_user(db_session)
    login_as(client, citizen)
    response = post(client, "denunciation", form_data("denunciation", anonymous=True, notify_by_email="y"))
    assert response.status_code == 302
    [submission] = submissions(db_session)
    assert submission.is_anonymous and submission.user_id is None and not submission.notify_by_email


def test_units_with_the_same_name_are_told_apart_by_their_parent(client, db_session, org, storage):
    from tests.factories import make_unit

    other_parent = make_unit(db_session, name="Sở Tài chính", code="STC")
    twin_a = make_unit(db_session, parent=org["dept"], name="Phòng Tổng hợp", code="PTH-1")
    twin_b = make_unit(db_session, parent=other_parent, name="Phòng Tổng hợp", code="PTH-2")
    page = html(client.get("/submit/feedback"))
    assert '<option value="Phòng Tổng hợp — Sở Xây dựng">' in page
    assert '<option value="Phòng Tổng hợp — Sở Tài chính">' in page
    ambiguous = post(client, "feedback", form_data("feedback", unit="Phòng Tổng hợp"))
    assert ambiguous.status_code == 422 and "Không tìm thấy cơ quan này" in html(ambiguous)
    assert post(client, "feedback", form_data("feedback", unit="Phòng Tổng hợp — Sở Tài chính")).status_code == 302
    assert submissions(db_session)[0].unit_id == twin_b.id != twin_a.id


def test_retired_units_are_not_offered(client, db_session, org, storage):
    from tests.factories import make_unit

    make_unit(db_session, name="Ủy ban nhân dân quận Cũ", code="Q-CU", valid_to=dt.date(2025, 7, 1))
    assert "quận Cũ" not in html(client.get("/submit/feedback"))
    assert post(client, "feedback", form_data("feedback", unit="Ủy ban nhân dân quận Cũ")).status_code == 422


# -- the form helps: messages in the page's language, marked fields, usual names, nothing dropped ---

@pytest.mark.parametrize(("lang", "expected", "absent"), [
    ("vi", "Hãy nhập một số nguyên, ví dụ 3.", "Not a valid integer value."),
    ("en", "Enter a whole number, for example 3.", "Hãy nhập một số nguyên"),
])
def test_a_value_that_is_not_a_number_is_explained_in_the_page_language(client, db_session, org, storage, lang,
                                                                          expected, absent):
    response = client.post(f"/submit/feedback?lang={lang}", data=form_data("feedback", anonymous=True,
                                                                           group_size="1.5"))
    page = html(response)
    assert response.status_code == 422 and expected in page and absent not in page
    # one clear message: not also "must be at least 1" for a value that is not a number at all
    assert "Số người phải từ 1 đến" not in page and "between 1 and" not in page
    assert page.count("<title>") == 1 and ("<title>Lỗi: " in page or "<title>Error: " in page)



@pytest.mark.parametrize(("field", "value", "message"), [
    ("group_size", "1000000", "Số người phải từ 1 đến 100.000."),
    ("group_size", "0", "Số người phải từ 1 đến 100.000."),
    ("decision_date", "0001-01-01", "Hãy nhập ngày trong khoảng năm 1900–2200."),
    ("learned_on", "0001-01-01", "Hãy nhập ngày trong khoảng năm 1900–2200."),
])
def test_out_of_range_numbers_and_dates_are_refused_with_the_range(client, db_session, org, storage, field, value,
                                                                   message):
    response = post(client, "complaint", form_data("complaint", **{field: value}))
    assert response.status_code == 422 and message in html(response)
    assert submissions(db_session) == []


def test_the_language_link_of_a_refused_form_stays_on_the_form(client, db_session, org, storage):
    page = html(post(client, "feedback", form_data("feedback", anonymous=True, title="")))
    assert 'href="/submit/feedback?lang=en"' in page


def test_a_head_request_for_a_form_is_answered_like_a_get(client, org):
    response = client.head("/submit/feedback")
    assert response.status_code == 200 and response.data == b""

def test_the_error_summary_links_land_on_their_fields(client, db_session, org, storage):
    page = html(post(client, "complaint", form_data("complaint", anonymous=True)))
    assert 'href="#mode"' in page and '<fieldset id="mode"' in page  # the radios' group, not a missing id
    assert 'id="error-summary" autofocus' in page
    assert '<input aria-invalid="true" checked id="mode-1"' in page


def test_identity_fields_required_when_named_are_marked(client, org):
    def required(kind: str, name: str) -> bool:
        page = client.get(f"/submit/{kind}").get_data(as_text=True)
        tag = next(t for t in page.split("<input")[1:] if f'id="{name}"' in t.split(">")[0])
        return 'aria-required="true"' in tag.split(">")[0]

    assert all(required("complaint", name) for name in ("full_name", "address", "id_number"))
    assert required("petition", "full_name") and not required("petition", "address")
    assert "Khi ghi tên, các ô có dấu * là bắt buộc." in client.get("/submit/feedback").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["UBND phường Bến Thành", "ubnd phuong ben thanh", "UBND P. Bến Thành, TP.HCM",
                                   "Sở Xây dựng TP.HCM"])
def test_the_usual_ways_of_writing_a_unit_are_understood(client, db_session, org, storage, typed):
    assert post(client, "feedback", form_data("feedback", anonymous=True, unit=typed)).status_code == 302
    [submission] = submissions(db_session)
    assert submission.unit_id == (org["dept"] if "Xây" in typed else org["ward"]).id


def test_an_anonymous_complaint_moved_to_feedback_keeps_everything_that_fits(client, db_session, org, storage):
    data = form_data("complaint", anonymous=True, group_size="6", representatives="Trần Văn Đại",
                     sent_elsewhere="y", sent_elsewhere_detail="Đã gửi phường tháng 3.",
                     decision_issuer="UBND phường Bến Thành", decision_number="12/QĐ-UBND",
                     decision_date="2026-03-01", learned_on="2026-03-05")
    page = html(post(client, "complaint", data))
    offer = page.split('id="offer-feedback"')[1].split("</form>")[0]
    assert "Trần Văn Đại" not in offer  # an anonymous đơn keeps no identity, its representatives included
    for name, value in (("group_size", "6"), ("sent_elsewhere", "y"),
                        ("sent_elsewhere_detail", "Đã gửi phường tháng 3.")):
        assert f'name="{name}" value="{value}"' in offer, name
    content = offer.split('name="content" value="')[1].split('"')[0]
    assert content.startswith("Đường Lê Lợi ngập") and "UBND phường Bến Thành" in content and "12/QĐ-UBND" in content


def test_the_receipt_opens_the_tracking_page_with_its_code(client, db_session, org, storage):
    post(client, "feedback", form_data("feedback", anonymous=True))
    page = client.get("/submit/receipt").get_data(as_text=True)
    code = page.split('id="tracking-code">')[1].split("<")[0]
    assert f'href="/track?code={code}"' in page
