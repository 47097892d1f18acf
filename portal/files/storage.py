"""One small storage interface for evidence files (local disk now, object storage later).

Keys are random (never derived from the citizen's file name) and files live outside the web root,
under ``settings.upload_path``. Writes are atomic (temporary file + rename), so a reader never sees
half a file.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from flask import Flask, current_app

EXTENSION_KEY = "portal.storage"


class StorageError(RuntimeError):
    """The storage backend could not store, read or delete a file."""


class Storage(ABC):
    """What intake, tracking and the back office need from a file store."""

    @abstractmethod
    def save(self, data: bytes) -> str:
        """Store ``data`` under a new random key and return the key."""

    @abstractmethod
    def read(self, key: str) -> bytes:
        """The bytes stored under ``key`` (:class:`KeyError` when there is none)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; removing a missing key is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a file."""

    @staticmethod
    def new_key() -> str:
        return secrets.token_hex(20)


def _check_key(key: str) -> str:
    if not key or len(key) > 100 or not all(c in "0123456789abcdef" for c in key):
        raise KeyError(key)
    return key


class LocalStorage(Storage):
    """Files on local disk under ``root/<first two hex digits>/<key>``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = self.new_key()
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp, 0o640)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"could not store a file: {exc.strerror or exc}") from exc
        return key

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except KeyError:
            return

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except KeyError:
            return False

    def keys(self) -> list[str]:
        """Every stored key (for tests and maintenance)."""
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".tmp-"))


def get_storage(app: Flask | None = None) -> Storage:
    """The app's storage backend (a :class:`LocalStorage` on ``settings.upload_path`` by default)."""
    app = app or current_app
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = LocalStorage(app.config["SETTINGS"].upload_path)
        app.extensions[EXTENSION_KEY] = storage
    return storage


def set_storage(app: Flask, storage: Storage | None) -> None:
    """Use another backend (object storage, or a failing one in tests); ``None`` restores the default."""
    if storage is None:
        app.extensions.pop(EXTENSION_KEY, None)
    else:
        app.extensions[EXTENSION_KEY] = storage
