"""``flask users create-admin|list`` and the demo staff accounts."""

from __future__ import annotations

import datetime as dt

import pyotp
from sqlalchemy import func, select

from portal.accounts.demo import DEMO_PASSWORD, demo_email, demo_totp_secret, seed
from portal.accounts.models import RequestState, Role, RoleAssignment, RoleRequest, User
from tests.factories import make_unit


def test_create_admin_prints_an_invitation_link(runner, db_session, root_unit, client):
    result = runner.invoke(args=["users", "create-admin", "Chief@Example.com"])
    assert result.exit_code == 0, result.output
    assert "/account/invitation/" in result.output
    user = db_session.scalar(select(User).where(User.email == "chief@example.com"))
    assert [(a.role, a.unit_id) for a in user.roles] == [(Role.ADMIN, root_unit.id)]
    path = "/account/invitation/" + result.output.strip().rsplit("/account/invitation/", 1)[1]
    assert client.get(path).status_code == 200
    again = runner.invoke(args=["users", "create-admin", "chief@example.com"])  # a new link; the old one is revoked
    assert again.exit_code == 0 and "/account/invitation/" in again.output
    assert client.get(path).status_code == 400
    listing = runner.invoke(args=["users", "list"])
    assert "chief@example.com\tinvited\tadmin@ROOT" in listing.output


def test_create_admin_refuses_a_bad_email(runner, root_unit):
    result = runner.invoke(args=["users", "create-admin", "not an email"])
    assert result.exit_code != 0
    assert "not a valid email address" in result.output and "Traceback" not in result.output


def test_create_admin_needs_a_root_unit(runner, db_session):
    result = runner.invoke(args=["users", "create-admin", "chief@example.com"])
    assert result.exit_code != 0
    assert "no root organisational unit" in result.output and "Traceback" not in result.output


def test_demo_seed_is_idempotent_and_lists_every_account(db_session, root_unit):
    dept = make_unit(db_session, parent=root_unit, code="SXD")
    make_unit(db_session, parent=root_unit, code="OLD", valid_to=dt.date(2025, 7, 1))
    lines = seed(db_session)
    emails = [line.split("\t")[0] for line in lines[2:]]
    assert len(emails) == 3 + 4 * 2  # two admins, inspector; four roles on ROOT and SXD (OLD is retired)
    assert demo_email("head", "SXD") in emails and demo_email("admin") in emails and demo_email("admin2") in emails
    waiting = db_session.scalars(select(RoleRequest)).all()  # one request for the second admin to approve
    assert [(r.role, r.user.email, r.requested_by.email, r.state) for r in waiting] == [
        (Role.HANDLER, demo_email("intake", "ROOT"), demo_email("admin"), RequestState.PENDING)]
    assert all(DEMO_PASSWORD in line and demo_totp_secret(line.split("\t")[0]) in line for line in lines[2:])
    count = db_session.scalar(select(func.count(RoleAssignment.id)))
    assert seed(db_session) == lines
    assert db_session.scalar(select(func.count(RoleAssignment.id))) == count
    assert db_session.scalar(select(func.count(RoleRequest.id))) == 1
    head = db_session.scalar(select(User).where(User.email == demo_email("head", dept.code)))
    assert [(a.role, a.unit_id) for a in head.roles] == [(Role.HEAD, dept.id)]


def test_a_demo_account_logs_in_with_its_documented_secret(client, db_session, root_unit):
    seed(db_session)
    email = demo_email("admin")
    client.post("/account/login", data={"email": email, "password": DEMO_PASSWORD})
    code = pyotp.TOTP(demo_totp_secret(email)).now()
    assert client.post("/account/login/verify", data={"code": code}).status_code == 302
    assert client.get("/staff/admin/users/").status_code == 200
