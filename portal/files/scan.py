"""Malware scanning of uploaded files before they are accepted: ClamAV's ``clamd`` over its
INSTREAM protocol (no client library needed), or nothing (``PORTAL_SCANNER=none``, the default
for development; production should run clamd with the official signatures kept up to date by
freshclam).

A file is only accepted once the scanner said it is clean. When the scanner cannot answer, the
upload is refused (fail closed) and the citizen is asked to try again later, keeping what they
typed.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.settings import Settings

CHUNK = 64 * 1024
TIMEOUT = 30.0
SCANNER_UNAVAILABLE = _l("Không kiểm tra được tệp đính kèm lúc này nên chưa thể nhận. Nội dung bạn nhập vẫn còn; "
                         "vui lòng chọn lại tệp và gửi lại sau ít phút.")


class ScannerUnavailable(RuntimeError):
    """The scanner did not give a verdict (not running, timed out, or answered with an error)."""


@dataclass(frozen=True)
class Verdict:
    infected: bool
    signature: str | None = None


CLEAN = Verdict(False)


def scan(settings: Settings, data: bytes) -> Verdict:
    """The verdict on ``data`` from the configured scanner."""
    if settings.scanner == "none":
        return CLEAN
    return clamd_scan(data, settings.clamd_host, settings.clamd_port)


def clamd_scan(data: bytes, host: str, port: int, timeout: float = TIMEOUT) -> Verdict:
    """Send ``data`` to clamd (``zINSTREAM``) and read its one-line answer."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            answer = _read_answer(conn)
    except OSError as exc:
        raise ScannerUnavailable(f"clamd at {host}:{port}: {exc}") from exc
    if answer == "stream: OK":
        return CLEAN
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        return Verdict(True, answer[len("stream: "):-len(" FOUND")])
    raise ScannerUnavailable(f"clamd at {host}:{port} answered {answer[:200]!r}")


def _read_answer(conn: socket.socket) -> str:
    received = b""
    while not received.endswith(b"\0"):
        part = conn.recv(4096)
        if not part:
            break
        received += part
    return received.rstrip(b"\0").decode("utf-8", "replace").strip()
