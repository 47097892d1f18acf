"""Files of a named denunciation (portal/cases/evidence.py): held back from staff who may not know
the denouncer until the handler or the head uploads a redacted copy or clears the working copy;
every opening of the working copy by them is audited."""

from __future__ import annotations

import dataclasses
import io

import pikepdf
import pypdfium2
import pytest
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.cases.evidence import is_protected
from portal.cases.models import Attachment, CaseKind, CaseStatus, SubmissionKind
from portal.files.flatten import MAX_PAGES
from portal.files.services import ingest
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.files import samples
from tests.fixtures.clamd import EICAR
from tests.fixtures.mail import free_port
from tests.helpers import login_as

NAME = "Đỗ Thị Tố Giác"


@pytest.fixture
def world(db_session, storage):  # type: ignore[no-untyped-def]
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root)
    people = {name: make_user(db_session, roles=[(role, unit)], full_name=name) for name, role in (
        ("handler", Role.HANDLER), ("head", Role.HEAD), ("deputy", Role.DEPUTY), ("officer", Role.INTAKE_OFFICER),
        ("inspector", Role.INSPECTOR))}
    submission = make_submission(db_session, unit_id=unit.id, kind=SubmissionKind.DENUNCIATION,
                                 identity={"full_name": NAME, "phone": "0901234567"})
    case = make_case(db_session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.INVESTIGATING, handler_id=people["handler"].id)
    scan = ingest(storage, "đơn.pdf", samples.pdf_with_metadata())
    photo = ingest(storage, "ảnh.jpg", samples.jpeg_with_gps())
    rows = [Attachment(submission_id=submission.id, original_name=s.original_name, mime_type=s.mime_type,
                       size=s.size, sha256=s.sha256, storage_key=s.storage_key, working_key=s.working_key,
                       working_sha256=s.working_sha256) for s in (scan, photo)]
    db_session.add_all(rows)
    db_session.flush()
    return {"case": case, "unit": unit, "scan": rows[0], "photo": rows[1], "db": db_session, "storage": storage,
            **people}


def pdf_page(content: bytes, resources: dict | None = None, annots: bool = False,
             image_filter: str = "/DCTDecode") -> bytes:
    """A one-page PDF drawing ``content``; ``/Im0`` is a JPEG (or JPX) picture, ``/F1`` a font and
    ``/Fm0`` (there only when the content draws it) a form showing text."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    image = pdf.make_stream(samples.jpeg_with_gps((8, 8)) if image_filter == "/DCTDecode"
                            else b"\0\0\0\x0cjP  \r\n\x87\n")
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name(image_filter)
    image.Width, image.Height, image.BitsPerComponent, image.ColorSpace = 8, 8, 8, pikepdf.Name.DeviceRGB
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    form = pdf.make_stream(b"BT /F1 12 Tf 10 10 Td (Nguyen Van A) Tj ET")
    form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 200, 200]
    form.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    xobjects = pikepdf.Dictionary(Im0=image, Fm0=form) if b"/Fm0" in content else pikepdf.Dictionary(Im0=image)
    page.Resources = pikepdf.Dictionary(XObject=xobjects, Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(content)
    if annots:
        page.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Redact, Rect=[10, 10, 100, 30])]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


SCAN = b"q 200 0 0 200 0 0 cm /Im0 Do Q"  # a page that is one picture
BLACK_BOX = b"0 g 10 90 180 40 re f"


def url(world, attachment: Attachment, suffix: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/staff/cases/{world['case'].id}/attachments/{attachment.id}{suffix}"


def entries(db, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def upload(client, world, attachment: Attachment, data: bytes, name: str = "da-che.pdf"):  # type: ignore[no-untyped-def]
    return client.post(url(world, attachment, "/redacted"), data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# -- which cases ----------------------------------------------------------------------------------

def test_only_named_denunciations_hold_their_files_back(db_session):
    unit = make_unit(db_session, parent=make_unit(db_session))

    def case(kind: SubmissionKind, case_kind: CaseKind | None, **identity):  # type: ignore[no-untyped-def]
        submission = make_submission(db_session, unit_id=unit.id, kind=kind,
                                     identity={"full_name": NAME, **identity} if identity is not None else None)
        return make_case(db_session, unit=unit, submission=submission, kind=case_kind)

    assert is_protected(case(SubmissionKind.DENUNCIATION, None))
    assert is_protected(case(SubmissionKind.PETITION, CaseKind.DENUNCIATION))  # classified as one by content
    assert not is_protected(case(SubmissionKind.COMPLAINT, CaseKind.COMPLAINT))
    assert not is_protected(case(SubmissionKind.DENUNCIATION, CaseKind.DENUNCIATION, waived_confidentiality=True))
    # A petition split in two: the complaint part holds the files back too, since the denunciation
    # part's files are the same files.
    split = make_submission(db_session, unit_id=unit.id, kind=SubmissionKind.PETITION, identity={"full_name": NAME})
    complaint_part = make_case(db_session, unit=unit, submission=split, kind=CaseKind.COMPLAINT)
    assert not is_protected(complaint_part)
    make_case(db_session, unit=unit, submission=split, kind=CaseKind.DENUNCIATION)
    db_session.expire(split, ["cases"])
    assert is_protected(complaint_part)
    anonymous = make_submission(db_session, unit_id=unit.id, kind=SubmissionKind.DENUNCIATION)
    assert not is_protected(make_case(db_session, unit=unit, submission=anonymous, kind=CaseKind.DENUNCIATION_INFO))


# -- before anything is prepared ------------------------------------------------------------------

def test_other_staff_see_the_file_listed_but_cannot_open_it(client, world):
    for who in ("deputy", "officer", "inspector"):
        login_as(client, world[who])
        page = client.get(f"/staff/cases/{world['case'].id}").get_data(as_text=True)
        assert "Tệp 1 (PDF)" in page and "chờ cán bộ thụ lý hoặc người đứng đầu che thông tin người gửi" in page
        assert url(world, world["scan"]) + '"' not in page  # no link
        assert "/redacted" not in page and "/clear" not in page  # no form
        refused = client.get(url(world, world["scan"]))
        assert refused.status_code == 403 and "tải lên bản đã che" in refused.get_data(as_text=True)
        assert client.get(url(world, world["scan"], "/redacted")).status_code == 404


def test_the_handler_opens_the_working_copy_and_each_opening_is_audited(client, world):
    login_as(client, world["handler"])
    page = client.get(f"/staff/cases/{world['case'].id}").get_data(as_text=True)
    assert "có thể có thông tin người gửi, ghi nhật ký khi mở" in page
    assert "Cán bộ khác chưa xem được tệp này" in page
    for _ in range(2):
        response = client.get(url(world, world["scan"]))
        assert response.status_code == 200 and response.data == world["storage"].read(world["scan"].working_key)
    views = entries(world["db"], "attachment.protected_view")
    assert len(views) == 2 and {v.actor_id for v in views} == {world["handler"].id}
    assert views[0].case_id == world["case"].id and views[0].object_id == str(world["scan"].id)


def test_a_complaints_files_are_not_held_back(client, db_session, storage):
    unit = make_unit(db_session, parent=make_unit(db_session))
    deputy = make_user(db_session, roles=[(Role.DEPUTY, unit)])
    submission = make_submission(db_session, unit_id=unit.id, kind=SubmissionKind.COMPLAINT,
                                 identity={"full_name": NAME})
    case = make_case(db_session, unit=unit, submission=submission, kind=CaseKind.COMPLAINT)
    stored = ingest(storage, "quyết định.pdf", samples.pdf_with_metadata())
    row = Attachment(submission_id=submission.id, original_name=stored.original_name, mime_type=stored.mime_type,
                     size=stored.size, sha256=stored.sha256, storage_key=stored.storage_key,
                     working_key=stored.working_key, working_sha256=stored.working_sha256)
    db_session.add(row)
    db_session.flush()
    login_as(client, deputy)
    assert client.get(f"/staff/cases/{case.id}/attachments/{row.id}").status_code == 200
    assert not entries(db_session, "attachment.protected_view")


def test_a_working_copy_that_cannot_be_read_leaves_no_audit_entry(client, world):
    world["storage"].delete(world["scan"].working_key)
    login_as(client, world["handler"])
    assert client.get(url(world, world["scan"])).status_code == 404
    assert not entries(world["db"], "attachment.protected_view")


def test_nothing_to_prepare_on_a_file_that_is_not_held_back(client, world):
    world["case"].submission.identity.waived_confidentiality = True  # the denouncer agreed to be named
    world["db"].flush()
    login_as(client, world["handler"])
    assert upload(client, world, world["scan"], samples.png_with_text(), "che.png").status_code == 404
    assert client.post(url(world, world["scan"], "/clear"), data={"confirm": "y"}).status_code == 404
    world["db"].refresh(world["scan"])
    assert world["scan"].redacted_key is None and not world["scan"].cleared
    login_as(client, world["deputy"])
    assert client.get(url(world, world["scan"])).status_code == 200


# -- the redacted copy ----------------------------------------------------------------------------

def test_the_handler_uploads_a_redacted_copy_that_other_staff_then_read(client, world):
    db, storage = world["db"], world["storage"]
    login_as(client, world["handler"])
    redacted = samples.pdf_with_metadata()  # a PDF from the handler's own tools: its metadata names them
    response = upload(client, world, world["scan"], redacted)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#file-{world['scan'].id}")
    db.refresh(world["scan"])
    stored = storage.read(world["scan"].redacted_key)
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert samples.SECRET_AUTHOR not in str(pdf.docinfo) and "/Metadata" not in pdf.Root  # stripped too
    [entry] = entries(db, "attachment.redacted_copy")
    assert entry.actor_id == world["handler"].id and entry.details["sha256"] == world["scan"].redacted_sha256

    login_as(client, world["deputy"])
    page = client.get(f"/staff/cases/{world['case'].id}").get_data(as_text=True)
    assert "bản đã che thông tin người gửi" in page and url(world, world["scan"]) + '"' in page
    copy = client.get(url(world, world["scan"]))
    assert copy.status_code == 200 and copy.data == stored
    assert copy.headers["Content-Disposition"].endswith(f"{world['case'].reference}-tep-1-da-che.pdf")
    assert client.get(url(world, world["photo"])).status_code == 403  # each file on its own
    assert not entries(db, "attachment.protected_view")  # reading the redacted copy reveals nobody


def test_a_new_redacted_copy_replaces_the_old_one_in_storage(client, world):
    db, storage = world["db"], world["storage"]
    login_as(client, world["head"])
    assert upload(client, world, world["scan"], samples.pdf_with_metadata()).status_code == 302
    db.refresh(world["scan"])
    first = world["scan"].redacted_key
    assert upload(client, world, world["scan"], samples.png_with_text(), "trang-1.png").status_code == 302
    db.refresh(world["scan"])
    assert world["scan"].redacted_key != first and world["scan"].redacted_mime == "image/png"
    assert not storage.exists(first) and storage.exists(world["scan"].redacted_key)
    assert [e.details["replaced"] for e in entries(db, "attachment.redacted_copy")] == [False, True]


def rendered(pdf: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[i].render(scale=1).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("content", [
    SCAN + b" " + BLACK_BOX,  # a box laid over a scanned page: the scan is whole underneath
    b"BT /F1 12 Tf 10 100 Td (Nguyen Van A) Tj ET " + BLACK_BOX,  # a box drawn over the words
    SCAN + b" /Fm0 Do " + BLACK_BOX,  # the words inside a form drawn on the page
])
def test_a_redacted_pdf_is_kept_as_pictures_of_its_pages(client, world, content):
    """Whatever the copy hid under its boxes is not in what other staff get: only a picture of
    each page as it shows (the box black, the rest as it was)."""
    login_as(client, world["handler"])
    original = pdf_page(content)
    assert upload(client, world, world["scan"], original).status_code == 302
    world["db"].refresh(world["scan"])
    stored = world["storage"].read(world["scan"].redacted_key)
    assert world["scan"].redacted_mime == "application/pdf" and b"Nguyen" not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        [page] = pdf.pages
        assert list(page.Resources.keys()) == ["/XObject"] and list(page.Resources.XObject.keys()) == ["/Im0"]
        assert page.Resources.XObject.Im0.Subtype == pikepdf.Name.Image and "/Annots" not in page.obj
        assert "/Info" not in pdf.trailer and "/Metadata" not in pdf.Root
        assert float(page.mediabox[2]) == pytest.approx(200, abs=1)  # the page keeps its size
    [before], [after] = rendered(original), rendered(stored)
    assert max(after.getpixel((100, 200 - 110))) < 40  # inside the black box (image rows grow downwards)
    assert sum(abs(a - b) for a, b in zip(before.getpixel((100, 10)), after.getpixel((100, 10)), strict=True)) < 60


def test_a_redacted_picture_loses_what_hides_under_transparency(client, world):
    picture = Image.new("RGBA", (4, 4), (255, 255, 255, 255))
    picture.putpixel((0, 0), (200, 0, 0, 0))  # fully transparent, but its colour is still in the file
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    login_as(client, world["head"])
    assert upload(client, world, world["scan"], buffer.getvalue(), "che.png").status_code == 302
    world["db"].refresh(world["scan"])
    assert world["scan"].redacted_mime == "image/png"
    with Image.open(io.BytesIO(world["storage"].read(world["scan"].redacted_key))) as stored:
        assert stored.mode == "RGB" and stored.getpixel((0, 0)) == (255, 255, 255)


def odd_page(square: bytes, pages: int = 1, mediabox: bytes = b"[0 0 200 200]") -> bytes:
    """``pages`` pages of ``mediabox``; with ``square``, a filled Square annotation on the first
    that has no appearance stream (PDFium draws nothing for it; other viewers draw a black box)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(200, 200)).obj.MediaBox = pikepdf.Array(
            [pikepdf.Object.parse(n) for n in mediabox.strip(b"[]").split()])
    if square:
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Object.parse(
            b"<< /Type /Annot /Subtype /Square " + square + b" >>")]))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_copy_that_takes_too_long_to_flatten_is_refused(client, world, monkeypatch):
    from portal.files import flatten

    monkeypatch.setattr(flatten, "WALL_SECONDS", 0.01)  # a hostile PDF can describe hours of drawing
    login_as(client, world["handler"])
    response = upload(client, world, world["scan"], pdf_page(SCAN))
    assert response.status_code == 422 and "quá lớn hoặc quá phức tạp" in response.get_data(as_text=True)


def too_long() -> bytes:
    pdf = pikepdf.new()
    for _ in range(MAX_PAGES + 1):
        pdf.add_blank_page(page_size=(100, 100))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<?php system($_GET['c']); ?>", "x.pdf", "không được chấp nhận"),
    (samples.docx_with_authors(), "che.docx", "trong tài liệu văn phòng, chữ dưới ô che vẫn đọc được"),
    (pdf_page(SCAN, annots=True), "che.pdf", "còn vùng che chưa được áp dụng"),  # marked, never applied
    (too_long(), "che.pdf", f"từ 1 đến {MAX_PAGES} trang"),
    (odd_page(b"/Rect [10 10 100 30] /C [0 0 0] /IC [0 0 0]"), "che.pdf", "chú thích (ô vẽ, ghi chú)"),
    (odd_page(b"", mediabox=b"[0 0 1 1]"), "che.pdf", "khổ thông thường"),
    (odd_page(b"", pages=10, mediabox=b"[0 0 14400 14400]"), "che.pdf", "quá lớn hoặc quá phức tạp"),
    (None, "", "Trường này là bắt buộc"),
])
def test_a_refused_redacted_copy_changes_nothing_and_says_why(client, world, data, name, message):
    db, storage = world["db"], world["storage"]
    before = set(storage.keys())
    login_as(client, world["handler"])
    if data is None:
        response = client.post(url(world, world["scan"], "/redacted"), data={}, content_type="multipart/form-data")
    else:
        response = upload(client, world, world["scan"], data, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'id="file-{world["scan"].id}-errors"' in page and '<details class="redact-evidence" open>' in page
    db.refresh(world["scan"])
    assert world["scan"].redacted_key is None and not entries(db, "attachment.redacted_copy")
    assert set(storage.keys()) == before


def test_an_infected_redacted_copy_is_refused_and_a_silent_scanner_means_try_later(client, world, app, scanning):
    login_as(client, world["handler"])
    infected = upload(client, world, world["scan"], samples.png_with_comment(EICAR), "che.png")
    assert infected.status_code == 422 and "mã độc" in infected.get_data(as_text=True)
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, clamd_port=free_port())  # nothing listens there
    try:
        silent = upload(client, world, world["scan"], samples.png_with_comment(b"ok"), "che.png")
    finally:
        app.config["SETTINGS"] = settings
    assert silent.status_code == 503 and "Không kiểm tra được tệp" in silent.get_data(as_text=True)
    world["db"].refresh(world["scan"])
    assert world["scan"].redacted_key is None


# -- clearing -------------------------------------------------------------------------------------

def test_the_head_clears_a_photo_that_names_nobody(client, world):
    db = world["db"]
    login_as(client, world["head"])
    unconfirmed = client.post(url(world, world["photo"], "/clear"), data={})
    assert unconfirmed.status_code == 422 and "Hãy đánh dấu ô xác nhận." in unconfirmed.get_data(as_text=True)
    assert client.post(url(world, world["photo"], "/clear"), data={"confirm": "y"}).status_code == 302
    assert client.post(url(world, world["photo"], "/clear"), data={"confirm": "y"}).status_code == 302  # once
    [entry] = entries(db, "attachment.cleared")
    assert entry.actor_id == world["head"].id and entry.object_id == str(world["photo"].id)

    login_as(client, world["officer"])
    page = client.get(f"/staff/cases/{world['case'].id}").get_data(as_text=True)
    assert "đã xác nhận không có thông tin người gửi" in page
    copy = client.get(url(world, world["photo"]))
    assert copy.status_code == 200 and copy.data == world["storage"].read(world["photo"].working_key)
    assert client.get(url(world, world["scan"])).status_code == 403  # the scanned đơn still waits


def test_a_file_without_a_working_copy_cannot_be_cleared(client, world):
    world["photo"].working_key = None
    world["db"].flush()
    login_as(client, world["handler"])
    response = client.post(url(world, world["photo"], "/clear"), data={"confirm": "y"})
    assert response.status_code == 422 and "không có bản làm việc" in response.get_data(as_text=True)
    assert not entries(world["db"], "attachment.cleared")


def test_who_opened_a_protected_file_is_for_inspectors_not_administrators(client, world, db_session):
    from tests.backoffice.test_audit_view import entry_ids

    admin = make_user(db_session, roles=[(Role.ADMIN, world["unit"])])
    login_as(client, world["handler"])
    assert client.get(url(world, world["scan"])).status_code == 200
    [view] = entries(db_session, "attachment.protected_view")
    login_as(client, world["inspector"])
    assert view.id in entry_ids(client.get("/staff/audit").get_data(as_text=True))
    login_as(client, admin)
    assert view.id not in entry_ids(client.get("/staff/audit").get_data(as_text=True))


def test_the_queues_show_which_cases_have_files_waiting(client, world, db_session):
    from portal.cases.evidence import awaiting_preparation

    other = make_case(db_session, unit=world["unit"], status=CaseStatus.INVESTIGATING,
                      handler_id=world["handler"].id)  # a feedback case: nothing held back
    assert awaiting_preparation(db_session, [world["case"].id, other.id]) == {world["case"].id}
    login_as(client, world["handler"])

    def waiting_rows() -> list[str]:
        page = client.get("/staff/queues/mine").get_data(as_text=True)
        rows = page.split("<tr>")[2:]
        return [r.split("</a>")[0].rsplit(">", 1)[-1] for r in rows if "Tệp chờ che thông tin người gửi" in r]

    assert waiting_rows() == [world["case"].reference]
    assert client.post(url(world, world["photo"], "/clear"), data={"confirm": "y"}).status_code == 302
    assert waiting_rows() == [world["case"].reference]  # the scanned đơn still waits
    assert upload(client, world, world["scan"], samples.png_with_text(), "che.png").status_code == 302
    assert waiting_rows() == []
