"""Taking in one evidence file: check its type from its bytes, hash it, store the sealed original
and a metadata-stripped working copy."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from portal.cases.text import clean_text
from portal.files.sniff import FileRejected, FileType, detect
from portal.files.storage import Storage
from portal.files.strip import strip_metadata

__all__ = ["FileRejected", "StoredFile", "ingest", "safe_name", "sha256"]


@dataclass(frozen=True)
class StoredFile:
    """What the attachment row records about a file already written to storage."""

    original_name: str
    mime_type: str
    size: int
    sha256: str
    storage_key: str
    working_key: str | None
    working_sha256: str | None

    @property
    def keys(self) -> list[str]:
        return [k for k in (self.storage_key, self.working_key) if k]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(filename: str | None, file_type: FileType | None = None) -> str:
    """A display name: no directories, no control characters, at most 200 characters."""
    name = clean_text(unicodedata.normalize("NFC", filename or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\s+", " ", name).strip(" .") or "tep"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + dot + ext[:9]) if dot else name[:200]
    return name


def check(data: bytes) -> FileType:
    """The allowed type of ``data`` (raises :class:`FileRejected`)."""
    return detect(data)


def ingest(storage: Storage, filename: str | None, data: bytes, file_type: FileType | None = None) -> StoredFile:
    """Store ``data`` (already checked, or checked here) and its stripped copy.

    On failure nothing written by this call is left behind.
    """
    file_type = file_type or detect(data)
    working = strip_metadata(data, file_type)
    key = storage.save(data)
    try:
        working_key = storage.save(working) if working is not None else None
    except Exception:
        storage.delete(key)
        raise
    return StoredFile(original_name=safe_name(filename, file_type), mime_type=file_type.mime, size=len(data),
                      sha256=sha256(data), storage_key=key, working_key=working_key,
                      working_sha256=sha256(working) if working is not None else None)
