"""The reporter's own identifiers masked in everything staff read (LEGAL.md §4.2: staff work on a
redacted copy; only the handler and the head open the identity, through the audited reveal).

Citizens often write their name, ID number, phone, e-mail or address into the text itself ("Tôi tên
là …, CCCD …"). A :class:`Redactor` built from the submission's :class:`ReporterIdentity` finds those
values in any text, whatever the case, accents, spacing or separators, and replaces them with a label
("[họ tên người gửi]"). The search index is built from the redacted text too: otherwise a search for a
person's name would tell which case they sent.

Only the reporter's own values are masked, never "anything that looks like a phone number": the
content must stay usable (the accused's details, decision and parcel numbers are evidence).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from portal.cases.text import FOLD_TABLE, fold


class IdentityFields(Protocol):
    """What a redactor reads of an identity (ReporterIdentity, intake's IdentityInput, a SQL row)."""

    full_name: str
    address: str
    id_number: str | None
    phone: str | None
    email: str | None
    # and, when it has them, ``representatives``: a group đơn's representatives, senders too (a row read
    # by an older migration has none)

LABELS = {
    "name": _l("[họ tên người gửi]"),
    "address": _l("[địa chỉ người gửi]"),
    "id_number": _l("[số định danh người gửi]"),
    "phone": _l("[số điện thoại người gửi]"),
    "email": _l("[thư điện tử người gửi]"),
}

# Words and numbers of the folded text, apart: "12a" is "12", "a"; "0903.123.456" is three numbers.
# A combining mark that NFC could not compose stays inside its word (dropped when comparing).
_TOKEN = re.compile(r"[a-z\u0300-\u036f]+|[0-9]+")
_MARKS = dict.fromkeys(range(0x300, 0x370))
# What may stand between the groups of one written number: "0903 123 456", "079-123-456-789",
# "(+84) 903…", "0903 123 456" with no-break spaces, "079_088". The groups must then spell the
# whole value, so nothing longer is joined in.
_NUMBER_GAP = re.compile(r"[\s.\-\u2010-\u2015_,()+/]{1,3}")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[ .\-\u2010-\u2015_](?=\d)")  # one character between groups
_DATE = re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b")  # "12/05/2021": the date of issue, not the ID
_LONE_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d{6,}(?![A-Za-z0-9])")
_PHONE_SPLIT = re.compile(r"[,;/]|\s(?:hoặc|hoac|or|và|va)\s", re.IGNORECASE)
# What people put around a name in a form: "Ông Nguyễn Văn A", "Nguyễn Văn A (đại diện)".
_COURTESY = frozenset({"ong", "ba", "anh", "chi", "co", "chu", "bac", "em", "mr", "mrs", "ms"})
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_A_STREET = frozenset({"to", "khu", "kp", "ap", "thon", "xom", "khom", "phuong", "xa", "quan", "huyen", "p", "q"})
_EMAIL_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._%+-")
_EMAIL_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
MIN_DIGITS = 6  # shorter numbers are too common to mean anyone


def fold_in_place(text: str) -> str:
    """:func:`fold` without collapsing spaces: the same length as ``text``, so that a match in the
    folded text is at the same offsets in the original."""
    folded = text.translate(FOLD_TABLE).lower()
    if len(folded) == len(text):
        return folded
    # A character whose lower case is longer (U+0130): keep it as it is.
    return "".join(f if len(f := c.translate(FOLD_TABLE).lower()) == 1 else c for c in text)


def _words(value: str | None, minimum: int) -> tuple[str, ...] | None:
    tokens = tuple(t.translate(_MARKS) for t in _TOKEN.findall(fold(value)))
    return tokens if len(tokens) >= minimum else None


def _name(value: str | None) -> tuple[str, ...] | None:
    """The words of a full name, without what surrounds it in a form; one word alone is too common."""
    words = _words(_BRACKETS.sub(" ", value or ""), 1) or ()
    # "Ông", "Chu" are surnames too: a title is dropped only when a full name is left after it.
    while len(words) > 3 and words[0] in _COURTESY:
        words = words[1:]
    return words if len(words) >= 2 else None


def _addresses(value: str | None) -> list[tuple[str, ...]]:
    """The whole address, and its first part when that is a house number and street ("45 Nguyễn
    Trãi" of "45 Nguyễn Trãi, phường Chợ Quán"), since a citizen often writes only that."""
    found = [w for w in (_words(value, 3),) if w]
    if "," in (value or ""):
        part = _words((value or "").split(",", 1)[0], 3) or ()
        if part and part[0] == "so":
            part = part[1:]
        # a house number, then a street ("45 Nguyễn Trãi"), not a hamlet or ward ("Tổ 3", "Khu phố 2")
        if len(part) >= 3 and part[0].isdigit() and part[1] not in _NOT_A_STREET and part not in found:
            found.append(part)
    return found


def _phones(value: str | None) -> list[str]:
    """Each number of the phone field, in each way it is written: 0903123456, 84903123456,
    0084903123456, 903123456 ("+84 (0) 903…" and "0903… / 0912…" as typed in forms)."""
    found: list[str] = []
    for part in _PHONE_SPLIT.split(value or ""):
        digits = re.sub(r"\D", "", part.translate(FOLD_TABLE))
        if digits.startswith("0084"):
            digits = digits[4:]
        elif digits.startswith("84") and len(digits) >= 11:
            digits = digits[2:]
        digits = digits.lstrip("0")
        if len(digits) >= MIN_DIGITS:
            found += [digits, "0" + digits, "84" + digits, "0084" + digits]
    return found


def _id_number(value: str | None) -> tuple[list[str], tuple[str, ...] | None]:
    """(numbers, word form): each run of six or more digits of the field once its groups are joined
    ("CCCD: 079 088 001 234, cấp 2021"); a passport number "B1234567" as words."""
    joined = _DIGIT_GROUPS.sub("", _DATE.sub(" ", (value or "").translate(FOLD_TABLE)))
    numbers = _LONE_NUMBER.findall(joined)
    has_code = re.search(r"[A-Za-z]\d|\d[A-Za-z]", joined)
    return numbers, _words(value, 1) if has_code and len(re.sub(r"\W", "", joined)) >= MIN_DIGITS else None


@dataclass(frozen=True)
class Redactor:
    """Masks one reporter's identifiers. ``Redactor.none()`` masks nothing (anonymous submissions).

    Built without compiling anything per reporter (a case page builds one per view): the folded text
    is cut into words and numbers once, and each value is looked for as a run of them.
    """

    words: tuple[tuple[tuple[str, ...], str], ...] = ()  # word runs (name, address, passport) -> label key
    numbers: tuple[tuple[str, str], ...] = ()  # digits as written in any grouping -> label key
    emails: tuple[tuple[str, str], ...] = ()

    @classmethod
    def none(cls) -> Redactor:
        return cls()

    @classmethod
    def for_values(cls, *, full_name: str | None = None, address: str | None = None, id_number: str | None = None,
                   phone: str | None = None, email: str | None = None, other_names: Sequence[str] = ()) -> Redactor:
        id_digits, id_words = _id_number(id_number)
        words = [(w, key) for w, key in ([(_name(full_name), "name"), (id_words, "id_number")]
                                         + [(_name(n), "name") for n in other_names]
                                         + [(a, "address") for a in _addresses(address)]) if w]
        numbers = [(d, "id_number") for d in id_digits] + [(d, "phone") for d in _phones(phone)]
        mail = fold(email)
        return cls(tuple(words), tuple(numbers), ((mail, "email"),) if "@" in mail else ())

    @classmethod
    def for_identity(cls, identity: IdentityFields | None) -> Redactor:
        """From a stored :class:`ReporterIdentity`, the intake's input or a row with the same fields."""
        if identity is None:
            return cls.none()
        return cls.for_values(full_name=identity.full_name, address=identity.address, id_number=identity.id_number,
                              phone=identity.phone, email=identity.email,
                              other_names=tuple(getattr(identity, "representatives", None) or ()))

    def __bool__(self) -> bool:
        return bool(self.words or self.numbers or self.emails)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, label key) of every identifier in ``text``, in order, without overlaps."""
        if not self or not text:
            return []
        folded = fold_in_place(text)
        tokens = [(m.group().translate(_MARKS), m.start(), m.end()) for m in _TOKEN.finditer(folded)]
        found = self._word_runs(tokens) + self._number_runs(folded, tokens) + self._emails(folded)
        spans: list[tuple[int, int, str]] = []
        for start, neg_end, key in sorted(found):  # leftmost first, then longest
            if spans and start < spans[-1][1]:
                if -neg_end > spans[-1][1]:  # overlapping matches: one mask over both
                    spans[-1] = (spans[-1][0], -neg_end, spans[-1][2])
                continue
            spans.append((start, -neg_end, key))
        return spans

    def _word_runs(self, tokens: list[tuple[str, int, int]]) -> list[tuple[int, int, str]]:
        found = []
        for run, key in self.words:
            size = len(run)
            for i in range(len(tokens) - size + 1):
                if tokens[i][0] == run[0] and all(tokens[i + k][0] == run[k] for k in range(1, size)):
                    found.append((tokens[i][1], -tokens[i + size - 1][2], key))
        return found

    def _number_runs(self, folded: str, tokens: list[tuple[str, int, int]]) -> list[tuple[int, int, str]]:
        """Runs of numbers, joined by short gaps, whose digits are exactly a value."""
        if not self.numbers:
            return []
        longest = max(len(digits) for digits, _key in self.numbers)
        found = []
        for i, (token, start, _end) in enumerate(tokens):
            if not token.isdigit():
                continue
            joined, j = token, i
            while True:
                for digits, key in self.numbers:
                    if joined == digits:
                        while start and folded[start - 1] in "+(":  # "+84", "(+84)"
                            start -= 1
                        found.append((start, -tokens[j][2], key))
                if len(joined) >= longest or j + 1 == len(tokens) or not tokens[j + 1][0].isdigit() \
                        or not _NUMBER_GAP.fullmatch(folded, tokens[j][2], tokens[j + 1][1]):
                    break
                j += 1
                joined += tokens[j][0]
        return found

    def _emails(self, folded: str) -> list[tuple[int, int, str]]:
        found = []
        for mail, key in self.emails:
            at = folded.find(mail)
            while at >= 0:
                end = at + len(mail)
                if (not at or folded[at - 1] not in _EMAIL_BEFORE) and (end == len(folded)
                                                                       or folded[end] not in _EMAIL_AFTER):
                    found.append((at, -end, key))
                at = folded.find(mail, at + 1)
        return found

    def _pieces(self, text: str) -> Iterable[tuple[str, str | None]]:
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        position = 0
        for start, end, key in self.spans(text):
            yield text[position:start], None
            yield text[start:end], key
            position = end
        yield text[position:], None

    def text(self, value: str | None, *, blank: bool = False) -> str:
        """``value`` with each identifier replaced by its label (``blank``: by a space, for indexing)."""
        if not value:
            return ""
        return "".join(piece if key is None else (" " if blank else str(LABELS[key]))
                       for piece, key in self._pieces(value))

    def html(self, value: str | None) -> Markup:
        """Escaped ``value`` with its line breaks kept and each identifier replaced by a marked label."""
        if not value:
            return Markup("")
        out = Markup("").join(escape(piece) if key is None else
                              Markup('<span class="redacted">{}</span>').format(LABELS[key])
                              for piece, key in self._pieces(value))
        return Markup("<br>\n").join(out.splitlines())


def search_text(title: str, content: str, redactor: Redactor) -> str:
    """What the content search indexes: the folded title and content, identifiers left out."""
    return fold(redactor.text(f"{title}\n{content}", blank=True))

