"""Browser journeys: one per kind of đơn, with JavaScript, without it, and on a phone."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portal.cases.models import Attachment, Submission
from portal.db import get_session
from portal.files.storage import get_storage
from portal.org.models import Field, OrgUnit, UnitKind
from tests.browser.pages import CitizenSite, IntakeSite
from tests.files import samples

pytestmark = pytest.mark.browser


@pytest.fixture
def city(live_server):  # type: ignore[no-untyped-def]
    """A small organisation in the live database (the live server wipes it after the test)."""
    with live_server.app.app_context():
        db = get_session()
        root = OrgUnit(code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                       kind=UnitKind.PROVINCIAL_COMMITTEE, valid_from=dt.date(2020, 1, 1))
        db.add(root)
        db.flush()
        db.add_all([OrgUnit(code="SXD", name="Sở Xây dựng", name_en="Department of Construction", parent_id=root.id,
                            kind=UnitKind.DEPARTMENT, valid_from=dt.date(2020, 1, 1)),
                    OrgUnit(code="P-BT", name="Ủy ban nhân dân phường Bến Thành", parent_id=root.id,
                            name_en="Ben Thanh Ward People's Committee", kind=UnitKind.WARD_COMMITTEE,
                            valid_from=dt.date(2020, 1, 1)),
                    Field(code="land", name="Đất đai", name_en="Land")])
        db.commit()
    return live_server


def stored(live_server, code: str) -> Submission:  # type: ignore[no-untyped-def]
    with live_server.app.app_context():
        db = get_session()
        submission = db.scalar(select(Submission).where(Submission.tracking_code == code))
        assert submission is not None
        _ = submission.identity, list(submission.attachments)
        db.expunge_all()
        return submission


def test_anonymous_denunciation_with_a_geotagged_photo(page, city, axe):
    site = IntakeSite(page, city.url).start("denunciation")
    axe(page)
    site.send_anonymously()
    expect(page.locator("#identity-block")).to_be_hidden()  # enhanced with JavaScript
    site.name_the_accused("Nguyễn Văn N.", "Cán bộ địa chính", "Ủy ban nhân dân phường Bến Thành")
    site.describe("Cán bộ đòi tiền để ký hồ sơ", "Ông N. đòi 5 triệu đồng ngoài lệ phí để ký xác nhận hồ sơ đất.")
    site.choose_unit("Ủy ban nhân dân phường Bến Thành")
    photo = samples.jpeg_with_gps()
    site.attach("hiện trường.jpg", photo, "image/jpeg")
    code, secret = site.send()
    assert code.startswith("TC-") and len(secret) == 23
    expect(page.get_by_text("chỉ kiểm tra khi đơn nêu rõ người vi phạm")).to_be_visible()
    axe(page)
    submission = stored(city, code)
    assert submission.is_anonymous and submission.identity is None
    [attachment] = submission.attachments
    storage = get_storage(city.app)
    original = storage.read(attachment.storage_key)
    assert original == photo and hashlib.sha256(original).hexdigest() == attachment.sha256
    working = storage.read(attachment.working_key)
    with Image.open(io.BytesIO(working)) as im:
        assert not im.getexif().get_ifd(samples.GPS_IFD)
    assert samples.SECRET_AUTHOR.encode() not in working
    page.reload()  # the secret is shown once
    expect(page.locator("#tracking-code")).to_have_text(code)
    expect(page.locator("#tracking-secret")).to_have_count(0)


def test_signed_complaint_by_a_logged_in_citizen(page, city, axe):
    from portal.accounts import services as accounts

    with city.app.app_context():
        db = get_session()
        user = accounts.register_citizen(db, email="dan@example.com", password="mật-khẩu-dài-2026",
                                         full_name="Trần Thị Dân")
        accounts.confirm_email(db, user)
        db.commit()
    CitizenSite(page, city.url).login("dan@example.com", "mật-khẩu-dài-2026")
    site = IntakeSite(page, city.url).start("complaint")
    expect(page.locator("#full_name")).to_have_value("Trần Thị Dân")
    expect(page.locator("#email")).to_have_value("dan@example.com")
    page.locator("#address").fill("45 Nguyễn Trãi, phường Chợ Quán")
    page.locator("#id_number").fill("079088001234")
    today = dt.date.today()
    site.name_the_decision("Ủy ban nhân dân phường Chợ Quán", "125/QĐ-XPHC",
                           (today - dt.timedelta(days=20)).isoformat(), (today - dt.timedelta(days=18)).isoformat())
    site.describe("Khiếu nại quyết định xử phạt", "Tôi đã có giấy phép sửa chữa nhà.", "Hủy quyết định xử phạt.")
    page.locator("#notify_by_email").check()
    axe(page)
    code, _secret = site.send()
    assert code.startswith("KN-")
    submission = stored(city, code)
    assert submission.user_id is not None and submission.notify_by_email
    assert submission.identity.full_name == "Trần Thị Dân" and submission.identity.id_number == "079088001234"
    page.goto(city("/account/submissions"))
    expect(page.get_by_role("link", name=code)).to_be_visible()
    axe(page)
    page.get_by_role("link", name=code).click()
    expect(page.locator("#status-label")).to_have_text("Đã tiếp nhận")


def test_anonymous_complaint_is_offered_as_feedback(page, city):
    site = IntakeSite(page, city.url).start("complaint")
    site.send_anonymously()
    site.describe("Quyết định sai", "Nội dung khiếu nại.")
    page.locator("#submission-form button[type=submit]").click()
    expect(page.locator("#offer-feedback")).to_be_visible()
    page.locator("#offer-feedback button").click()
    expect(page).to_have_url(city("/submit/feedback"))
    expect(page.locator("#title")).to_have_value("Quyết định sai")
    code, _ = IntakeSite(page, city.url).send()
    assert code.startswith("PA-")


def test_named_petition(page, city, axe):
    site = IntakeSite(page, city.url).start("petition")
    site.give_identity("Lê Văn Cường", "12 Lê Lợi", "079088009999", "0903123456")
    site.describe("Lắp đèn tín hiệu gần trường", "Giờ tan học rất đông xe.", "Lắp đèn tín hiệu.")
    site.choose_unit("Sở Xây dựng")
    page.locator("#field_id").select_option(label="Đất đai")
    site.attach("kiến nghị.pdf", samples.pdf_with_metadata(), "application/pdf")
    code, _ = site.send()
    assert code.startswith("KI-")
    submission = stored(city, code)
    assert submission.unit_id is not None and submission.field_id is not None
    assert submission.attachments[0].mime_type == "application/pdf"


def test_a_group_petition_names_its_representatives(page, city, axe):
    """Twelve people appoint at most five representatives: six are refused with the reason, what was
    typed stays, and the five kept go with the sender's identity, not the đơn's content."""
    site = IntakeSite(page, city.url).start("petition")
    site.send_anonymously()
    expect(page.locator("#representatives")).to_be_hidden()  # an anonymous đơn keeps no identity
    site.give_identity("Lê Văn Cường", "12 Lê Lợi", "079088009999", "0903123456")
    expect(page.locator("#representatives")).to_be_visible()
    site.describe("Nạo vét kênh Tân Hóa", "Kênh bốc mùi, 12 hộ dân cùng kiến nghị.", "Nạo vét kênh.")
    page.locator("#group_size").fill("12")
    names = ["Lê Văn Cường", "Trần Thị Dung", "Phạm Văn Em", "Ngô Thị Gấm", "Đỗ Văn Hùng", "Vũ Thị Khánh"]
    page.locator("#representatives").fill("\n".join(names))
    page.locator("#submission-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_contain_text("Đơn của 12 người cử không quá 5 người đại diện")
    expect(page.locator("#representatives")).to_have_value("\n".join(names))
    expect(page.locator("#content")).to_have_value("Kênh bốc mùi, 12 hộ dân cùng kiến nghị.")
    axe(page)
    page.locator("#representatives").fill("\n".join(names[:5]))
    code, _ = site.send()
    submission = stored(city, code)
    assert submission.group_size == 12 and submission.identity.representatives == names[:5]


def test_feedback_without_javascript(no_js_page, city):
    page = no_js_page
    page.goto(city("/submit/feedback"))
    expect(page.locator("#identity-block")).to_be_visible()
    page.locator("#mode-1").check()
    page.locator("#title").fill("Rác thải bên kênh")
    page.locator("#content").fill("Rác đổ trộm nhiều ngày.")
    page.locator("#unit").fill("Không có cơ quan này")
    page.locator("#submission-form button[type=submit]").click()
    expect(page.locator("#unit-error")).to_be_visible()  # resolved on the server, clear error
    expect(page.locator("#title")).to_have_value("Rác thải bên kênh")
    expect(page.locator("#reselect-files")).to_be_visible()
    # Without JavaScript too, the page says it has errors first and starts at their list.
    expect(page).to_have_title(re.compile(r"^Lỗi: "))
    expect(page.locator("#error-summary")).to_be_focused()  # autofocus lands once the page has loaded
    page.locator("#unit").fill("UBND P. Bến Thành, TP.HCM")  # the usual abbreviations are understood
    page.locator("#submission-form button[type=submit]").click()
    expect(page).to_have_url(city("/submit/receipt"))
    page.goto(city("/submit/feedback"))
    page.locator("#mode-1").check()
    page.locator("#title").fill("Vỉa hè bị đào")
    page.locator("#content").fill("Công trình đào vỉa hè không hoàn trả.")
    page.locator("#unit").fill("so xay dung")
    page.locator("#submission-form button[type=submit]").click()
    expect(page).to_have_url(city("/submit/receipt"))
    code = page.locator("#tracking-code").inner_text()
    assert code.startswith("PA-") and page.locator("#tracking-secret").inner_text()
    expect(page.locator("#print-receipt")).to_be_hidden()  # the print button needs JavaScript


@pytest.mark.parametrize("kind", ["complaint", "denunciation", "petition", "feedback"])
def test_forms_fit_a_phone(phone_page, city, axe, kind):
    phone_page.goto(city(f"/submit/{kind}"))
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    for box in phone_page.locator(".field-check input[type=checkbox]").all():  # each label beside its box
        if not box.is_visible():
            continue
        label = phone_page.locator(f"label[for='{box.get_attribute('id')}']")
        box_top, label_top = box.bounding_box()["y"], label.bounding_box()["y"]  # type: ignore[index]
        assert abs(box_top - label_top) < 12, (box.get_attribute("id"), box_top, label_top)
    axe(phone_page)


def test_a_php_file_named_jpg_is_refused_and_the_text_is_kept(page, city):
    site = IntakeSite(page, city.url).start("feedback")
    site.send_anonymously()
    site.describe("Ảnh hiện trường", "Xem ảnh.")
    site.attach("photo.jpg", samples.PHP, "image/jpeg")
    page.locator("#submission-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_contain_text("photo.jpg")
    expect(page.locator("#content")).to_have_value("Xem ảnh.")
    with city.app.app_context():
        assert get_session().scalar(select(Attachment.id)) is None


def test_a_file_with_malware_is_refused_and_the_text_is_kept(page, city, clamd, axe):
    import dataclasses

    from tests.fixtures.clamd import EICAR

    settings = city.app.config["SETTINGS"]
    city.app.config["SETTINGS"] = dataclasses.replace(settings, scanner="clamd", clamd_host=clamd.host,
                                                      clamd_port=clamd.port)
    try:
        site = IntakeSite(page, city.url).start("feedback")
        site.send_anonymously()
        site.describe("Ảnh hiện trường", "Xem ảnh.")
        site.attach("ảnh.png", samples.png_with_comment(EICAR), "image/png")
        page.locator("#submission-form button[type=submit]").click()
        expect(page.locator("#error-summary")).to_contain_text("phát hiện mã độc")
        expect(page.locator("#content")).to_have_value("Xem ảnh.")
        axe(page)
    finally:
        city.app.config["SETTINGS"] = settings
    with city.app.app_context():
        assert get_session().scalar(select(Attachment.id)) is None


def test_files_over_the_limits_are_caught_before_sending(page, city):
    """With JavaScript, a file or a set of files over the limits is reported on the form itself:
    nothing is sent, so the text typed is never replaced by the "too large" page."""
    import dataclasses

    settings = city.app.config["SETTINGS"]
    city.app.config["SETTINGS"] = dataclasses.replace(settings, max_file_mb=1, max_upload_mb=2)
    try:
        site = IntakeSite(page, city.url).start("feedback")
        site.send_anonymously()
        site.describe("Ảnh hiện trường", "Nhiều ảnh chụp bằng điện thoại.")
        site.attach("ảnh lớn $&.jpg", b"\0" * (1024 * 1024 + 1), "image/jpeg")  # "$&": no replacement pattern
        page.locator("#submission-form button[type=submit]").click()
        box = page.locator(".upload-limit-error")
        expect(box).to_be_focused()
        expect(box).to_contain_text("ảnh lớn $&.jpg")
        expect(page.locator("#evidence")).to_have_attribute("aria-invalid", "true")
        three = [{"name": f"ảnh {i}.jpg", "mimeType": "image/jpeg", "buffer": b"\0" * (800 * 1024)} for i in range(3)]
        page.locator("#evidence").set_input_files(three)
        page.locator("#submission-form button[type=submit]").click()
        expect(box).to_contain_text("2 MB")
        expect(page).to_have_url(city("/submit/feedback"))  # never sent
        expect(page.locator("#content")).to_have_value("Nhiều ảnh chụp bằng điện thoại.")
        with city.app.app_context():
            assert get_session().scalar(select(Submission.id)) is None
    finally:
        city.app.config["SETTINGS"] = settings


def test_leaving_a_form_with_typed_text_asks_first(page, city):
    IntakeSite(page, city.url).start("feedback")
    page.locator("#title").press_sequentially("Đèn đường hỏng")
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="English").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page.locator("#title")).to_have_value("Đèn đường hỏng")  # stayed, nothing lost


def test_receipt_codes_stay_readable_on_a_phone_with_large_text(phone_page, city):
    page = phone_page
    page.goto(city("/submit/feedback"))
    page.evaluate("document.documentElement.style.fontSize = '200%'")  # text size at 200% (CSSOM: CSP allows it)
    page.locator("#mode-1").check()
    page.locator("#title").fill("Cây đổ")
    page.locator("#content").fill("Cây đổ chắn đường.")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.locator("#submission-form button[type=submit]").click()
    expect(page).to_have_url(city("/submit/receipt"))
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    for code in ("#tracking-code", "#tracking-secret"):
        box = page.locator(code).bounding_box()
        assert box is not None and box["width"] > 150, box  # not squeezed to a character per line
    # the secret, shown once, may wrap only at its hyphens: "…-CJT" / "3F" invites a copying mistake
    assert page.locator("#tracking-secret").evaluate("e => getComputedStyle(e).wordBreak") != "break-all"


def test_back_from_the_receipt_and_send_again_makes_no_second_don(page, city):
    page.goto(city("/submit/feedback"))
    page.locator("#mode-1").check()
    page.locator("#title").fill("Đèn đường hỏng")
    page.locator("#content").fill("Đèn đường trước chợ hỏng đã một tuần.")
    page.locator("#submission-form button[type=submit]").click()
    expect(page).to_have_url(city("/submit/receipt"))
    code = page.locator("#tracking-code").inner_text()
    page.go_back()  # the form again, as typed (the browser restores it), under a fresh form token
    if not page.locator("#title").input_value():  # a browser that does not restore: type it again
        page.locator("#mode-1").check()
        page.locator("#title").fill("Đèn đường hỏng")
        page.locator("#content").fill("Đèn đường trước chợ hỏng đã một tuần.")
    page.locator("#submission-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đơn này đã được gửi")
    expect(page.locator("#tracking-code")).to_have_text(code)
