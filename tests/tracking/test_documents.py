"""The signed decision or conclusion on the sender's tracking page: offered only when the head shared it
and the case is decided, downloaded by a POST with the form token, the first download noted for the office."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from portal.cases.models import CaseEvent, CaseKind, CaseStatus, SubmissionKind
from portal.tracking.services import DOCUMENT_FETCHED
from tests.files import samples
from tests.intake.helpers import receive

PDF = samples.pdf_with_metadata()


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def open_tracking(client, receipt):  # type: ignore[no-untyped-def]
    assert client.post("/track", data={"code": receipt.tracking_code, "secret": receipt.secret}).status_code == 302


def decide(db_session, storage, case, *, shared=True, status=CaseStatus.RESOLVED, data=PDF):  # type: ignore[no-untyped-def]
    """``case`` resolved with a signed document in the storage, as the resolve transition leaves it."""
    case.status, case.kind = status, case.kind or CaseKind.COMPLAINT
    case.resolution_text = "Khiếu nại đúng một phần."
    case.resolution_document_key = storage.save(data)
    case.resolution_document_shared = shared
    db_session.add(CaseEvent(case_id=case.id, action="resolve", from_status="investigating", to_status="resolved",
                             is_public=True, note=case.resolution_text, decision_number="45/QĐ-UBND",
                             decision_date=dt.date(2026, 11, 20)))
    db_session.commit()


def fetches(db_session, case) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == DOCUMENT_FETCHED))


def test_a_shared_decision_is_downloaded_and_its_first_download_noted_once(client, db_session, receipt, storage):
    decide(db_session, storage, receipt.case)
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert 'id="decision-documents"' in page and "Văn bản số 45/QĐ-UBND ngày 20/11/2026" in page
    assert f'id="document-{receipt.case.id}"' in page and "Tải văn bản số 45/QĐ-UBND" in page
    url = f"/track/{receipt.tracking_code}/documents/{receipt.case.id}"
    first = client.post(url)
    assert first.status_code == 200 and first.data == PDF
    assert first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == \
        f"attachment; filename*=UTF-8''{receipt.tracking_code}-van-ban-giai-quyet.pdf"
    assert first.headers["X-Content-Type-Options"] == "nosniff" and first.headers["Cache-Control"] == "no-store"
    assert client.post(url).status_code == 200
    assert fetches(db_session, receipt.case) == 1  # the first download only
    event = db_session.scalars(select(CaseEvent).where(CaseEvent.action == DOCUMENT_FETCHED)).one()
    assert not event.is_public and event.actor_id is None


def test_the_english_page_offers_the_same_download(client, db_session, receipt, storage):
    decide(db_session, storage, receipt.case)
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}?lang=en"))
    assert "Resolution documents" in page and "Download document No. 45/QĐ-UBND" in page


@pytest.mark.parametrize(("shared", "status"), [
    (False, CaseStatus.RESOLVED),  # the head did not give it
    (True, CaseStatus.INVESTIGATING),  # not decided (a document left from a case sent back)
])
def test_no_download_unless_shared_and_decided(client, db_session, receipt, storage, shared, status):
    decide(db_session, storage, receipt.case, shared=shared, status=status)
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert 'id="decision-documents"' not in page
    assert client.post(f"/track/{receipt.tracking_code}/documents/{receipt.case.id}").status_code == 404
    assert fetches(db_session, receipt.case) == 0


def test_a_closed_case_keeps_its_document(client, db_session, receipt, storage):
    decide(db_session, storage, receipt.case, status=CaseStatus.CLOSED)
    open_tracking(client, receipt)
    assert client.post(f"/track/{receipt.tracking_code}/documents/{receipt.case.id}").data == PDF


def test_only_the_sender_who_opened_the_submission_gets_it(client, db_session, app, org, receipt, storage):
    decide(db_session, storage, receipt.case)
    url = f"/track/{receipt.tracking_code}/documents/{receipt.case.id}"
    alone = client.post(url)  # the code alone opens nothing: the page asks for the secret again
    assert alone.status_code == 302 and alone.headers["Location"].endswith(f"/track?code={receipt.tracking_code}")
    other = receive(db_session, app, SubmissionKind.COMPLAINT, anonymous=False, learned_on=dt.date.today())
    db_session.commit()
    open_tracking(client, other)
    # another đơn's page cannot name this case, nor this đơn's without its secret
    assert client.post(f"/track/{other.tracking_code}/documents/{receipt.case.id}").status_code == 404
    assert client.post(url).status_code == 302
    assert client.get(url).status_code == 405  # never by a link: a GET writes nothing and gets nothing
    assert fetches(db_session, receipt.case) == 0


def test_a_document_missing_from_the_storage_is_a_404_and_nothing_is_noted(client, db_session, receipt, storage):
    decide(db_session, storage, receipt.case)
    storage.delete(receipt.case.resolution_document_key)
    open_tracking(client, receipt)
    assert client.post(f"/track/{receipt.tracking_code}/documents/{receipt.case.id}").status_code == 404
    assert fetches(db_session, receipt.case) == 0


def test_the_download_needs_the_form_token(csrf_client, db_session, receipt, storage):
    decide(db_session, storage, receipt.case)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html(csrf_client.get("/track"))).group(1)
    csrf_client.post("/track", data={"code": receipt.tracking_code, "secret": receipt.secret, "csrf_token": token})
    url = f"/track/{receipt.tracking_code}/documents/{receipt.case.id}"
    assert csrf_client.post(url).status_code == 400
    assert fetches(db_session, receipt.case) == 0
    page = html(csrf_client.get(f"/track/{receipt.tracking_code}"))
    form_token = re.search(r'action="' + re.escape(url) + r'"[^>]*>\s*<input type="hidden" name="csrf_token" '
                           r'value="([^"]+)"', page).group(1)
    assert csrf_client.post(url, data={"csrf_token": form_token}).data == PDF
    assert fetches(db_session, receipt.case) == 1


def test_a_split_don_offers_each_shared_part_under_its_own_name(client, db_session, receipt, storage):
    from portal.cases.models import Case

    whole = receipt.case
    part = Case(reference=f"{whole.reference}-2", submission_id=whole.submission_id, unit_id=whole.unit_id,
                kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING)
    db_session.add(part)
    db_session.commit()
    decide(db_session, storage, whole)
    decide(db_session, storage, part, shared=False, data=samples.png_with_text())
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert f'id="document-{whole.id}"' in page and f'id="document-{part.id}"' not in page
    first = client.post(f"/track/{receipt.tracking_code}/documents/{whole.id}")
    assert first.headers["Content-Disposition"].endswith(
        f"{receipt.tracking_code}-van-ban-giai-quyet-{whole.reference}.pdf")
    assert client.post(f"/track/{receipt.tracking_code}/documents/{part.id}").status_code == 404


def test_the_signed_in_owner_needs_no_secret(client, db_session, app, org, storage):
    from tests.factories import make_user
    from tests.helpers import login_as

    citizen = make_user(db_session)
    owned = receive(db_session, app, SubmissionKind.PETITION, anonymous=False, user_id=citizen.id)
    db_session.commit()
    decide(db_session, storage, owned.case)
    login_as(client, citizen)
    assert client.post(f"/track/{owned.tracking_code}/documents/{owned.case.id}").data == PDF


def test_a_document_given_after_resolution_appears_on_the_page(client, db_session, receipt, storage):
    from portal.accounts.models import Role
    from portal.cases.lifecycle import TransitionInput, apply_transition
    from portal.org.models import OrgUnit
    from tests.factories import make_user

    decide(db_session, storage, receipt.case, shared=False)
    head = make_user(db_session, roles=[(Role.HEAD, db_session.get(OrgUnit, receipt.case.unit_id))])
    apply_transition(db_session, head, receipt.case, "share_document", TransitionInput(), version=None)
    db_session.commit()
    open_tracking(client, receipt)
    page = html(client.get(f"/track/{receipt.tracking_code}"))
    assert 'id="decision-documents"' in page and "Văn bản giải quyết đã có trên trang này" in page
