"""The reporter's own identifiers are masked in what staff read (LEGAL.md §4.2): the matcher, the
search index, the case page and its downloads, notices. The audited reveal shows the text as received."""

from __future__ import annotations

import unicodedata

import pytest
from flask import Flask

from portal.accounts.models import Role
from portal.cases.evidence import working_copy_name
from portal.cases.models import CaseEvent, CaseKind, CaseStatus, Message, MessageKind, SubmissionKind, SubmissionNote
from portal.cases.redaction import Redactor, search_text
from portal.cases.text import fold
from portal.files.storage import get_storage
from tests.backoffice.test_search import found
from tests.factories import make_unit, make_user
from tests.files import samples
from tests.helpers import login_as
from tests.intake.helpers import receive

NAME = "Nguyễn Thị Lan"
ID_NUMBER = "079088001234"
EMAIL = "lan@example.test"
ADDRESS = "12 Lê Lợi, phường Bến Thành"
PHONE = "0903123456"


@pytest.fixture
def redactor() -> Redactor:
    return Redactor.for_values(full_name=NAME, address=ADDRESS, id_number=ID_NUMBER, phone=PHONE, email=EMAIL)


# -- the matcher ----------------------------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "Nguyễn Thị Lan", "NGUYỄN THỊ LAN", "nguyen thi lan", "Nguyen  Thi\nLan", "Nguyễn-Thị-Lan",
    unicodedata.normalize("NFD", "Nguyễn Thị Lan"),  # typed on a keyboard that sends combining marks
])
def test_the_name_is_masked_however_it_is_written(redactor, written):
    assert redactor.text(f"Tôi là {written}, cư trú tại đây.") == "Tôi là [họ tên người gửi], cư trú tại đây."


@pytest.mark.parametrize("written", ["0903123456", "0903 123 456", "0903.123.456", "0903-123-456", "+84 903 123 456",
                                     "+84903123456", "(+84) 903123456", "0084 903123456", "84903123456"])
def test_the_phone_is_masked_in_every_usual_form(redactor, written):
    assert redactor.text(f"Gọi {written} nhé") == "Gọi [số điện thoại người gửi] nhé"


def test_the_id_number_email_and_address_are_masked(redactor):
    text = "CCCD số 079 088 001 234; thư LAN@Example.TEST; nhà ở số 12, Lê Lợi - phường Bến Thành."
    assert redactor.text(text) == ("CCCD số [số định danh người gửi]; thư [thư điện tử người gửi]; "
                                   "nhà ở số [địa chỉ người gửi].")


def test_other_people_and_longer_numbers_are_left_alone(redactor):
    """Only the reporter's own values: a name whose last word differs, a number that contains the
    phone, another address on the same street, another e-mail are evidence, kept as typed."""
    text = "Ông Nguyễn Thị Lanh; thửa đất 0903123456789; số 112 Lê Lợi, phường Bến Thành; thư xlan@example.test"
    assert redactor.text(text) == text
    # A longer name that begins with the reporter's is masked: words cannot tell them apart, and
    # masking too much is the safe side.
    assert redactor.text("bà Nguyễn Thị Lan Anh") == "bà [họ tên người gửi] Anh"


def test_a_single_word_name_or_short_numbers_mask_nothing():
    redactor = Redactor.for_values(full_name="Lan", phone="113", id_number="12-34", address="Hà Nội")
    assert not redactor
    assert redactor.text("Lan gọi 113 ở Hà Nội") == "Lan gọi 113 ở Hà Nội"
    assert not Redactor.for_identity(None) and Redactor.none().text("Nguyễn Thị Lan") == "Nguyễn Thị Lan"


def test_a_passport_number_is_masked_as_a_word():
    redactor = Redactor.for_values(full_name="An", id_number="B1234567")
    assert redactor.text("Hộ chiếu b1234567, không phải AB1234567.") == (
        "Hộ chiếu [số định danh người gửi], không phải AB1234567.")


@pytest.mark.parametrize("written", ["0903\u00a0123\u00a0456", "0903–123–456", "0903_123_456", "0903, 123 456",
                                     "０９０３１２３４５６", "0903\t123\t456"])
def test_numbers_grouped_with_other_separators_or_typed_full_width(redactor, written):
    assert redactor.text(f"Gọi {written} nhé") == "Gọi [số điện thoại người gửi] nhé"


def test_form_values_as_people_type_them():
    """The identity form's fields hold more than the bare value: a courtesy title, a note in
    brackets, two phone numbers, "+84 (0)", an ID with its label and date of issue, a full address
    of which the text repeats only the house and street."""
    redactor = Redactor.for_values(full_name="Ông Đặng Văn Hùng (đại diện)",
                                   phone="+84 (0) 912 345 678 / 0987.000.111",
                                   id_number="CCCD: 079 088 001 234, cấp 2021",
                                   address="45 Nguyễn Trãi, phường Chợ Quán")
    text = ("Tôi, Đặng Văn Hùng, số 45 Nguyễn Trãi, gọi +84 912 345 678 hoặc 0987000111; CCCD 079088001234 "
            "cấp năm 2021.")
    assert redactor.text(text) == ("Tôi, [họ tên người gửi], số [địa chỉ người gửi], gọi [số điện thoại người gửi] "
                                   "hoặc [số điện thoại người gửi]; CCCD [số định danh người gửi] cấp năm 2021.")


def test_what_stands_next_to_a_value_in_its_field_is_not_masked():
    """A date of issue beside the ID number is not part of it (nor an ID itself); "Ông" and "Chu"
    are surnames as well as titles; a hamlet or ward is not a house address."""
    for field in ("079088001234 - 12/05/2021", "079088001234, 12/05/2021", "079088001234 cấp ngày 12.05.2021"):
        redactor = Redactor.for_values(id_number=field)
        assert redactor.text("CCCD 079088001234, cấp 12/05/2021") == "CCCD [số định danh người gửi], cấp 12/05/2021"
    assert Redactor.for_values(full_name="Ông Văn Dũng").text("Tôi vẫn dùng xe; Ông Văn Dũng ký") == (
        "Tôi vẫn dùng xe; [họ tên người gửi] ký")
    assert Redactor.for_values(full_name="Chu Văn An").text("vẫn an toàn") == "vẫn an toàn"
    hamlet = Redactor.for_values(address="Tổ dân phố 3, phường Bến Thành")
    assert hamlet.text("Vi phạm xảy ra ở tổ dân phố 3.") == "Vi phạm xảy ra ở tổ dân phố 3."
    house = Redactor.for_values(address="Số 45/2 Lê Lợi, phường 3")
    assert house.text("nhà 45/2 Lê Lợi") == "nhà [địa chỉ người gửi]"


@pytest.mark.parametrize("written", ["Ðặng Văn Hùng", "ðặng văn hùng", "Đặ\u0301ng Văn Hùng"])
def test_look_alike_letters_and_stray_accents_do_not_hide_a_name(written):
    # Ð (U+00D0) from wrong encodings; a combining accent NFC cannot compose onto a precomposed letter.
    assert Redactor.for_values(full_name="Đặng Văn Hùng").text(f"Tôi là {written}.") == "Tôi là [họ tên người gửi]."


def test_html_escapes_the_text_keeps_line_breaks_and_marks_the_masks(redactor):
    html = redactor.html(f"<b>Tôi</b> là {NAME}\ngọi {PHONE}")
    assert html == ('&lt;b&gt;Tôi&lt;/b&gt; là <span class="redacted">[họ tên người gửi]</span><br>\n'
                    'gọi <span class="redacted">[số điện thoại người gửi]</span>')
    assert redactor.html("") == ""


def test_overlapping_values_become_one_mask():
    # The address contains the name (a family business named after the reporter).
    redactor = Redactor.for_values(full_name="Trần Văn Bình", address="Cửa hàng Trần Văn Bình, chợ Cồn")
    assert redactor.text("Gửi từ Cửa hàng Trần Văn Bình, chợ Cồn.") == "Gửi từ [địa chỉ người gửi]."


def test_the_search_text_leaves_the_identifiers_out(redactor):
    text = search_text("Đơn của Nguyễn Thị Lan", f"Liên hệ {PHONE}. Đường ngập nước.", redactor)
    assert text == fold("Đơn của Liên hệ . Đường ngập nước.")


# -- intake and search ----------------------------------------------------------------------------

@pytest.fixture
def named_case(db_session, app: Flask):  # type: ignore[no-untyped-def]
    """A signed denunciation whose text names its sender, received through the real service."""
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root, name="Sở Xây dựng")
    receipt = receive(db_session, app, SubmissionKind.DENUNCIATION, anonymous=False, unit_id=unit.id,
                      title="Tố cáo của Nguyễn Thị Lan",
                      content=f"Tôi là {NAME}, CCCD {ID_NUMBER}, tố cáo ông Trần Văn Bảy xây nhà trái phép.\n"
                              f"Liên hệ tôi qua {EMAIL}.")
    submission = receipt.submission
    case = submission.cases[0]
    case.kind, case.status = CaseKind.DENUNCIATION, CaseStatus.IN_REVIEW
    head = make_user(db_session, roles=[(Role.HEAD, unit)], full_name="Trưởng Sở")
    handler = make_user(db_session, roles=[(Role.HANDLER, unit)], full_name="Cán bộ thụ lý")
    deputy = make_user(db_session, roles=[(Role.DEPUTY, unit)], full_name="Phó Sở")
    case.handler_id = handler.id
    db_session.flush()
    return {"case": case, "submission": submission, "head": head, "handler": handler, "deputy": deputy,
            "unit": unit, "db": db_session}


def test_the_search_does_not_find_a_case_by_its_senders_name(client, named_case):
    db, submission = named_case["db"], named_case["submission"]
    assert found(db, "tran van bay") == {submission.id}  # the content is searchable
    for query in (NAME, "nguyen thi lan", ID_NUMBER, EMAIL):
        assert submission.id not in found(db, query), query
    login_as(client, named_case["deputy"])
    page = client.get("/staff/search?q=Nguy%E1%BB%85n+Th%E1%BB%8B+Lan").get_data(as_text=True)
    assert named_case["case"].reference not in page


# -- the case page --------------------------------------------------------------------------------

def test_the_case_page_masks_the_senders_identifiers_everywhere(client, named_case):
    db, case, submission = named_case["db"], named_case["case"], named_case["submission"]
    db.add(Message(submission_id=submission.id, case_id=case.id, kind=MessageKind.FROM_REPORTER,
                   body=f"Tôi, {NAME}, bổ sung: số điện thoại mới 0912 000 111."))
    db.add(Message(submission_id=submission.id, case_id=case.id, kind=MessageKind.INTERNAL,
                   author_id=named_case["handler"].id, body=f"Đã gọi cho bà {NAME} để xác minh."))
    db.add(SubmissionNote(submission_id=submission.id, by_reporter=True, text=f"Đính chính: {NAME} ở tổ 3."))
    db.flush()
    for user in ("deputy", "handler", "head"):  # whoever reads it, even those allowed to reveal
        login_as(client, named_case[user])
        page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
        assert NAME not in page and ID_NUMBER not in page and EMAIL not in page, user
        assert page.count('<span class="redacted">[họ tên người gửi]</span>') == 5  # title, content, 2 messages, note
        assert '<span class="redacted">[số định danh người gửi]</span>' in page
        assert "Trần Văn Bảy" in page and "0912 000 111" in page  # the rest is as typed


def test_the_audited_reveal_shows_the_text_as_received(client, named_case):
    case = named_case["case"]
    login_as(client, named_case["handler"])
    shown = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Liên hệ xác minh nội dung"})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and f"Tôi là {NAME}, CCCD {ID_NUMBER}" in body
    assert 'class="redacted"' not in body
    assert NAME not in client.get(f"/staff/cases/{case.id}").get_data(as_text=True)  # masked again


def test_evidence_is_listed_and_served_under_neutral_names(client, named_case):
    """A file name can name its sender: staff see "Tệp 1 (PDF)" and download the working copy as
    ``<reference>-tep-1.pdf``; the original name comes only with the reveal and the sealed original."""
    db, case = named_case["db"], named_case["case"]
    from portal.intake.services import FileInput
    from portal.tracking.services import add_evidence

    add_evidence(db, get_storage(), named_case["submission"],
                 [FileInput(f"Đơn tố cáo - {NAME}.pdf", samples.pdf_with_metadata()),
                  FileInput("ảnh hiện trường Lan.jpg", samples.jpeg_with_gps())], note="Bổ sung chứng cứ")
    attachments = named_case["submission"].attachments
    login_as(client, named_case["deputy"])
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "Tệp 1 (PDF)" in page and "Tệp 2 (JPG)" in page
    assert "Đơn tố cáo - " not in page and "ảnh hiện trường" not in page
    assert "Bổ sung chứng cứ<br>\n<br>\nTệp 1, Tệp 2" in page  # the reporter's note names the files by number
    login_as(client, named_case["handler"])  # a denunciation's files: those who may know the sender (audited)
    response = client.get(f"/staff/cases/{case.id}/attachments/{attachments[1].id}")
    assert response.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{case.reference}-tep-2.jpg"

    login_as(client, named_case["head"])
    revealed = client.post(f"/staff/cases/{case.id}/reveal", data={"reason": "Đối chiếu chứng cứ"}).get_data(
        as_text=True)
    assert f"<li>Đơn tố cáo - {NAME}.pdf</li><li>ảnh hiện trường Lan.jpg</li>" in revealed
    original = client.post(f"/staff/cases/{case.id}/attachments/{attachments[0].id}/original",
                           data={"reason": "Giám định chữ ký"})
    assert original.status_code == 200 and "Lan.pdf" in original.headers["Content-Disposition"].replace("%20", " ")


def test_working_copy_names_carry_only_the_case_and_the_number():
    assert working_copy_name("TC-2026-00042", 3, "application/pdf") == "TC-2026-00042-tep-3.pdf"
    assert working_copy_name("TC-2026-00042", 1, "application/x-unknown") == "TC-2026-00042-tep-1.bin"


def test_a_notice_never_carries_the_senders_identifiers(client, named_case):
    """An officer's note flows into the printed notice (``{{ text }}``), which may go to the accused."""
    db, case = named_case["db"], named_case["case"]
    event = CaseEvent(case_id=case.id, action="not_accept", actor_id=named_case["head"].id,
                      from_status=CaseStatus.IN_REVIEW, to_status=CaseStatus.NOT_ACCEPTED, reason_code="TC-29-A",
                      note=f"Đơn của bà {NAME} (CCCD {ID_NUMBER}) không đủ điều kiện thụ lý.", is_public=True)
    db.add(event)
    db.flush()
    login_as(client, named_case["handler"])
    response = client.get(f"/staff/cases/{case.id}/notices/{event.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "không đủ điều kiện thụ lý" in body
    assert NAME not in body and ID_NUMBER not in body and "[họ tên người gửi]" in body
    english = client.get(f"/staff/cases/{case.id}/notices/{event.id}?lang=en").get_data(as_text=True)
    assert "Use the browser's Print function" in english  # the officer's English interface
    assert "[họ tên người gửi]" in english and "[sender's name]" not in english  # the notice is in Vietnamese


def test_a_submission_with_no_identity_is_shown_as_typed(client, db_session, app):
    unit = make_unit(db_session, parent=make_unit(db_session))
    receipt = receive(db_session, app, unit_id=unit.id, content=f"Tôi là {NAME}, nhưng gửi nặc danh.")
    case = receipt.submission.cases[0]
    head = make_user(db_session, roles=[(Role.HEAD, unit)])
    login_as(client, head)
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert f"Tôi là {NAME}, nhưng gửi nặc danh." in page and 'class="redacted"' not in page
    assert receipt.submission.search_text == fold(f"Đèn đường hỏng Tôi là {NAME}, nhưng gửi nặc danh.")
