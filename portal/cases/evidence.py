"""Which copy of an evidence file each member of staff reads.

A signed denunciation carries the denouncer's name, address and signature (LEGAL.md §7.1), and the
files sent with it usually do too: the scanned, signed đơn is the first of them. Stripping metadata
(:mod:`portal.files.strip`) cannot help with what is on the page. So for the files of a named
denunciation (:func:`is_protected`) staff who may not know the denouncer (everyone but the assigned
handler and the head of the unit, LEGAL.md §4.2) read:

- the **redacted copy** that the handler or the head uploaded, with the identity blacked out using
  their own tools, kept only as pictures of its pages (:mod:`portal.files.flatten`), so that
  nothing under the black boxes survives; or
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
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import User
from portal.audit.services import record
from portal.cases.models import Attachment, Case, CaseKind, ReporterIdentity, Submission, SubmissionKind
from portal.files.flatten import MAX_PAGES, CannotFlatten, flatten
from portal.files.sniff import EXTENSIONS, FileType
from portal.files.storage import Storage

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


_denunciation_part = aliased(Case)
# Built once: a queue page asks it for every page, and building it costs more than running it.
_AWAITING = (
    select(Case.id).join(Submission, Submission.id == Case.submission_id)
    .join(ReporterIdentity, ReporterIdentity.submission_id == Submission.id)
    .where(Case.id.in_(bindparam("ids", expanding=True)), ReporterIdentity.waived_confidentiality.is_(False),
           or_(Submission.kind == SubmissionKind.DENUNCIATION,
               exists().where(_denunciation_part.submission_id == Case.submission_id,
                              _denunciation_part.kind == CaseKind.DENUNCIATION)),
           # coalesce(): SQLite would otherwise walk the unique index of redacted_key for the NULLs
           # (every attachment) instead of the submission's own few.
           exists().where(Attachment.submission_id == Case.submission_id,
                          func.coalesce(Attachment.redacted_key, "") == "", Attachment.cleared.is_(False))))


def awaiting_preparation(session: Session, case_ids: Collection[int]) -> set[int]:
    """Which of ``case_ids`` have a held-back file (:func:`is_protected`) that neither has a
    redacted copy nor is cleared: for the queues, so that the handler and the head see what waits."""
    if not case_ids:
        return set()
    return set(session.scalars(_AWAITING, {"ids": list(case_ids)}))


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


def file_label_number(attachments: list[Attachment], attachment: Attachment) -> int:
    """The evidence file's number within its submission ("Tệp 2"), in the order received."""
    return next(i for i, a in enumerate(attachments, 1) if a.id == attachment.id)


def working_copy_name(reference: str, number: int, mime: str, *, redacted: bool = False) -> str:
    """The download name of a working (or redacted) copy: the case and the file's number, never the
    name the file was sent with (``Don to cao - Nguyen Van A.docx`` names its sender)."""
    return f"{reference}-tep-{number}{'-da-che' if redacted else ''}.{EXTENSIONS.get(mime, 'bin')}"


FLATTEN_ERRORS = {
    "office": _l("Bản đã che phải là ảnh hoặc PDF: trong tài liệu văn phòng, chữ dưới ô che vẫn đọc được. Hãy xuất "
                 "bản đã che ra PDF rồi tải lên."),
    "unreadable": _l("Không đọc được tệp PDF này (tệp hỏng hoặc có mật khẩu)."),
    "redactions": _l("Tệp PDF này còn vùng che chưa được áp dụng, nên chữ bên dưới vẫn còn. Hãy dùng chức năng áp "
                     "dụng che (apply redactions) của công cụ, lưu lại rồi tải lên."),
    "annotations": _l("Tệp PDF này có chú thích (ô vẽ, ghi chú) mà trình chuyển thành ảnh không vẽ được, nên chữ bên "
                      "dưới có thể lộ ra. Hãy in tệp ra PDF (Microsoft Print to PDF, Lưu dưới dạng PDF) rồi tải bản in "
                      "lên."),
    "pages": _l("Bản đã che phải có từ 1 đến %(n)d trang khổ thông thường; hãy chỉ giữ các trang cán bộ khác cần xem.",
                n=MAX_PAGES),
    "complex": _l("Tệp này quá lớn hoặc quá phức tạp để chuyển thành ảnh. Hãy in ra PDF với ít trang hơn, hoặc tải lên "
                  "ảnh chụp các trang đã che."),
}


def store_redacted_copy(session: Session, storage: Storage, user: User, case: Case, attachment: Attachment,
                        data: bytes, file_type: FileType) -> str | None:
    """Keep a picture-only copy of ``data`` (already checked and scanned) as the file's redacted
    copy (:func:`portal.files.flatten.flatten`: whatever lies under the black boxes, text or image,
    is not in it); returns the key of the copy it replaces, for the caller to delete after commit.

    The caller must have checked ``Action.EVIDENCE_REDACT``. Raises
    :class:`EvidenceError` for a file that cannot be flattened (see
    :data:`portal.files.flatten.REASONS`).
    """
    try:
        flat = flatten(data, file_type.mime)
    except CannotFlatten as exc:
        raise EvidenceError(FLATTEN_ERRORS[exc.reason]) from exc
    # Locked only now, after the slow part: two uploads at once, the second replaces the first's copy.
    session.refresh(attachment, with_for_update=True)
    key = storage.save(flat.data)
    previous = attachment.redacted_key
    try:
        attachment.redacted_key, attachment.redacted_mime = key, flat.mime
        attachment.redacted_sha256 = hashlib.sha256(flat.data).hexdigest()
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
