"""Account test helpers: staff with an enrolled authenticator, citizens with a password."""

from __future__ import annotations

import pyotp
import pytest

from portal.accounts.models import Role
from portal.accounts.services import hash_password, new_totp_secret
from portal.db import now_utc
from tests.factories import make_unit, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def root_unit(db_session):
    return make_unit(db_session, code="ROOT", name="Ủy ban nhân dân Thành phố")


@pytest.fixture
def make_staff(db_session, root_unit):
    """``make_staff(role=..., unit=...)``: a staff member with a password and TOTP secret."""

    def make(role: Role = Role.HANDLER, unit=None, **overrides):
        secret = new_totp_secret()
        user = make_user(db_session, roles=[(role, unit or root_unit)], password_hash=hash_password(PASSWORD),
                         totp_secret=secret, email_confirmed_at=now_utc(), **overrides)
        user.test_totp = pyotp.TOTP(secret)
        return user

    return make


@pytest.fixture
def citizen(db_session):
    return make_user(db_session, email="dan@example.com", password_hash=hash_password(PASSWORD),
                     email_confirmed_at=now_utc())
