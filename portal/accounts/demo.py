"""Demo staff accounts: for every active unit a head, a deputy, an intake officer and a handler, plus two
administrators and an inspector on the root unit, and one role request waiting for the second
administrator's approval (the two-person rule, portal/accounts/grants.py).

Passwords and TOTP secrets are deterministic and documented (demo only), so a newcomer can log in with
any authenticator app or ``oathtool --totp -b SECRET``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.grants import request_grant
from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.services import AccountError, hash_password, root_unit
from portal.db import now_utc
from portal.deadlines.clock import local_today
from portal.org.models import OrgUnit

DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo password
DEMO_DOMAIN = "example.com"
UNIT_ROLES = (("head", Role.HEAD), ("deputy", Role.DEPUTY), ("intake", Role.INTAKE_OFFICER),
              ("handler", Role.HANDLER))


def demo_email(prefix: str, unit_code: str | None = None) -> str:
    local = prefix if unit_code is None else f"{prefix}.{unit_code.lower()}"
    return f"{local}@{DEMO_DOMAIN}"


def demo_totp_secret(email: str) -> str:
    """A fixed base32 TOTP secret derived from the email (demo accounts only)."""
    return base64.b32encode(hashlib.sha256(f"portal-demo-totp:{email}".encode()).digest()[:20]).decode()


def _account(session: Session, email: str, name: str, role: Role, unit: OrgUnit, password_hash: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=name, is_staff=True, password_hash=password_hash,
                    totp_secret=demo_totp_secret(email), email_confirmed_at=now_utc())
        session.add(user)
        session.flush()
    has_role = session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == user.id,
                                                              RoleAssignment.unit_id == unit.id,
                                                              RoleAssignment.role == role))
    if has_role is None:
        taken = role == Role.HEAD and session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.unit_id == unit.id, RoleAssignment.role == Role.HEAD))
        if not taken:
            session.add(RoleAssignment(user_id=user.id, unit_id=unit.id, role=role))
            session.flush()
    return user


def _waiting_request(session: Session, root: OrgUnit) -> None:
    """The first administrator asks for the root's intake officer to handle cases too: the second
    one sees it waiting for approval."""
    admin = session.scalar(select(User).where(User.email == demo_email("admin")))
    officer = session.scalar(select(User).where(User.email == demo_email("intake", root.code)))
    if admin is None or officer is None:
        return
    with contextlib.suppress(AccountError):  # seeded before: the request waits, or was approved
        request_grant(session, officer, Role.HANDLER, root, requested_by=admin)


def seed(session: Session) -> list[str]:
    root = root_unit(session)
    if root is None:
        return []
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for every demo account: seeding stays fast
    today = local_today()  # the city's day, as the units' dates are
    units = [u for u in session.scalars(select(OrgUnit).order_by(OrgUnit.id)) if u.is_active_on(today)]
    units.sort(key=lambda u: (u.id != root.id, u.id))
    rows: list[tuple[str, str, str]] = []
    for prefix, role, name in (("admin", Role.ADMIN, "Quản trị viên"), ("admin2", Role.ADMIN, "Quản trị viên thứ hai"),
                               ("inspector", Role.INSPECTOR, "Thanh tra viên")):
        email = demo_email(prefix)
        _account(session, email, name, role, root, password_hash)
        rows.append((email, role.value, root.code))
    labels = {"head": "Người đứng đầu", "deputy": "Cấp phó", "intake": "Cán bộ xử lý đơn", "handler": "Cán bộ thụ lý"}
    for unit in units:
        for prefix, role in UNIT_ROLES:
            email = demo_email(prefix, unit.code)
            _account(session, email, f"{labels[prefix]} {unit.name}", role, unit, password_hash)
            rows.append((email, role.value, unit.code))
    _waiting_request(session, root)
    lines = [f"Demo staff accounts (password for all: {DEMO_PASSWORD}; TOTP: `oathtool --totp -b SECRET`):",
             "email\trole\tunit\tpassword\ttotp_secret"]
    lines += [f"{email}\t{role}\t{unit}\t{DEMO_PASSWORD}\t{demo_totp_secret(email)}" for email, role, unit in rows]
    return lines
