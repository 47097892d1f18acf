"""Signed links: one serializer per purpose, each with its own salt and lifetime.

The payload is the user id plus the user's ``session_version``, so bumping the version (password
reset, invitation accepted, "log out of all sessions") revokes every outstanding link. No personal
data goes into a token.

A link that confirms an address is also bound to that address (a keyed digest of it, not the
address): the email-change link stops working once another change is asked for, so an old link
cannot confirm an address its owner never received a link at.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal.accounts.models import User


class Purpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 - a purpose name, not a password
    STAFF_INVITATION = "staff-invitation"
    CHANGE_EMAIL = "change-email"


MAX_AGE: dict[Purpose, dt.timedelta] = {
    Purpose.CONFIRM_EMAIL: dt.timedelta(days=3),
    Purpose.RESET_PASSWORD: dt.timedelta(hours=1),
    Purpose.STAFF_INVITATION: dt.timedelta(days=7),
    Purpose.CHANGE_EMAIL: dt.timedelta(days=1),
}


class TokenError(Exception):
    """A link that cannot be used; ``expired`` tells an old link from a forged or foreign one."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be given (tests make old links without sleeping)."""

    def __init__(self, *args: Any, clock: Callable[[], float] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock()) if self._clock else super().get_timestamp()


def _serializer(purpose: Purpose, now: dt.datetime | None) -> URLSafeTimedSerializer:
    clock = now.timestamp if now is not None else None
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.accounts.{purpose.value}",
                                  signer=_ClockSigner, signer_kwargs={"clock": clock})


# Purposes whose link stands for one value of the account, which must still be that value when the
# link is opened.
_BOUND: dict[Purpose, Callable[[User], str | None]] = {Purpose.CHANGE_EMAIL: lambda user: user.pending_email}


def _digest(purpose: Purpose, value: str | None) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose.value}\n{value or ''}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(purpose: Purpose, user: User, *, now: dt.datetime | None = None) -> str:
    """A signed, expiring token for ``purpose`` that names ``user``."""
    payload: dict[str, Any] = {"u": user.id, "v": user.session_version}
    if purpose in _BOUND:
        payload["b"] = _digest(purpose, _BOUND[purpose](user))
    return _serializer(purpose, now).dumps(payload)


def read_token(session: Session, purpose: Purpose, token: str, *, now: dt.datetime | None = None) -> User:
    """The user a valid token names; :class:`TokenError` if it is expired, forged, of another purpose
    or revoked (the user's session version moved on, or the account is gone or deactivated)."""
    max_age = int(MAX_AGE[purpose].total_seconds())
    try:
        data = _serializer(purpose, now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenError(expired=False)
    user = session.get(User, data["u"])
    if user is None or user.session_version != data.get("v") or not user.is_active_account:
        raise TokenError(expired=False)
    bound = str(data.get("b", "")).encode()
    if purpose in _BOUND and not hmac.compare_digest(bound, _digest(purpose, _BOUND[purpose](user)).encode()):
        raise TokenError(expired=False)  # made for another value (an earlier email change)
    return user


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the public base URL (``PORTAL_BASE_URL``), for emails and the CLI."""
    from flask import has_request_context, url_for

    base = current_app.config["SETTINGS"].base_url.rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def link(purpose: Purpose, user: User, endpoint: str) -> str:
    """The signed link of ``purpose`` for ``user`` at ``endpoint`` (which takes a ``token``)."""
    return external_url(endpoint, token=make_token(purpose, user))
