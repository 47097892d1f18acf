"""Text helpers for citizen input and search."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str | None) -> str:
    """Plain text as stored: Unicode NFC, control and direction-override characters removed,
    line endings normalised, surrounding whitespace trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", value).strip()


def fold(value: str | None) -> str:
    """Lower-case, accent-free form for search: "Đất đai" -> "dat dai"."""
    if not value:
        return ""
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", value).strip().lower()
