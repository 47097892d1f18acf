"""Authorization matrix over every staff case route: for each role and scope, allowed or refused,
and a refused response leaks nothing about the case (no reference, content or identity)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from portal.accounts.models import Role, User
from portal.cases.lifecycle import TRANSITIONS
from portal.cases.models import Attachment, Case, CaseEvent, CaseKind, CaseStatus
from portal.files.storage import get_storage
from tests.factories import make_case, make_submission, make_unit, make_user
from tests.helpers import login_as, ready_for

SECRET_NAME = "Trần Bí Mật"
SECRET_CONTENT = "Nội dung tuyệt mật về sai phạm XYZ"

ACTORS = ("intake_officer", "handler", "deputy", "head", "inspector", "admin", "head_elsewhere", "citizen",
          "anonymous")


@dataclass
class World:
    case: Case
    event: CaseEvent
    attachment: Attachment
    users: dict[str, User]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def world(db_session) -> World:
    root = make_unit(db_session)
    unit = make_unit(db_session, parent=root)
    other = make_unit(db_session, parent=root)
    users = {name: make_user(db_session, roles=[(role, unit)]) for name, role in (
        ("intake_officer", Role.INTAKE_OFFICER), ("handler", Role.HANDLER), ("deputy", Role.DEPUTY),
        ("head", Role.HEAD), ("inspector", Role.INSPECTOR), ("admin", Role.ADMIN))}
    users["head_elsewhere"] = make_user(db_session, roles=[(Role.HEAD, other)])
    users["citizen"] = make_user(db_session)
    submission = make_submission(db_session, unit_id=unit.id, content=SECRET_CONTENT,
                                 identity={"full_name": SECRET_NAME, "id_number": "079123456789"})
    case = make_case(db_session, unit=unit, submission=submission, kind=CaseKind.DENUNCIATION,
                     status=CaseStatus.INVESTIGATING, handler_id=users["handler"].id, reference="VV-SECRET-1")
    event = CaseEvent(case_id=case.id, action="accept", from_status="proposed", to_status="accepted",
                      decision_number="7/QĐ", is_public=True)
    db_session.add(event)
    data = png_bytes()
    storage = get_storage()
    attachment = Attachment(submission_id=submission.id, original_name="anh.png", mime_type="image/png",
                            size=len(data), sha256="0" * 64, storage_key=storage.save(data),
                            working_key=storage.save(data))
    db_session.add(attachment)
    case.resolution_document_key = storage.save(data)
    db_session.flush()
    return World(case, event, attachment, users)


VIEWERS = {"intake_officer", "handler", "deputy", "head", "inspector"}
WORKERS = VIEWERS - {"inspector"}
REVEALERS = {"handler", "head"}  # the assigned handler and the head of the case's unit; not deputies


def expected(route: str, actor: str) -> int:
    """The status each actor gets: 302 login redirect for non-staff, 404 outside scope (no leak)."""
    if actor in ("citizen", "anonymous"):
        return 302
    if actor not in VIEWERS:
        return 404  # admins and staff of other units: the case does not exist for them
    allowed = {
        "show": VIEWERS, "notice": VIEWERS, "decision": VIEWERS,
        # A named denunciation's file: only those who may know the denouncer, until it is redacted or cleared.
        "attachment": REVEALERS, "redacted_upload": REVEALERS, "clear": REVEALERS,
        "act_form": {"handler", "deputy", "head"}, "act_post": {"handler", "deputy", "head"},
        "reveal": REVEALERS, "original": REVEALERS, "message": WORKERS,
    }[route]
    if actor in allowed:
        return {"act_post": 302, "message": 302, "redacted_upload": 302, "clear": 302}.get(route, 200)
    return 403


def call(client, world: World, route: str):
    cid = world.case.id
    base = f"/staff/cases/{cid}"
    if route == "show":
        return client.get(base)
    if route == "notice":
        return client.get(f"{base}/notices/{world.event.id}")
    if route == "attachment":
        return client.get(f"{base}/attachments/{world.attachment.id}")
    if route == "decision":
        return client.get(f"{base}/decision")
    if route == "act_form":
        return client.get(f"{base}/act/flag")
    if route == "act_post":
        return client.post(f"{base}/act/flag", data={"version": world.case.version, "criteria": ["C1"]})
    if route == "reveal":
        return client.post(f"{base}/reveal", data={"reason": "Cần liên hệ xác minh"})
    if route == "original":
        return client.post(f"{base}/attachments/{world.attachment.id}/original", data={"reason": "Giám định"})
    if route == "redacted_upload":
        return client.post(f"{base}/attachments/{world.attachment.id}/redacted",
                           data={"file": (io.BytesIO(png_bytes()), "da-che.png")}, content_type="multipart/form-data")
    if route == "clear":
        return client.post(f"{base}/attachments/{world.attachment.id}/clear", data={"confirm": "y"})
    if route == "message":
        return client.post(f"{base}/messages", data={"kind": "internal", "body": "Ghi chú"})
    raise AssertionError(route)


ROUTES = ("show", "notice", "attachment", "decision", "act_form", "act_post", "reveal", "original", "message",
          "redacted_upload", "clear")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", ROUTES)
def test_matrix(client, db_session, world, route, actor):
    if actor != "anonymous":
        login_as(client, world.users[actor])
    version = world.case.version
    response = call(client, world, route)
    want = expected(route, actor)
    assert response.status_code == want, (route, actor, response.status_code)
    body = response.get_data().decode("utf-8", "replace")
    if want != 200 or route != "reveal":
        assert SECRET_NAME not in body and "079123456789" not in body
    if (want in (302, 403, 404) and route not in ("act_post", "message", "redacted_upload", "clear")) \
            or want in (403, 404):
        assert world.case.reference not in body and SECRET_CONTENT not in body
    if want in (403, 404):
        db_session.refresh(world.case)
        assert world.case.version == version


def test_admin_and_outsider_cannot_find_the_case_by_any_action_name(client, world):
    for actor in ("admin", "head_elsewhere"):
        login_as(client, world.users[actor])
        for name in ("accept", "assign", "resolve", "nonexistent"):
            assert client.get(f"/staff/cases/{world.case.id}/act/{name}").status_code == 404
    assert client.get("/staff/cases/999999").status_code == 404



@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_every_action_form_follows_the_lifecycle_table(client, db_session, world, name):
    """GET /staff/cases/<id>/act/<name> for each transition, at a status it starts from: the roles of the
    table row (or the assigned handler) get the form, other viewers 403, everyone else 404."""
    transition = TRANSITIONS[name]
    kind = CaseKind.COMPLAINT if CaseKind.COMPLAINT in transition.kinds else next(iter(transition.kinds))
    case = Case(reference=f"VV-ACT-{name}"[:24], submission_id=world.case.submission_id,
                unit_id=world.case.unit_id, kind=kind, status=sorted(transition.sources)[0],
                handler_id=world.users["handler"].id)
    db_session.add(case)
    ready_for(db_session, case, name)
    roles = {"intake_officer": Role.INTAKE_OFFICER, "handler": Role.HANDLER, "deputy": Role.DEPUTY,
             "head": Role.HEAD, "inspector": Role.INSPECTOR}
    for actor in ACTORS:
        if actor == "anonymous":
            continue  # covered by test_matrix
        login_as(client, world.users[actor])
        response = client.get(f"/staff/cases/{case.id}/act/{name}")
        role = roles.get(actor)
        if actor == "citizen":
            want = 302
        elif role is None:
            want = 404
        elif role in transition.roles or (actor == "handler" and transition.handler):
            want = 200
        else:
            want = 403
        assert response.status_code == want, (name, actor, response.status_code)
        if want != 200:
            assert case.reference not in response.get_data(as_text=True)
