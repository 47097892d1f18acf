"""Which copy of an evidence file each member of staff reads.

A signed denunciation carries the denouncer's name, address and signature (LEGAL.md §7.1), and the
files sent with it usually do too: the scanned, signed đơn is the first of them. Stripping metadata
(:mod:`portal.files.strip`) cannot help with what is on the page. So for the files of a named
denunciation (:func:`is_protected`) staff who may not know the denouncer (everyone but the assigned
handler and the head of the unit, LEGAL.md §4.2) read:

- the **redacted copy** that the handler or the head uploaded, with the identity blacked out using
  their own tools; or
- the working copy, once the handler or the head has **cleared** it (checked that it names nobody,
  as with most photos of a site);
- nothing until then: the file is listed, with a note that it waits for them.

Those who may know the identity open the working copy as before, and each opening is written to the
audit log, as a reveal is. Complaints, petitions and feedback are not held back: the law protects
denouncers, and holding every file would stop the work on the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pikepdf
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import User
from portal.audit.services import record
from portal.cases.models import Attachment, Case, CaseKind, ReporterIdentity, Submission, SubmissionKind
from portal.files.sniff import FileType
from portal.files.storage import Storage
from portal.files.strip import strip_metadata

PROTECTED_VIEW = "attachment.protected_view"
REDACTED_COPY = "attachment.redacted_copy"
CLEARED = "attachment.cleared"


class EvidenceError(ValueError):
    """A redacted copy or a clearing that cannot be accepted (the message is for the user)."""


def is_protected(case: Case) -> bool:
    """Do the files of ``case`` wait for a redacted copy or a clearing before other staff read them?

    Yes for a named denunciation (as sent, or as classified), unless the denouncer waived
    confidentiality (NĐ 156/2026 Art. 22(2)(b), LEGAL.md §4.2). The files belong to the submission,
    so a part split off as a complaint holds them back too when another part is a denunciation.
    """
    submission = case.submission
    identity = submission.identity
    if identity is None or identity.waived_confidentiality:
        return False
    return submission.kind == SubmissionKind.DENUNCIATION or any(
        c.kind == CaseKind.DENUNCIATION for c in submission.cases)


def awaiting_preparation(session: Session, case_ids: Collection[int]) -> set[int]:
    """Which of ``case_ids`` have a held-back file (:func:`is_protected`) that neither has a
    redacted copy nor is cleared: for the queues, so that the handler and the head see what waits."""
    if not case_ids:
        return set()
    denunciation_part = aliased(Case)
    stmt = (select(Case.id).join(Submission, Submission.id == Case.submission_id)
            .join(ReporterIdentity, ReporterIdentity.submission_id == Submission.id)
            .where(Case.id.in_(list(case_ids)), ReporterIdentity.waived_confidentiality.is_(False),
                   or_(Submission.kind == SubmissionKind.DENUNCIATION,
                       exists().where(denunciation_part.submission_id == Case.submission_id,
                                      denunciation_part.kind == CaseKind.DENUNCIATION)),
                   exists().where(Attachment.submission_id == Case.submission_id, Attachment.redacted_key.is_(None),
                                  Attachment.cleared.is_(False))))
    return set(session.scalars(stmt))


@dataclass(frozen=True)
class StaffCopy:
    key: str
    mime: str
    redacted: bool  # the uploaded redacted copy (else the cleared working copy)


def staff_copy(attachment: Attachment) -> StaffCopy | None:
    """What staff who may not know the denouncer read of a protected file, if anything yet."""
    if attachment.redacted_key and attachment.redacted_mime:
        return StaffCopy(attachment.redacted_key, attachment.redacted_mime, True)
    if attachment.cleared and attachment.working_key:
        return StaffCopy(attachment.working_key, attachment.mime_type, False)
    return None


def record_protected_view(session: Session, user: User, case: Case, attachment: Attachment) -> None:
    """The handler or the head opened the working copy of a protected file (it may name the denouncer)."""
    record(session, PROTECTED_VIEW, actor_id=user.id, object_type="attachment", object_id=attachment.id,
           case_id=case.id)


TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
MAX_FORM_DEPTH = 8


def _shows_text(stream: Any, resources: Any, depth: int, seen: set[tuple[int, int]]) -> bool:
    """Does this content stream, or a form it draws, put text on the page?"""
    if any(str(operator) in TEXT_OPERATORS for _operands, operator in pikepdf.parse_content_stream(stream)):
        return True
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if depth >= MAX_FORM_DEPTH or not isinstance(xobjects, pikepdf.Dictionary):
        return False
    for _name, xobject in xobjects.items():
        if not isinstance(xobject, pikepdf.Stream) or xobject.get("/Subtype") != pikepdf.Name.Form:
            continue
        if xobject.is_indirect:
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
        if _shows_text(xobject, xobject.get("/Resources"), depth + 1, seen):
            return True
    return False


def refuse_hidden_text(data: bytes, file_type: FileType) -> None:
    """A blacked-out copy must not keep the text under its black boxes: a box drawn over the words of
    a PDF or an office document hides nothing from copy and paste. Accepted are images, and PDFs
    with no text, annotations or form fields (a scan, or pages exported as pictures)."""
    if file_type.is_image:
        return
    if file_type.mime != "application/pdf":
        raise EvidenceError(_l("Bản đã che phải là ảnh hoặc PDF dạng ảnh: trong tài liệu văn phòng, chữ dưới ô che "
                               "vẫn đọc được."))
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            hidden = bool(pdf.Root.get("/AcroForm", {}).get("/Fields")) or any(
                page.obj.get("/Annots") or _shows_text(page, page.obj.get("/Resources"), 0, set())
                for page in pdf.pages)
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise EvidenceError(_l("Không đọc được tệp PDF này.")) from exc
    if hidden:
        raise EvidenceError(_l("Tệp PDF này còn lớp chữ, chú thích hoặc trường biểu mẫu: chữ dưới ô che vẫn sao chép "
                               "được. Hãy xuất các trang đã che thành ảnh (hoặc dùng chức năng áp dụng che rồi in ra "
                               "PDF dạng ảnh) rồi tải lên lại."))


def store_redacted_copy(session: Session, storage: Storage, user: User, case: Case, attachment: Attachment,
                        data: bytes, file_type: FileType) -> str | None:
    """Keep ``data`` (already checked and scanned) as the file's redacted copy, its own metadata
    stripped too; returns the key of the copy it replaces, for the caller to delete after commit.

    The caller must have checked ``Action.EVIDENCE_REDACT`` and locked the row. Raises
    :class:`EvidenceError` for a copy that could still show what it hides (:func:`refuse_hidden_text`)
    or whose metadata cannot be cleaned (it could name the one who blacked it out, or the denouncer).
    """
    refuse_hidden_text(data, file_type)
    clean = strip_metadata(data, file_type)
    if clean is None:
        raise EvidenceError(_l("Không làm sạch được siêu dữ liệu của tệp này (ví dụ tệp có đối tượng nhúng). "
                               "Hãy lưu bản đã che thành PDF hoặc ảnh rồi tải lên lại."))
    key = storage.save(clean)
    previous = attachment.redacted_key
    try:
        attachment.redacted_key, attachment.redacted_mime = key, file_type.mime
        attachment.redacted_sha256 = hashlib.sha256(clean).hexdigest()
        record(session, REDACTED_COPY, actor_id=user.id, object_type="attachment", object_id=attachment.id,
               case_id=case.id, sha256=attachment.redacted_sha256, replaced=previous is not None)
    except BaseException:
        with contextlib.suppress(Exception):
            storage.delete(key)
        raise
    return previous


def clear(session: Session, user: User, case: Case, attachment: Attachment) -> None:
    """The handler or the head checked that the working copy names nobody: other staff may read it."""
    if not attachment.working_key:
        raise EvidenceError(_l("Tệp này không có bản làm việc; hãy tải lên bản đã che."))
    if attachment.cleared:
        return
    attachment.cleared = True
    record(session, CLEARED, actor_id=user.id, object_type="attachment", object_id=attachment.id, case_id=case.id)
    session.flush()
