"""Browser journeys across roles on the case page: an anonymous denunciation to the information queue;
a signed denunciation identified and accepted by the head, assigned, extended and resolved, and the citizen reading
the result; a duplicate merged; a multi-content đơn split."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.services import hash_password, new_totp_secret
from portal.cases.models import Case, CaseKind, CaseStatus, Submission, SubmissionKind
from portal.cases.services import register_submission
from portal.db import get_session, now_utc
from portal.deadlines.clock import local_today
from portal.deadlines.services import seed_rules, start_stage
from portal.org.models import OrgUnit
from tests.browser.pages import IntakeSite, StaffSite, TrackingSite
from tests.browser.test_intake import city  # noqa: F401 - fixture
from tests.factories import make_case, make_submission, make_user
from tests.files import samples

pytestmark = pytest.mark.browser
PASSWORD = "mật khẩu đủ dài 2026"


class CasePage:
    """The staff case page and its action forms."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self, case_id: int) -> CasePage:
        self.page.goto(f"{self.base_url}/staff/cases/{case_id}")
        return self

    def act(self, label: str, **fields: str) -> None:
        """Open the action ``label``, fill ``fields`` (by id) and submit."""
        self.page.locator(".case-actions").get_by_role("link", name=label, exact=True).click()
        for name, value in fields.items():
            field = self.page.locator(f"#{name}")
            tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
            if tag.startswith("select"):
                field.select_option(label=value) if not value.isdigit() else field.select_option(value)
            elif tag.endswith(":checkbox"):
                field.check()
            else:
                field.fill(value)
        self.page.locator("form.case-action-form button[type=submit]").click()

    def expect_status(self, text: str) -> None:
        expect(self.page.locator(".case-status")).to_contain_text(text)

    def expect_no_action(self, label: str) -> None:
        expect(self.page.locator(".case-actions").get_by_role("link", name=label, exact=True)).to_have_count(0)


def _staff(app, unit_code: str = "UBND-TP") -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    """An intake officer, a head and a handler of the city (the whole tree is their scope)."""
    with app.app_context():
        session = get_session()
        root = session.scalar(select(OrgUnit).where(OrgUnit.code == unit_code))
        seed_rules(session)  # the statutory deadlines are data
        people = {}
        for key, role, name in (("officer", Role.INTAKE_OFFICER, "Cán bộ Xử Lý"), ("head", Role.HEAD, "Chánh Văn"),
                                ("handler", Role.HANDLER, "Cán bộ Thụ Lý")):
            secret = new_totp_secret()
            user = make_user(session, roles=[(role, root)], full_name=name, password_hash=hash_password(PASSWORD),
                             totp_secret=secret, email_confirmed_at=now_utc())
            people[key] = (user.email, secret)
        session.commit()
        return people


def _case_id(app, code: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_session().scalar(select(Case.id).join(Submission, Case.submission_id == Submission.id)
                                    .where(Submission.tracking_code == code).order_by(Case.id).limit(1))


def _login(page: Page, base_url: str, who: tuple[str, str]) -> None:
    page.context.clear_cookies()
    StaffSite(page, base_url).login(who[0], PASSWORD, who[1])


def test_anonymous_denunciation_goes_to_the_information_queue(page, city, axe):  # noqa: F811
    people = _staff(city.app)
    site = IntakeSite(page, city.url).start("denunciation")
    site.send_anonymously()
    site.describe("Thu tiền sai quy định", "Cán bộ phường thu tiền xác nhận hồ sơ không có biên lai.")
    code, _secret = site.send()
    case_id = _case_id(city.app, code)

    _login(page, city.url, people["officer"])
    cases = CasePage(page, city.url).open(case_id)
    expect(page.locator(".identity")).to_contain_text("Đơn nặc danh")
    cases.expect_no_action("Quyết định thụ lý")
    axe(page)
    cases.act("Xử lý như thông tin có nội dung tố cáo")
    cases.expect_status("Thông tin tố cáo (nặc danh)")
    cases.expect_no_action("Đề xuất thụ lý")
    page.goto(city("/staff/queues/information"))
    expect(page.locator("main")).to_contain_text(code)


def test_signed_denunciation_from_acceptance_to_result(page, city, axe):  # noqa: F811
    people = _staff(city.app)
    site = IntakeSite(page, city.url).start("denunciation")
    site.give_identity("Phạm Văn Tố", "12 Lê Lợi", "079088001234", "0901234567")
    site.describe("Cán bộ địa chính nhận tiền", "Ông N. nhận tiền để cấp giấy chứng nhận nhanh.")
    site.name_the_accused("Nguyễn Văn N.", "Cán bộ địa chính", "Phường Bến Thành")
    code, secret = site.send()
    case_id = _case_id(city.app, code)
    today = dt.date.today().isoformat()

    _login(page, city.url, people["officer"])
    cases = CasePage(page, city.url).open(case_id)
    expect(page.locator(".identity")).not_to_contain_text("Phạm Văn Tố")
    cases.act("Nhận xử lý đơn")
    cases.act("Phân loại đơn", kind="Tố cáo")
    cases.act("Đề xuất thụ lý", text="Đủ điều kiện thụ lý theo Điều 29.")
    cases.expect_status("Đề xuất thụ lý")
    cases.expect_no_action("Quyết định thụ lý")  # the head decides thụ lý

    _login(page, city.url, people["head"])
    cases.open(case_id)
    # Luật Tố cáo Art. 24(1): thụ lý waits for the head to check who denounces, and the page says so
    expect(page.locator("#held-accept")).to_contain_text("Chưa xác minh nhân thân người tố cáo")
    expect(page.locator("#identity-check")).to_contain_text("Chưa xác minh nhân thân")
    cases.expect_no_action("Quyết định thụ lý")
    axe(page)
    # TC-01: up to 10 working days instead of 7 when the checks take place at several places, once
    lengthen = "Kéo dài xử lý ban đầu (kiểm tra ở nhiều nơi, ủy quyền)"
    cases.act(lengthen, text="Phải kiểm tra tại phường Bến Thành và phường Sài Gòn.")
    expect(page.locator(".timeline")).to_contain_text("phường Sài Gòn")
    cases.expect_no_action(lengthen)
    # the head looks at who it is (audited), then records how the identity was checked
    page.locator("#reason").fill("Đối chiếu nhân thân người tố cáo với căn cước")
    page.get_by_role("button", name="Xem thông tin người gửi").click()
    expect(page.locator(".identity-revealed")).to_contain_text("079088001234")
    cases.act("Xác minh nhân thân người tố cáo", reason_code="ID-DOC — Đối chiếu giấy tờ tùy thân (căn cước, hộ "
                                                             "chiếu) người tố cáo xuất trình")
    expect(page.locator("#identity-check")).to_contain_text("Đã xác minh nhân thân")
    expect(page.locator(".timeline")).to_contain_text("Cách xác minh nhân thân: ID-DOC")
    expect(page.locator("main")).not_to_contain_text("Phạm Văn Tố")
    cases.act("Quyết định thụ lý", decision_number="12/QĐ-TTr", decision_date=today)
    cases.expect_status("Đã thụ lý")
    cases.act("Giao cán bộ thụ lý", handler="Cán bộ Thụ Lý")
    cases.expect_status("Đang xác minh")
    # TC-03: the accused is told the content within 5 working days, never who denounced them
    expect(page.locator("main")).to_contain_text("Thông báo cho người bị tố cáo")  # the running deadline
    cases.act("Thông báo nội dung tố cáo cho người bị tố cáo",
              text="Ông N. bị tố cáo nhận tiền để cấp giấy chứng nhận nhanh (người tố cáo: Phạm Văn Tố).")
    page.get_by_role("link", name="Xem, in thông báo").last.click()
    expect(page.locator(".notice")).to_contain_text("Nguyễn Văn N.")
    expect(page.locator(".notice")).to_contain_text("12/QĐ-TTr")
    expect(page.locator(".notice")).not_to_contain_text("Phạm Văn Tố")
    axe(page)
    cases.open(case_id)
    cases.act("Đánh dấu phức tạp, vùng sâu vùng xa", **{"criteria-1": "on"})
    cases.expect_status("Phức tạp")
    cases.act("Gia hạn giải quyết", decision_number="13/QĐ-TTr", decision_date=today, days="30")
    expect(page.locator(".timeline")).to_contain_text("Gia hạn 30 ngày")
    # A second extension is beyond the rule for a complex case: refused, and the form keeps the input.
    cases.act("Gia hạn giải quyết", decision_number="14/QĐ-TTr", decision_date=today, days="30")
    expect(page.locator("#error-summary")).to_contain_text("Đã hết số lần gia hạn")
    expect(page.locator("#decision_number")).to_have_value("14/QĐ-TTr")
    cases.open(case_id)
    page.locator(".case-actions").get_by_role("link", name="Ban hành quyết định, kết luận").click()
    page.locator("#decision_number").fill("20/KL-TTr")
    page.locator("#decision_date").fill(today)
    page.locator("#text").fill("Tố cáo đúng một phần; đã kiểm điểm ông N.")
    page.locator("#document").set_input_files([{"name": "ket-luan.pdf", "mimeType": "application/pdf",
                                                "buffer": samples.pdf_with_metadata()}])
    expect(page.locator("#share_document")).not_to_be_checked()  # the denouncer is told of the conclusion
    page.locator("form.case-action-form button[type=submit]").click()
    cases.expect_status("Đã giải quyết")
    # TC-06 and TC-07: the conclusion is sent and made public before the file is closed
    expect(page.locator("#deadlines-title + table")).to_contain_text("Công khai kết luận")
    cases.act("Ghi nhận đã gửi quyết định, kết luận", text="Gửi ông N. và cơ quan quản lý ông N. ngày hôm nay.")
    expect(page.locator("#held-close")).to_contain_text("Chưa ghi nhận việc công khai")
    cases.act("Ghi nhận đã công khai kết luận nội dung tố cáo", text="Niêm yết tại trụ sở Thanh tra.")
    expect(page.locator("#held-close")).to_have_count(0)
    page.get_by_role("link", name="Xem, in thông báo").last.click()
    expect(page.locator(".notice")).to_contain_text("20/KL-TTr")
    expect(page.locator(".notice")).not_to_contain_text("Phạm Văn Tố")
    axe(page)

    page.context.clear_cookies()
    TrackingSite(page, city.url).open_with(code, secret)
    expect(page.locator("main")).to_contain_text("Tố cáo đúng một phần; đã kiểm điểm ông N.")
    expect(page.locator("#decision-documents")).to_have_count(0)  # the head did not give the document


def test_staff_read_a_denunciation_with_the_senders_identifiers_masked(page, city, axe):  # noqa: F811
    """The citizen names themselves in the text and in a file name; the intake officer reads neither;
    the head's audited reveal shows the text as received and the original file names."""
    people = _staff(city.app)
    site = IntakeSite(page, city.url).start("denunciation")
    site.give_identity("Phạm Thị Minh Thư", "34 Hai Bà Trưng", "079199004321", "0987654321")
    site.describe("Tố cáo thu tiền sai quy định",
                  "Tôi là PHẠM THỊ MINH THƯ (CCCD 079 199 004 321, điện thoại 0987.654.321). "
                  "Ông K. thu tiền không có biên lai.")
    site.name_the_accused("Lê Văn K.", "Cán bộ tư pháp", "Phường Bến Thành")
    site.attach("Đơn của Phạm Thị Minh Thư.pdf", samples.pdf_with_metadata(), "application/pdf")
    code, _secret = site.send()
    case_id = _case_id(city.app, code)

    _login(page, city.url, people["officer"])
    CasePage(page, city.url).open(case_id)
    main = page.locator("main")
    expect(page.locator(".citizen-text").first).to_contain_text("Tôi là [họ tên người gửi] (CCCD [số định danh")
    expect(page.locator(".citizen-text").first).to_contain_text("Ông K. thu tiền không có biên lai.")
    for hidden in ("Minh Thư", "MINH THƯ", "004 321", "654.321", "Đơn của"):
        expect(main).not_to_contain_text(hidden)
    expect(page.locator("#evidence .file-label")).to_have_text("Tệp 1 (PDF)")
    axe(page)  # the masks are readable (contrast) and the page stays accessible

    _login(page, city.url, people["head"])
    CasePage(page, city.url).open(case_id)
    expect(main).not_to_contain_text("Minh Thư")
    page.locator("#reason").fill("Xác minh nội dung với người tố cáo")
    page.get_by_role("button", name="Xem thông tin người gửi").click()
    expect(page.locator(".identity-revealed")).to_contain_text("Phạm Thị Minh Thư")
    expect(page.locator(".original-names")).to_have_text("Đơn của Phạm Thị Minh Thư.pdf")
    expect(page.locator(".citizen-text").first).to_contain_text("Tôi là PHẠM THỊ MINH THƯ (CCCD 079 199 004 321")
    CasePage(page, city.url).open(case_id)  # the reveal lasted one page
    expect(main).not_to_contain_text("Minh Thư")


def test_the_head_prepares_a_denunciations_files_for_the_other_staff(page, city, axe):  # noqa: F811
    """A signed denunciation's files wait for the head: a blacked-out copy of the scanned đơn, and the
    site photo cleared as naming nobody; then the intake officer reads exactly those."""
    people = _staff(city.app)
    site = IntakeSite(page, city.url).start("denunciation")
    site.give_identity("Vũ Văn Chính", "8 Pasteur", "079188007777", "0977000111")
    site.describe("Lấn chiếm vỉa hè", "Cửa hàng số 10 lấn chiếm vỉa hè, cán bộ phường biết nhưng không xử lý.")
    site.name_the_accused("Trần Văn P.", "Cán bộ trật tự đô thị", "Phường Bến Thành")
    page.locator("#evidence").set_input_files([
        {"name": "don-to-cao.pdf", "mimeType": "application/pdf", "buffer": samples.pdf_with_metadata()},
        {"name": "hien-truong.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_with_gps()}])
    code, _secret = site.send()
    case_id = _case_id(city.app, code)

    _login(page, city.url, people["officer"])
    CasePage(page, city.url).open(case_id)
    files = page.locator("#evidence .evidence-list > li")
    expect(files).to_have_count(2)
    for i in range(2):
        expect(files.nth(i)).to_contain_text("chờ cán bộ thụ lý hoặc người đứng đầu che thông tin người gửi")
        expect(files.nth(i).get_by_role("link")).to_have_count(0)

    _login(page, city.url, people["head"])
    CasePage(page, city.url).open(case_id)
    scan, photo = files.nth(0), files.nth(1)
    expect(scan).to_contain_text("Cán bộ khác chưa xem được tệp này")
    scan.get_by_text("Chuẩn bị tệp cho cán bộ khác").click()
    scan.get_by_role("button", name="Tải lên bản đã che").click()  # nothing chosen: refused, said why
    expect(page.locator(".error-summary")).to_contain_text("Trường này là bắt buộc")
    scan = page.locator("#evidence .evidence-list > li").nth(0)
    scan.get_by_label("Bản đã che thông tin người gửi").set_input_files(
        [{"name": "don-da-che.png", "mimeType": "image/png", "buffer": samples.png_with_text()}])
    axe(page)
    scan.get_by_role("button", name="Tải lên bản đã che").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Đã lưu bản đã che của tệp 1")
    photo = page.locator("#evidence .evidence-list > li").nth(1)
    photo.get_by_text("Chuẩn bị tệp cho cán bộ khác").click()
    photo.get_by_label("Tôi đã xem tệp này và xác nhận không có thông tin nhận dạng người gửi").check()
    photo.get_by_role("button", name="Cho cán bộ khác xem bản làm việc").click()
    expect(page.locator("#evidence")).to_contain_text("Cán bộ khác xem: bản làm việc")

    _login(page, city.url, people["officer"])
    CasePage(page, city.url).open(case_id)
    expect(files.nth(0)).to_contain_text("bản đã che thông tin người gửi")
    expect(files.nth(1)).to_contain_text("đã xác nhận không có thông tin người gửi")
    axe(page)
    for i, ending in ((0, "-tep-1-da-che.png"), (1, "-tep-2.jpg")):
        with page.expect_download() as download:
            files.nth(i).get_by_role("link").first.click()
        assert download.value.suggested_filename.endswith(ending)


def _registered(app, **values) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        root = session.scalar(select(OrgUnit).where(OrgUnit.code == "UBND-TP"))
        submission = make_submission(session, unit_id=root.id, **values)
        case = register_submission(session, submission)
        session.commit()
        return case.id, case.reference


def test_duplicate_is_merged_into_the_open_case(page, city, axe):  # noqa: F811
    people = _staff(city.app)
    text = "Quyết định xử phạt 125/QĐ-XPHC về xây dựng không đúng quy định, đề nghị hủy bỏ."
    first_id, first_ref = _registered(city.app, kind=SubmissionKind.COMPLAINT, content=text,
                                      decision_number="125/QĐ-XPHC", identity={"full_name": "Trần A"})
    second_id, second_ref = _registered(city.app, kind=SubmissionKind.COMPLAINT, content=text,
                                        decision_number="125/QĐ-XPHC", identity={"full_name": "Trần A"})
    _login(page, city.url, people["officer"])
    cases = CasePage(page, city.url).open(second_id)
    expect(page.locator("main")).to_contain_text("Có thể trùng lặp")
    expect(page.get_by_role("link", name=first_ref)).to_be_visible()
    axe(page)
    cases.act("Gộp vào hồ sơ trùng", target_case=first_ref)
    cases.expect_status("Đã gộp")
    expect(page.locator("#related-title + dl")).to_contain_text(first_ref)
    cases.open(first_id)
    expect(page.locator("main")).to_contain_text(second_ref)


def test_multi_content_submission_is_split(page, city, axe):  # noqa: F811
    people = _staff(city.app)
    case_id, reference = _registered(city.app, kind=SubmissionKind.COMPLAINT,
                                     content="Khiếu nại quyết định thu hồi đất và tố cáo cán bộ nhận tiền.",
                                     identity={"full_name": "Lê B"})
    _login(page, city.url, people["officer"])
    cases = CasePage(page, city.url).open(case_id)
    cases.act("Nhận xử lý đơn")
    cases.act("Tách đơn nhiều nội dung", parts="Khiếu nại quyết định thu hồi đất\nTố cáo cán bộ nhận tiền")
    cases.expect_status("Đã tách")
    parts = page.locator("main a", has_text=f"{reference[:16]}-T")
    expect(parts).to_have_count(2)
    parts.first.click()
    cases.expect_status("Đang xử lý đơn")
    expect(page.locator(".case-summary")).to_contain_text("Khiếu nại quyết định thu hồi đất")
    axe(page)


def test_signed_complaint_accepted_assigned_extended_by_complexity_and_resolved(page, city, axe):  # noqa: F811
    """Complaints have no extension decision (LEGAL.md §2.2): the longer time comes from the complexity
    flag, which moves the resolution deadline from 30 to 45 days."""
    people = _staff(city.app)
    site = IntakeSite(page, city.url).start("complaint")
    site.give_identity("Đỗ Thị Khiếu", "5 Nguyễn Huệ", "079088009999", "0907654321")
    site.describe("Khiếu nại quyết định xử phạt", "Tôi không vi phạm như quyết định nêu.", "Hủy quyết định")
    past = (dt.date.today() - dt.timedelta(days=10)).isoformat()
    site.name_the_decision("Ủy ban nhân dân phường Bến Thành", "77/QĐ-XPHC", past, past)
    code, secret = site.send()
    case_id = _case_id(city.app, code)
    today = dt.date.today().isoformat()

    _login(page, city.url, people["officer"])
    cases = CasePage(page, city.url).open(case_id)
    cases.act("Nhận xử lý đơn")
    cases.act("Phân loại đơn", kind="Khiếu nại")
    cases.act("Đề xuất thụ lý", text="Đủ điều kiện thụ lý.")

    _login(page, city.url, people["head"])
    cases.open(case_id)
    cases.act("Quyết định thụ lý", decision_number="30/QĐ-UBND", decision_date=today)
    cases.act("Giao cán bộ thụ lý", handler="Cán bộ Thụ Lý")
    deadlines = page.locator("#deadlines-title + table")
    before = deadlines.inner_text()
    cases.act("Đánh dấu phức tạp, vùng sâu vùng xa", **{"criteria-0": "on"})
    cases.expect_status("Phức tạp")
    assert deadlines.inner_text() != before
    axe(page)

    _login(page, city.url, people["handler"])
    cases.open(case_id)
    cases.expect_no_action("Ban hành quyết định, kết luận")  # the head signs the decision
    page.locator("#messages form #body").fill("Đề nghị bà cung cấp biên bản vi phạm.")
    page.locator("#messages form #kind-1").check()
    page.locator("#messages form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("Đề nghị bà cung cấp biên bản vi phạm.")

    _login(page, city.url, people["head"])
    cases.open(case_id)
    page.locator(".case-actions").get_by_role("link", name="Ban hành quyết định, kết luận").click()
    page.locator("#decision_number").fill("45/QĐ-GQKN")
    page.locator("#decision_date").fill(today)
    page.locator("#text").fill("Hủy quyết định xử phạt 77/QĐ-XPHC.")
    signed = samples.pdf_with_metadata()
    page.locator("#document").set_input_files([{"name": "quyet-dinh.pdf", "mimeType": "application/pdf",
                                                "buffer": signed}])
    expect(page.locator("#share_document")).to_be_checked()  # a complaint's decision is addressed to its sender
    page.locator("form.case-action-form button[type=submit]").click()
    cases.expect_status("Đã giải quyết")
    expect(page.locator("#document-sharing")).to_contain_text("Người gửi chưa tải.")
    # KN-04: the decision is sent within 3 working days; the file is not closed before
    expect(page.locator("#deadlines-title + table")).to_contain_text("Gửi quyết định, kết luận")
    expect(page.locator("#held-close")).to_contain_text("Chưa ghi nhận việc gửi")
    cases.act("Ghi nhận đã gửi quyết định, kết luận", text="Gửi bưu điện cho bà Khiếu và UBND phường Bến Thành.")
    cases.expect_status("Đã giải quyết")
    expect(page.locator("#held-close")).to_have_count(0)
    expect(page.locator(".case-actions").get_by_role("link", name="Kết thúc hồ sơ", exact=True)).to_have_count(1)

    page.context.clear_cookies()
    TrackingSite(page, city.url).open_with(code, secret)
    expect(page.locator("main")).not_to_contain_text("Gửi bưu điện cho bà Khiếu")  # staff only: names the parties
    expect(page.locator("main")).to_contain_text("Hủy quyết định xử phạt 77/QĐ-XPHC.")
    expect(page.locator("main")).to_contain_text("Đề nghị bà cung cấp biên bản vi phạm.")
    # the signed decision itself, and the office learns it reached her
    with page.expect_download() as download:
        page.locator("#decision-documents").get_by_role("button", name="Tải văn bản số 45/QĐ-GQKN").click()
    assert download.value.suggested_filename == f"{code}-van-ban-giai-quyet.pdf"
    assert Path(download.value.path()).read_bytes() == signed
    axe(page)
    _login(page, city.url, people["head"])
    cases.open(case_id)
    expect(page.locator("#document-sharing")).to_contain_text("Người gửi đã tải lần đầu lúc")


def test_a_suspension_and_a_termination_are_each_sent_before_the_file_is_closed(page, city, axe):  # noqa: F811
    """KN-09 (NĐ 155/2026 Art. 28b): a complaint's suspension starts a 3-working-day clock for sending
    the decision, which the handler records; the termination starts another, and the file is not closed
    until its sending is recorded too."""
    people = _staff(city.app)
    with city.app.app_context():
        session = get_session()
        root = session.scalar(select(OrgUnit).where(OrgUnit.code == "UBND-TP"))
        handler = session.scalar(select(User).where(User.email == people["handler"][0]))
        submission = make_submission(session, unit_id=root.id, kind=SubmissionKind.COMPLAINT,
                                     identity={"full_name": "Trần Văn Khiếu"})
        case = make_case(session, unit=root, submission=submission, kind=CaseKind.COMPLAINT,
                         status=CaseStatus.INVESTIGATING, handler_id=handler.id)
        start_stage(session, case, "resolution", dt.date.today())
        session.commit()
        case_id, reference = case.id, case.reference
    today = dt.date.today().isoformat()
    label = "Ghi nhận đã gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục"

    _login(page, city.url, people["head"])
    cases = CasePage(page, city.url).open(case_id)
    cases.expect_no_action(label)  # no decision waits to be sent
    cases.act("Tạm đình chỉ", reason_code="SUSP-FORCE — Sự kiện bất khả kháng hoặc trở ngại khách quan",
              decision_number="8/QĐ-TĐC", decision_date=today)
    cases.expect_status("Tạm đình chỉ")
    expect(page.locator("#deadlines-title + table")).to_contain_text("KN-09")

    _login(page, city.url, people["handler"])
    cases.open(case_id)
    page.locator(".case-actions").get_by_role("link", name=label, exact=True).click()
    expect(page.locator("label[for=text]")).to_contain_text("chỉ cán bộ xem được")
    expect(page.locator("#done_on")).to_have_value(local_today().isoformat())  # the portal's today unless changed
    axe(page)
    page.locator("#text").fill("Quyết định 8/QĐ-TĐC gửi bưu điện cho ông Khiếu hôm nay.")
    page.locator("form.case-action-form button[type=submit]").click()
    cases.expect_status("Tạm đình chỉ")
    cases.expect_no_action(label)
    expect(page.locator(".timeline")).to_contain_text("Ngày thực hiện: " + local_today().strftime("%d/%m/%Y"))

    _login(page, city.url, people["head"])
    cases.open(case_id)
    cases.act("Đình chỉ giải quyết", reason_code="TERM-DIED — Cá nhân chết mà không có người thừa kế quyền, nghĩa vụ",
              decision_number="9/QĐ-ĐC", decision_date=today)
    cases.expect_status("Đình chỉ")
    expect(page.locator("#held-close")).to_contain_text("Chưa ghi nhận việc gửi quyết định tạm đình chỉ")
    cases.expect_no_action("Kết thúc hồ sơ")
    axe(page)
    page.goto(f"{city.url}/staff/queues/due_soon")  # the sending's clock keeps the terminated file in sight
    row = page.locator(".queue-table tr", has=page.get_by_role("link", name=reference, exact=True))
    expect(row.locator(".due-stage")).to_have_text("Gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục")
    axe(page)
    cases.open(case_id)
    cases.act(label, text="Quyết định 9/QĐ-ĐC gửi người thừa kế và cơ quan liên quan.")
    expect(page.locator("#held-close")).to_have_count(0)
    page.goto(f"{city.url}/staff/queues/due_soon")
    expect(page.locator("main")).not_to_contain_text(reference)
    cases.open(case_id)
    cases.act("Kết thúc hồ sơ")
    cases.expect_status("Đã kết thúc")
