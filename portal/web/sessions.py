"""Flask's signed-cookie session, minus two per-request costs.

* The payload is not zlib-compressed. itsdangerous compresses every payload just to see whether it
  gets shorter; for our small sessions (a form token, the đơn opened for tracking) that costs a
  fresh deflate state of a quarter of a megabyte per response that saves the session, and gains
  a few bytes. Uncompressed payloads are also what the standard serializer writes for short data,
  and it reads both forms, so cookies stay compatible both ways. (Not compressing secrets next to
  other data is, if anything, the safer choice.)
* The signing serializer is built once per secret key instead of twice per request.

Everything else (signature, salt, key derivation, expiry, cookie attributes) is Flask's.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes


class UncompressedSerializer(URLSafeTimedSerializer):
    """``URLSafeTimedSerializer`` that writes plain base64 payloads (and reads both kinds)."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs)))


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = UncompressedSerializer(
                list(keys),  # type: ignore[arg-type]
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
            self._serializers = {keys: serializer}  # one entry: a new key replaces the old one
        return serializer


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
