"""Tracking codes and secrets.

The code is short and readable (kind prefix + 8 characters from an alphabet without look-alikes,
e.g. ``KN-7Q4M-X9KD``); the secret carries 100 random bits (4 groups of 5 Crockford base32
characters), is shown once, and only its HMAC-SHA256 under a purpose-specific key derived from
``SECRET_KEY`` is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from portal.cases.models import SubmissionKind

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
SECRET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # noqa: S105 - Crockford base32: 5 bits per character
PREFIX = {SubmissionKind.COMPLAINT: "KN", SubmissionKind.DENUNCIATION: "TC", SubmissionKind.PETITION: "KI",
          SubmissionKind.FEEDBACK: "PA"}
_CODE_RE = re.compile(r"^(KN|TC|KI|PA)([2-9A-HJ-NP-Z]{8})$")
_SECRET_PURPOSE = b"portal.tracking-secret.v1"


def new_code(kind: SubmissionKind) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{PREFIX[kind]}-{body[:4]}-{body[4:]}"


def normalize_code(raw: str | None) -> str | None:
    """``kn 7q4m x9kd`` -> ``KN-7Q4M-X9KD``; None when it cannot be a code."""
    compact = re.sub(r"[\s\-_.]", "", (raw or "").upper())[:32]
    match = _CODE_RE.match(compact)
    if not match:
        return None
    prefix, body = match.groups()
    return f"{prefix}-{body[:4]}-{body[4:]}"


def new_secret() -> str:
    chars = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(20))
    return "-".join(chars[i:i + 5] for i in range(0, 20, 5))


def normalize_secret(raw: str | None) -> str:
    """Upper case, separators removed, Crockford look-alikes mapped (O->0, I/L->1)."""
    compact = re.sub(r"[\s\-_.]", "", (raw or "").upper())[:64]
    return compact.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _SECRET_PURPOSE, hashlib.sha256).digest()


def hash_secret(secret_key: str, secret: str) -> str:
    """The stored form of a tracking secret (hex HMAC-SHA256)."""
    return hmac.new(_key(secret_key), normalize_secret(secret).encode(), hashlib.sha256).hexdigest()


def secret_matches(secret_key: str, secret: str | None, stored_hash: str | None) -> bool:
    """Constant-time comparison of a typed secret with the stored hash."""
    candidate = hash_secret(secret_key, secret or "")
    return hmac.compare_digest(candidate, stored_hash or "0" * 64)
