"""Account services: passwords, registration, login checks, TOTP and recovery codes, staff
invitations and roles, personal-data export and account deletion.

Services take the session, add and flush; the calling view or CLI command commits. None of them
touches the request; links are built by the caller and passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import RecoveryCode, Role, RoleAssignment, User
from portal.audit.services import record
from portal.db import now_utc
from portal.deadlines.clock import local_today
from portal.org.models import OrgUnit

_PRODUCTION_HASHER = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
# The test suite hashes hundreds of passwords: there, and only there, cheap parameters.
_TESTING_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the email is unknown, so that both answers take the same time.
_DUMMY_HASHES: dict[int, str] = {}

MIN_PASSWORD_LENGTH = 10
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Cong tiep nhan don"


class AccountError(Exception):
    """A business rule refused the operation; ``message`` is shown to the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# --- passwords ---------------------------------------------------------------------------------

def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problems(password: str, email: str = "") -> list[Any]:
    """The reasons ``password`` is too weak (empty when it is acceptable)."""
    problems: list[Any] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH))
    if password.isdigit():
        problems.append(_l("Mật khẩu không được chỉ gồm chữ số."))
    email = normalize_email(email)
    if email and password.strip().lower() in {email, email.split("@", 1)[0]}:
        problems.append(_l("Mật khẩu không được trùng với địa chỉ email."))
    return problems


def _hasher() -> PasswordHasher:
    return _TESTING_HASHER if has_app_context() and current_app.testing else _PRODUCTION_HASHER


def _dummy_hash() -> str:
    hasher = _hasher()
    if id(hasher) not in _DUMMY_HASHES:
        _DUMMY_HASHES[id(hasher)] = hasher.hash("not-a-real-password-" + secrets.token_hex(8))
    return _DUMMY_HASHES[id(hasher)]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Constant-effort password check; rehashes when the hashing parameters were raised."""
    if user is None or not user.password_hash:
        _verify(_dummy_hash(), password)
        return False
    if not _verify(user.password_hash, password):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(session: Session, user: User, password: str, *, revoke_sessions: bool = True) -> None:
    """Store a new password; by default every other session and outstanding link is revoked."""
    problems = password_problems(password, user.email)
    if problems:
        raise AccountError(problems[0])
    user.password_hash = hash_password(password)
    if revoke_sessions:
        user.session_version += 1
    session.flush()


def revoke_sessions(session: Session, user: User, *, actor_id: int | None = None) -> None:
    """"Log out of all sessions": every session cookie and signed link of ``user`` stops working."""
    user.session_version += 1
    record(session, "account.sessions_revoked", actor_id=actor_id or user.id, object_type="user", object_id=user.id)


def find_user(session: Session, email: str) -> User | None:
    email = normalize_email(email)
    if not email:
        return None
    return session.scalar(select(User).where(func.lower(User.email) == email))


# --- citizens ----------------------------------------------------------------------------------

def register_citizen(session: Session, *, email: str, password: str, full_name: str,
                     phone: str | None = None, locale: str = "vi") -> User | None:
    """Create a citizen account, unconfirmed. Returns None when the address is already used
    (the caller answers exactly as for a new account)."""
    email = normalize_email(email)
    problems = password_problems(password, email)
    if problems:
        raise AccountError(problems[0])
    password_hash = hash_password(password)  # hashed in both cases: the answer takes the same time
    if find_user(session, email) is not None:
        return None
    user = User(email=email, password_hash=password_hash, full_name=full_name.strip(),
                phone=(phone or "").strip() or None, is_staff=False, locale=locale)
    session.add(user)
    session.flush()
    return user


def confirm_email(session: Session, user: User) -> bool:
    """Mark the address confirmed; False when it already was."""
    if user.email_confirmed_at is not None:
        return False
    user.email_confirmed_at = now_utc()
    session.flush()
    return True


def request_email_change(session: Session, user: User, new_email: str) -> bool:
    """Remember the new address until confirmed. False (and nothing changes) when it is taken."""
    new_email = normalize_email(new_email)
    if find_user(session, new_email) is not None:
        return False
    user.pending_email = new_email
    session.flush()
    return True


def apply_email_change(session: Session, user: User) -> str:
    """Switch to the pending address (now confirmed). :class:`AccountError` if there is none or it
    was taken meanwhile."""
    new_email = user.pending_email
    if not new_email:
        raise AccountError(_l("Không có thay đổi email nào đang chờ xác nhận."))
    if find_user(session, new_email) is not None:
        user.pending_email = None
        raise AccountError(_l("Địa chỉ email này đã được dùng cho một tài khoản khác."))
    old = user.email
    user.email, user.pending_email, user.email_confirmed_at = new_email, None, now_utc()
    record(session, "account.email_changed", actor_id=user.id, object_type="user", object_id=user.id)
    session.flush()
    return old


def export_personal_data(session: Session, user: User) -> dict[str, Any]:
    """Everything the portal holds about ``user`` as an account holder (for "download my data")."""
    from portal.cases.models import Submission

    submissions = session.scalars(select(Submission).where(Submission.user_id == user.id)
                                  .order_by(Submission.id)).all()
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "language": user.locale,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
            "is_staff": user.is_staff,
            "roles": [{"role": a.role.value, "unit": a.unit.code} for a in user.roles],
        },
        "submissions": [
            {
                "tracking_code": s.tracking_code,
                "kind": s.kind.value,
                "received_at": s.received_at.isoformat(),
                "title": s.title,
                "content": s.content,
                "request": s.request_text,
                "anonymous": s.is_anonymous,
                "identity": _identity_of(s),
            }
            for s in submissions
        ],
        "exported_at": now_utc().isoformat(),
    }


def _identity_of(submission: Any) -> dict[str, Any] | None:
    identity = submission.identity
    if identity is None:
        return None
    return {"full_name": identity.full_name, "address": identity.address, "id_number": identity.id_number,
            "phone": identity.phone, "email": identity.email, "representatives": list(identity.representatives or [])}


def delete_citizen_account(session: Session, user: User) -> None:
    """Delete a citizen's account: its submissions stay with the agency, de-linked from it, and
    the row is anonymised (other records keep pointing at an empty, unusable account)."""
    from portal.cases.models import Submission

    if user.is_staff:
        raise AccountError(_l("Tài khoản cán bộ không tự xóa được; hãy liên hệ quản trị viên."))
    user_id = user.id
    session.execute(update(Submission).where(Submission.user_id == user_id).values(user_id=None))
    user.email = f"deleted-{user_id}-{secrets.token_hex(4)}@deleted.invalid"
    user.full_name, user.phone, user.pending_email = "", None, None
    user.password_hash, user.totp_secret = None, None
    user.is_active_account = False
    user.deleted_at = now_utc()
    user.session_version += 1
    record(session, "account.deleted", actor_id=None, object_type="user", object_id=user_id)
    session.flush()


# --- TOTP and recovery codes -------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str, title: Any) -> Markup:
    """The provisioning URI as an inline SVG QR code (drawn here; no external service)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, light="#fff", dark="#000", title=str(title), svgclass="totp-qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno output, no user markup


def ascii_digits(text: str) -> bool:
    """Only 0-9 ("١٢٣٤٥٦" is digits for ``str.isdigit`` too, but no code anyone was given)."""
    return text.isascii() and text.isdigit()


def totp_step_matching(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose code equals ``code`` (current one, or one step either side), else None."""
    code = "".join(code.split())
    if not (len(code) == 6 and ascii_digits(code)):
        return None
    totp = pyotp.TOTP(secret)
    moment = at if at is not None else now_utc().timestamp()
    step = int(moment // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify_totp(session: Session, user: User, code: str, *, at: float | None = None) -> bool:
    """Check a TOTP code; a code (time step) already used is refused, so a seen code cannot be replayed."""
    if not user.totp_secret:
        return False
    step = totp_step_matching(user.totp_secret, code, at=at)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    session.flush()
    return True


def _code_hash(code: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"recovery-code", hashlib.sha256).digest()
    normalized = "".join(code.split()).replace("-", "").upper()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with ten fresh ones; returns them in clear (shown once)."""
    for old in list(user.recovery_codes):
        session.delete(old)
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()[:16]
        code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
        codes.append(code)
        session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    session.flush()
    session.expire(user, ["recovery_codes"])
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Spend one unused recovery code; each works once."""
    digest = _code_hash(code)
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                    RecoveryCode.code_hash == digest,
                                                    RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    spent = session.execute(update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                            .values(used_at=now_utc()))
    session.flush()
    return spent.rowcount == 1


def remaining_recovery_codes(session: Session, user: User) -> int:
    return session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id,
                                                                   RecoveryCode.used_at.is_(None))) or 0


def accept_invitation(session: Session, user: User, *, password: str, totp_secret: str, code: str) -> list[str]:
    """A staff member sets a password and enrols TOTP; returns the recovery codes (shown once).

    The session version moves on, so the invitation link cannot be used again.
    """
    step = totp_step_matching(totp_secret, code)
    if step is None:
        raise AccountError(_l("Mã xác thực không đúng. Hãy nhập mã 6 chữ số đang hiện trong ứng dụng."))
    set_password(session, user, password)
    user.totp_secret = totp_secret  # the enrolment code is not a login: it may be used to sign in
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now_utc()  # the invitation reached this address
    codes = new_recovery_codes(session, user)
    record(session, "account.invitation_accepted", actor_id=user.id, object_type="user", object_id=user.id)
    return codes


# --- staff accounts and roles ------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int


def current_head(session: Session, unit_id: int) -> User | None:
    """The người đứng đầu of a unit: the user holding ``Role.HEAD`` on it."""
    return session.scalar(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                          .where(RoleAssignment.unit_id == unit_id, RoleAssignment.role == Role.HEAD).limit(1))


def check_grant(session: Session, user: User, role: Role, unit: OrgUnit, *, actor_id: int | None,
                replace_head: bool = False) -> None:
    """Raise :class:`AccountError` when ``role`` on ``unit`` cannot be given to ``user``.

    Nobody grants themselves a role that opens cases: an administrator who could make themselves a
    head could read denouncers' identities (administrators manage structure, not cases).
    """
    if actor_id is not None and actor_id == user.id and role != Role.ADMIN:
        raise AccountError(_l("Bạn không thể tự cấp cho mình vai trò xử lý vụ việc; hãy nhờ một quản trị viên khác."))
    if not user.is_active_account or user.deleted_at is not None:
        raise AccountError(_l("Chỉ có thể giao vai trò cho tài khoản đang hoạt động."))
    if not unit.is_active_on(local_today()):  # the city's day, as the unit's dates are
        raise AccountError(_l("Đơn vị đã thôi hoạt động."))
    existing = session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == user.id,
                                                           RoleAssignment.unit_id == unit.id,
                                                           RoleAssignment.role == role))
    if existing is not None:
        raise AccountError(_l("Cán bộ này đã có vai trò đó tại đơn vị này."))
    if role == Role.HEAD and not replace_head:
        head = current_head(session, unit.id)
        if head is not None:
            raise AccountError(_l("Đơn vị này đã có người đứng đầu (%(email)s); hãy gỡ vai trò đó trước.",
                                  email=head.email))


def assign_role(session: Session, user: User, role: Role, unit: OrgUnit, *, actor_id: int | None,
                requested_by: int | None = None) -> RoleAssignment:
    """Grant ``role`` on ``unit`` (and its subtree); audited. A unit has one head at a time.

    Through the web a role is first requested, and this runs when a second administrator approves
    (``requested_by``: the first one; portal/accounts/grants.py); the command line and the demo call
    it directly.
    """
    check_grant(session, user, role, unit, actor_id=actor_id)
    assignment = RoleAssignment(user_id=user.id, unit_id=unit.id, role=role, requested_by_id=requested_by)
    session.add(assignment)
    user.is_staff = True
    session.flush()
    session.expire(user, ["roles"])
    from portal.org.conflicts import conflicts_after_grant

    conflicts_after_grant(session, assignment)
    detail = {"requested_by": requested_by} if requested_by is not None else {}
    record(session, "role.granted", actor_id=actor_id, object_type="user", object_id=user.id, role=role.value,
           unit=unit.code, **detail)
    return assignment


def remove_role(session: Session, assignment: RoleAssignment, *, actor_id: int | None) -> None:
    """Withdraw one role assignment; audited."""
    user_id, role, unit_code = assignment.user_id, assignment.role, assignment.unit.code
    session.delete(assignment)
    session.flush()
    user = session.get(User, user_id)
    if user is not None:
        session.expire(user, ["roles"])
    record(session, "role.revoked", actor_id=actor_id, object_type="user", object_id=user_id, role=role.value,
           unit=unit_code)


def create_staff(session: Session, *, email: str, full_name: str, grants: list[Grant],
                 actor_id: int | None) -> User:
    """A staff account without a password: the person sets one through the invitation link."""
    email = normalize_email(email)
    if find_user(session, email) is not None:
        raise AccountError(_l("Địa chỉ email này đã được dùng cho một tài khoản khác."))
    user = User(email=email, full_name=full_name.strip(), is_staff=True)
    session.add(user)
    session.flush()
    record(session, "staff.created", actor_id=actor_id, object_type="user", object_id=user.id)
    for grant in grants:
        unit = session.get(OrgUnit, grant.unit_id)
        if unit is None:
            raise AccountError(_l("Đơn vị không tồn tại."))
        assign_role(session, user, grant.role, unit, actor_id=actor_id)
    return user


def set_active(session: Session, user: User, active: bool, *, actor_id: int | None) -> None:
    """Deactivate (every session ends at once) or reactivate a staff account; audited."""
    if actor_id == user.id and not active:
        raise AccountError(_l("Bạn không thể tự khóa tài khoản của mình."))
    if user.is_active_account == active:
        return
    user.is_active_account = active
    user.session_version += 1
    record(session, "staff.activated" if active else "staff.deactivated", actor_id=actor_id,
           object_type="user", object_id=user.id)
    session.flush()


def reset_invitation(session: Session, user: User, *, actor_id: int | None) -> None:
    """Revoke outstanding invitation links (a new one is then made by the caller); audited."""
    user.session_version += 1
    record(session, "staff.invitation_sent", actor_id=actor_id, object_type="user", object_id=user.id)
    session.flush()


def root_unit(session: Session) -> OrgUnit | None:
    """The root of the organisation (the active unit without a parent)."""
    return session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.valid_to.is_(None))
                          .order_by(OrgUnit.id).limit(1))
