"""Receiving a đơn: store the files, the submission, its identity and its case atomically.

Files are written first; if anything after that fails, they are removed again, so there is never
a record without its files nor a file without its record. The caller commits (and calls
:func:`discard_files` if the commit itself fails).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.cases.models import Attachment, Case, Channel, ReporterIdentity, Submission, SubmissionKind
from portal.cases.redaction import Redactor, search_text
from portal.cases.services import receiving_unit_id, register_submission
from portal.cases.text import clean_text, fold
from portal.files.services import StoredFile, ingest
from portal.files.sniff import FileType
from portal.files.storage import Storage
from portal.intake.codes import hash_secret, new_code, new_secret
from portal.org import refdata
from portal.org.models import OrgUnit, UnitKind


class IntakeError(RuntimeError):
    """A submission could not be received."""


class DuplicateSubmission(IntakeError):
    """This form was already sent (same one-time nonce)."""

    def __init__(self, tracking_code: str) -> None:
        super().__init__(tracking_code)
        self.tracking_code = tracking_code


class AnonymousComplaint(IntakeError):
    """A complaint must be signed (LEGAL.md §3)."""


@dataclass
class IdentityInput:
    full_name: str
    address: str = ""
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    protection_requested: bool = False
    representatives: tuple[str, ...] = ()  # a group đơn's representatives


@dataclass
class FileInput:
    filename: str
    data: bytes
    file_type: FileType | None = None


@dataclass
class SubmissionInput:
    """Everything a citizen sends, already validated by the form."""

    kind: SubmissionKind
    title: str
    content: str
    identity: IdentityInput | None = None  # None: anonymous
    request_text: str = ""
    unit_id: int | None = None
    field_id: int | None = None
    ward_id: int | None = None
    sent_elsewhere: bool = False
    sent_elsewhere_detail: str = ""
    decision_number: str | None = None
    decision_date: dt.date | None = None
    decision_issuer: str | None = None
    learned_on: dt.date | None = None
    is_second_complaint: bool = False
    late_reason: str = ""
    accused_name: str | None = None
    accused_position: str | None = None
    accused_unit_text: str | None = None
    group_size: int = 1
    files: list[FileInput] = field(default_factory=list)
    user_id: int | None = None
    language: str = "vi"
    notify_by_email: bool = False
    form_nonce: str | None = None
    channel: Channel = Channel.WEB


@dataclass
class Receipt:
    """What the citizen is shown once: the code and the secret."""

    submission: Submission
    case: Case
    secret: str
    stored_keys: list[str]

    @property
    def tracking_code(self) -> str:
        return self.submission.tracking_code


def _opt(value: str | None) -> str | None:
    cleaned = clean_text(value)
    return cleaned or None


# Statements of every submission, built once (a select() built per call costs more than the lookup).
_ID_OF_CODE = select(Submission.id).where(Submission.tracking_code == bindparam("code"))
_CODE_OF_NONCE = select(Submission.tracking_code).where(Submission.form_nonce == bindparam("nonce"))


def unique_code(session: Session, kind: SubmissionKind) -> str:
    while True:
        code = new_code(kind)
        if session.execute(_ID_OF_CODE, {"code": code}).scalar() is None:
            return code


def code_for_nonce(session: Session, nonce: str | None) -> str | None:
    """The tracking code of the submission already stored from the form of ``nonce``, if any."""
    if not nonce:
        return None
    return session.execute(_CODE_OF_NONCE, {"nonce": nonce}).scalar()


def store_files(storage: Storage, files: list[FileInput]) -> list[StoredFile]:
    """Write every file (original + stripped copy); on failure remove what was written."""
    stored: list[StoredFile] = []
    try:
        for item in files:
            stored.append(ingest(storage, item.filename, item.data, item.file_type))
    except BaseException:
        discard_files(storage, [k for s in stored for k in s.keys])
        raise
    return stored


def discard_files(storage: Storage, keys: list[str]) -> None:
    """Remove files whose rows were not stored (best effort, never raises)."""
    for key in keys:
        with contextlib.suppress(Exception):  # cleanup must not hide the original error
            storage.delete(key)


def attachment_rows(stored: list[StoredFile], *, by_reporter: bool = True) -> list[Attachment]:
    return [Attachment(original_name=s.original_name, mime_type=s.mime_type, size=s.size, sha256=s.sha256,
                       storage_key=s.storage_key, working_key=s.working_key, working_sha256=s.working_sha256,
                       uploaded_by_reporter=by_reporter) for s in stored]


def _submission_row(session: Session, data: SubmissionInput, secret_key: str, secret: str) -> Submission:
    title, content = clean_text(data.title), clean_text(data.content)
    submission = Submission(
        tracking_code=unique_code(session, data.kind), secret_hash=hash_secret(secret_key, secret), kind=data.kind,
        channel=data.channel, is_anonymous=data.identity is None, user_id=data.user_id, language=data.language,
        notify_by_email=bool(data.notify_by_email and data.user_id), form_nonce=data.form_nonce,
        unit_id=data.unit_id, field_id=data.field_id, ward_id=data.ward_id, title=title[:255], content=content,
        request_text=clean_text(data.request_text), sent_elsewhere=data.sent_elsewhere,
        sent_elsewhere_detail=clean_text(data.sent_elsewhere_detail) if data.sent_elsewhere else "",
        search_text=search_text(title, content, Redactor.for_identity(data.identity)),
        group_size=max(1, data.group_size or 1),
    )
    if data.kind == SubmissionKind.COMPLAINT:
        submission.decision_number = _opt(data.decision_number)
        submission.decision_date = data.decision_date
        submission.decision_issuer = _opt(data.decision_issuer)
        submission.learned_on = data.learned_on
        submission.is_second_complaint = data.is_second_complaint
        submission.late_reason = clean_text(data.late_reason)
    if data.kind == SubmissionKind.DENUNCIATION:
        submission.accused_name = _opt(data.accused_name)
        submission.accused_position = _opt(data.accused_position)
        submission.accused_unit_text = _opt(data.accused_unit_text)
    if data.identity is not None:
        ident = data.identity
        submission.identity = ReporterIdentity(
            full_name=clean_text(ident.full_name)[:255], address=clean_text(ident.address),
            id_number=_opt(ident.id_number), phone=_opt(ident.phone), email=_opt(ident.email),
            protection_requested=ident.protection_requested and data.kind == SubmissionKind.DENUNCIATION,
            representatives=[name for name in (clean_text(n)[:255] for n in ident.representatives) if name])
    return submission


@dataclass
class Draft:
    """A submission ready to be written: what :func:`prepare` worked out by reading only."""

    submission: Submission  # transient: not in the session yet
    secret: str
    unit_id: int  # the receiving unit (routing)
    files: list[FileInput]


def prepare(session: Session, data: SubmissionInput, *, secret_key: str) -> Draft:
    """The reading half of receiving a đơn: a free tracking code, the secret, the rows (not added to
    the session) and the receiving unit. Writes nothing, so on SQLite it runs before the write lock
    is taken (see :func:`portal.db.reading`); the form nonce is checked by the caller or :func:`submit`.
    """
    if data.kind == SubmissionKind.COMPLAINT and data.identity is None:
        raise AnonymousComplaint("a complaint must be signed")
    secret = new_secret()
    submission = _submission_row(session, data, secret_key, secret)
    with session.no_autoflush:
        unit_id = receiving_unit_id(session, submission)
    return Draft(submission=submission, secret=secret, unit_id=unit_id, files=data.files)


def store(session: Session, storage: Storage, draft: Draft) -> Receipt:
    """The writing half: files, then the submission, identity, attachments, case and first event in
    one flush, all or nothing (the files are removed again if the rows cannot be written)."""
    stored = store_files(storage, draft.files)
    keys = [k for s in stored for k in s.keys]
    try:
        submission = draft.submission
        submission.attachments = attachment_rows(stored)
        case = register_submission(session, submission, draft.unit_id)
    except BaseException:
        discard_files(storage, keys)
        raise
    return Receipt(submission=submission, case=case, secret=draft.secret, stored_keys=keys)


def submit(session: Session, storage: Storage, data: SubmissionInput, *, secret_key: str) -> Receipt:
    """Receive a đơn: files, submission, identity, attachments and its case, all or nothing."""
    existing = code_for_nonce(session, data.form_nonce)
    if existing is not None:
        raise DuplicateSubmission(existing)
    return store(session, storage, prepare(session, data, secret_key=secret_key))


# -- choices for the form ------------------------------------------------------------------------

@dataclass(frozen=True)
class FormChoices:
    """What the submission form offers, in one language: worked out once per reference snapshot
    (``portal.org.refdata``) and day, and shared read-only by the requests of the process."""

    lookup: Mapping[str, int]  # what the type-ahead box resolves (see :func:`unit_lookup`), read-only
    unit_names: tuple[str, ...]  # the type-ahead list
    fields: tuple[tuple[int, str], ...]  # (id, name) of the active fields
    wards: tuple[tuple[int, str], ...]  # (id, name) of the ward committees


def complaint_limit(session: Session) -> Callable[[dt.date, bool], tuple[int, dt.date] | None]:
    """The time to file a complaint, from the deadline rules (data, with effective dates): KN-01 for
    a first complaint, KN-05 for a second one, in the version in force on the day the citizen learned
    of the decision, counted as the Civil Code counts (from the next day; a period ending on a day
    off runs to the next working day). None when no rule is loaded (nothing is then checked)."""
    from portal.deadlines import policy
    from portal.deadlines.services import load_calendar, rule_in_force

    calendars: list[Any] = []

    def limit(learned: dt.date, second: bool) -> tuple[int, dt.date] | None:
        rule = (rule_in_force(session, "KN-05", learned) if second else None) or rule_in_force(session, "KN-01",
                                                                                               learned)
        if rule is None:
            return None
        if not calendars:
            calendars.append(load_calendar(session))
        return rule.duration, policy.due_date(learned, rule.duration, rule.unit.value, calendars[0])

    return limit


def complaint_days(session: Session, today: dt.date) -> tuple[int, int] | None:
    """The two time limits in force today (first and second complaint), for the form's help text."""
    from portal.deadlines.services import rule_in_force

    first, second = rule_in_force(session, "KN-01", today), rule_in_force(session, "KN-05", today)
    return (first.duration, (second or first).duration) if first is not None else None


def form_choices(session: Session, today: dt.date, *, english: bool = False) -> FormChoices:
    """The units, fields and wards the form offers on ``today`` (one token read per transaction)."""
    snap = refdata.snapshot(session)
    return snap.derived(("intake-form", today, english),
                        lambda: _form_choices(snap.active_units(today), snap.fields, english=english))


def _form_choices(units: list[Any], fields: tuple[Any, ...], *, english: bool) -> FormChoices:
    def name(row: Any) -> str:
        return str(row.name_en if english and row.name_en else row.name)

    return FormChoices(lookup=MappingProxyType(unit_lookup(units)),
                       unit_names=tuple(label for label, _id in unit_options(units, english=english)),
                       fields=tuple((f.id, name(f)) for f in fields),
                       wards=tuple((u.id, name(u)) for u in wards(units)))


def active_units(session: Session, today: dt.date) -> list[OrgUnit]:
    """Units in force on ``today``, ordered by name."""
    return list(session.scalars(
        select(OrgUnit).where(OrgUnit.valid_from <= today, (OrgUnit.valid_to.is_(None)) | (OrgUnit.valid_to > today))
        .order_by(OrgUnit.name)))


def unit_options(units: list[Any], *, english: bool = False) -> list[tuple[str, int]]:
    """(label, id) for the type-ahead list; a name used by several units gets its parent's name."""
    by_id = {u.id: u for u in units}

    def name(unit: Any) -> str:
        return unit.name_en if english and unit.name_en else unit.name

    counts: dict[str, int] = {}
    for unit in units:
        counts[fold(name(unit))] = counts.get(fold(name(unit)), 0) + 1
    options = []
    for unit in units:
        label = name(unit)
        parent = by_id.get(unit.parent_id) if unit.parent_id else None
        if counts[fold(label)] > 1 and parent is not None:
            label = f"{label} — {name(parent)}"
        options.append((label, unit.id))
    return options


_UNIT_PUNCTUATION = re.compile(r"[.,;:()'’\-–—/]+")
_UNIT_WORDS = {"ubnd": "uy ban nhan dan", "tp": "thanh pho", "p": "phuong", "x": "xa"}
_CITY_SUFFIXES = ("thanh pho ho chi minh", "thanh pho hcm", "hcm", "tphcm", "ho chi minh city", "hcmc", "thanh pho")


def unit_key(text: str | None) -> str:
    """How a unit's name is compared: folded, punctuation-free, the usual abbreviations written out
    ("UBND", "TP.", "P.") and the city's name dropped at the end, so "UBND P. Bến Thành, TP.HCM"
    and "ubnd phuong ben thanh" both find "Ủy ban nhân dân phường Bến Thành"."""
    words = _UNIT_PUNCTUATION.sub(" ", fold(text)).split()
    key = " ".join(_UNIT_WORDS.get(word, word) for word in words)
    for suffix in _CITY_SUFFIXES:
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1].strip()
            break
    return key


def unit_lookup(units: list[Any]) -> dict[str, int]:
    """What the type-ahead box resolves: labels (both languages) and codes, as :func:`unit_key`
    writes them -> unit id.

    A bare name shared by several units is ambiguous and resolves to nothing (the citizen is asked
    to pick the labelled entry).
    """
    lookup: dict[str, int] = {}
    ambiguous: set[str] = set()
    for english in (False, True):
        for label, unit_id in unit_options(units, english=english):
            lookup[unit_key(label)] = unit_id
    for unit in units:
        for key in (unit.name, unit.name_en):
            folded = unit_key(key)
            if not folded:
                continue
            if folded in lookup and lookup[folded] != unit.id:
                ambiguous.add(folded)
            else:
                lookup.setdefault(folded, unit.id)
        lookup[unit_key(unit.code)] = unit.id
    for key in ambiguous:
        lookup.pop(key, None)
    return lookup


def wards(units: list[Any]) -> list[Any]:
    return [u for u in units if u.kind == UnitKind.WARD_COMMITTEE]
