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


def _fold_table() -> dict[int, str]:
    """Precomposed Latin letters (Vietnamese included) -> their base letter, lower case."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x2000):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if unicodedata.category(c) != "Mn")
        if base != char and base.isascii():
            table[code] = base.lower()
    # Đ as typed, and the look-alike Ð/ð (Icelandic eth) that wrong encodings and some keyboards produce.
    table[ord("đ")] = table[ord("Đ")] = table[0xD0] = table[0xF0] = "d"
    table.update({0xFF10 + d: str(d) for d in range(10)})  # full-width digits (East Asian input methods)
    return table


FOLD_TABLE = _fold_table()
_SPACES = re.compile(r"\s+")


def fold(value: str | None) -> str:
    """Lower-case, accent-free form for search: "Đất đai" -> "dat dai"."""
    if not value:
        return ""
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    value = value.translate(FOLD_TABLE)
    if not value.isascii():  # combining marks left over from unusual input
        value = "".join(c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn")
    return _SPACES.sub(" ", value).strip().lower()
