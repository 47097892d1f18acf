"""The case page and its actions (blueprint ``cases`` under ``/staff/cases``).

Every route: staff only, the case loaded and checked with ``require(..., hide=True)`` so that a case
the user may not see is a 404; each action is then checked again with ``can()``, which reads the
lifecycle table. Views commit once per request; a refused action leaves nothing written.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.auth import staff_required
from portal.accounts.permissions import Action, can, require
from portal.backoffice.forms import (
    REQUIRED,
    AccusedForm,
    ClearForm,
    MessageForm,
    NoticeTemplateForm,
    OriginalForm,
    RedactedCopyForm,
    RevealForm,
    form_input,
    transition_form,
)
from portal.cases import evidence, lifecycle, notices
from portal.cases.evidence import file_label_number, working_copy_name
from portal.cases.models import Attachment, Case, CaseEvent, CaseKind, Message, MessageKind, SubmissionKind
from portal.cases.redaction import Redactor
from portal.cases.services import (
    CaseError,
    audit_original_download,
    post_message,
    pseudonym,
    related_cases,
    reveal_identity,
)
from portal.db import get_session
from portal.deadlines.clock import local_date
from portal.files.sniff import EXTENSIONS
from portal.intake.services import complaint_limit, discard_files
from portal.org.models import OrgUnit
from portal.web.downloads import file_download, signed_document, stored_bytes
from portal.web.errors import render_error

bp = Blueprint("cases", __name__)

DOCUMENT_MAX = 10 * 1024 * 1024


def _case_or_404(case_id: int, action: str = Action.CASE_VIEW) -> Case:
    case = get_session().get(Case, case_id)
    if case is None:
        abort(404)
    require(current_user, Action.CASE_VIEW, case, hide=True)
    if action != Action.CASE_VIEW:
        require(current_user, action, case)
    return case


def _likely_duplicates(case: Case) -> list[tuple[Case, list[str]]]:
    """Likely duplicates the user may see, with the reasons in words (before deciding xử lý đơn)."""
    from portal.cases.duplicates import REASON_LABELS, likely_duplicates

    return [(d.case, [str(REASON_LABELS.get(r, r)) for r in d.reasons])
            for d in likely_duplicates(get_session(), case, current_user)]


def _names(ids: set[int]) -> dict[int, str]:
    from portal.accounts.models import User

    if not ids:
        return {}
    return {u.id: (u.full_name or u.email) for u in get_session().scalars(select(User).where(User.id.in_(ids)))}


def may_mark_accused(case: Case) -> bool:
    """Who records the accused staff: whoever may classify the case (intake officers, heads and deputies
    over its unit, never across a conflict of interest), whatever its status."""
    return lifecycle.role_allows(get_session(), current_user, case, lifecycle.TRANSITIONS["classify"])


def _accused_users(case: Case) -> list[Any]:
    from portal.accounts.models import User
    from portal.org.conflicts import accused_user_ids

    ids = accused_user_ids(get_session(), case)
    if not ids:
        return []
    return list(get_session().scalars(select(User).where(User.id.in_(ids)).order_by(User.email)))


def _routing_explanation(case: Case) -> str | None:
    """"Proposed because ..." for the staff doing xử lý đơn (None for everyone else)."""
    if not may_mark_accused(case):
        return None
    from portal.org.services import routing_explanation

    return routing_explanation(get_session(), case)


def _action_routing(case: Case, transition: lifecycle.Transition) -> str | None:
    """The routing explanation beside the classification and forwarding forms."""
    return _routing_explanation(case) if transition.name in ("classify", "forward") else None


def _complaint_window(case: Case) -> tuple[int, Any, bool] | None:
    """A complaint's time to file, as the rule in force on the day the complainant learned of the
    decision says (KN-01, KN-05): its days, its last day, and whether the đơn came after it (then the
    reason the complainant gave is what the officer weighs, Luật Khiếu nại Art. 9, 11(6))."""
    submission = case.submission
    if case.kind not in (CaseKind.COMPLAINT, None) or submission.kind != SubmissionKind.COMPLAINT \
            or submission.learned_on is None:
        return None
    limit = complaint_limit(get_session())(submission.learned_on, submission.is_second_complaint)
    if limit is None:
        return None
    days, last = limit
    return days, last, local_date(submission.received_at) > last


def render_case(case: Case, *, identity: Any = None, reveal_form: RevealForm | None = None,
                message_form: MessageForm | None = None, accused_form: AccusedForm | None = None,
                evidence_errors: dict[int, tuple[str, list[str]]] | None = None,
                status: int = 200) -> tuple[str, int]:
    """The case page. ``identity`` is passed only for the request that revealed it (never cached)."""
    session = get_session()
    events = list(case.events)
    # Reporter messages belong to the submission (every case made from it); internal notes to this case only.
    messages = list(session.scalars(select(Message).where(
        Message.submission_id == case.submission_id,
        or_(Message.kind != MessageKind.INTERNAL, Message.case_id == case.id)).order_by(Message.at, Message.id)))
    people = _names({e.actor_id for e in events if e.actor_id} | {m.author_id for m in messages if m.author_id}
                    | ({case.handler_id} if case.handler_id else set()))
    unit = session.get(OrgUnit, case.unit_id)
    may_write = can(current_user, Action.CASE_MESSAGE, case)
    may_mark = may_mark_accused(case)
    accused = _accused_users(case)
    if may_mark and accused_form is None:
        accused_form = AccusedForm(formdata=None, emails="\n".join(u.email for u in accused))
    return render_template(
        "backoffice/case.html", case=case, submission=case.submission, unit=unit, events=events,
        messages=messages, people=people, actions=lifecycle.available(session, current_user, case),
        held_back=lifecycle.held_back(session, current_user, case),
        identity_check=lifecycle.identity_check_shown(case),
        complaint_window=_complaint_window(case),
        related=related_cases(session, case, current_user), duplicates=_likely_duplicates(case),
        pseudonym=pseudonym(case.submission), identity=identity,
        # The request that revealed the identity shows the text as received; every other one masks it.
        redact=Redactor.none() if identity else Redactor.for_identity(case.submission.identity),
        extensions=EXTENSIONS, protected=evidence.is_protected(case),
        may_redact=can(current_user, Action.EVIDENCE_REDACT, case), staff_copy=evidence.staff_copy,
        evidence_errors=evidence_errors or {},
        may_reveal=can(current_user, Action.IDENTITY_REVEAL, case),
        may_download_original=can(current_user, Action.ORIGINAL_DOWNLOAD, case),
        reveal_form=reveal_form or RevealForm(),
        message_form=(message_form or MessageForm()) if may_write else None,
        notice_events=[e for e in events if notices.notice_code(e)],
        accused=accused, accused_form=accused_form if may_mark else None,
        routing_explanation=_routing_explanation(case),
        lc=lifecycle, MessageKind=MessageKind), status


@bp.get("/<int:case_id>")
@staff_required
def show(case_id: int) -> tuple[str, int]:
    """The case page: submission as received, evidence, masked identity, timeline, deadlines,
    messages, related cases, and the actions the current user may take."""
    return render_case(_case_or_404(case_id))


@bp.get("/<reference>")
@staff_required
def by_reference(reference: str) -> Any:
    """``/staff/cases/<reference>``, the stable link of deadline emails and the accountability board:
    a redirect to the case page, checked like it (404 when the user may not see the case)."""
    case_id = get_session().scalar(select(Case.id).where(Case.reference == reference))
    if case_id is None:
        abort(404)
    return redirect(url_for("cases.show", case_id=_case_or_404(case_id).id))


def _transition_or_refuse(case: Case, name: str) -> lifecycle.Transition:
    transition = lifecycle.TRANSITIONS.get(name)
    if transition is None:
        abort(404)
    session = get_session()
    if not lifecycle.role_allows(session, current_user, case, transition):
        abort(403)
    if request.method == "POST" and request.form.get("version", type=int) not in (None, case.version):
        abort(409, description=str(lifecycle.STALE_MESSAGE))  # changed since the form was shown
    refusal = lifecycle.legal_refusal(case, transition) if case.status in transition.sources else None
    if refusal is not None:
        abort(409, description=str(refusal))  # what the law asks first, not just "not now"
    if not lifecycle.state_allows(case, transition):
        abort(409, description=_("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.",
                                 action=transition.label, status=lifecycle.STATUS_LABELS[case.status]))
    return transition


def _form_for(case: Case, transition: lifecycle.Transition) -> Any:
    session = get_session()
    units: list[tuple[int, str]] = []
    handlers: list[tuple[int, str]] = []
    refused: frozenset[int] = frozenset()
    if lifecycle.Req.TARGET_UNIT in transition.requires:
        from portal.org.conflicts import units_refused_for

        units = [(u.id, u.name) for u in session.scalars(select(OrgUnit).where(
            OrgUnit.valid_to.is_(None), OrgUnit.id != case.unit_id).order_by(OrgUnit.name))]
        refused = frozenset(units_refused_for(session, case))
    if lifecycle.Req.HANDLER in transition.requires:
        handlers = [(u.id, u.full_name or u.email) for u in lifecycle.eligible_handlers(session, case)]
    return transition_form(transition, case, units=units, handlers=handlers, refused_units=refused)


def _store_document(upload: Any) -> tuple[str, str]:
    """Store the signed decision through the files storage; returns (key, display name). A PDF or a
    picture only: it may be given to the sender, and an office document would carry its drafting (tracked
    changes, comments, authors). A picture loses its metadata (a phone's photo of the signed page records
    where it was taken); a PDF is kept as signed (stripping it would break a digital signature)."""
    from portal.files.services import FileRejected, check, safe_name
    from portal.files.storage import get_storage
    from portal.files.strip import strip_metadata

    data = upload.read(DOCUMENT_MAX + 1)
    if not data or len(data) > DOCUMENT_MAX:
        raise CaseError(_("Văn bản phải có nội dung và không quá 10 MB."))
    try:
        file_type = check(data)
        if not (file_type.is_pdf or file_type.is_image):
            raise FileRejected(f"not a PDF or a picture: {file_type.mime}")
    except FileRejected as exc:
        raise CaseError(_("Định dạng tệp không được chấp nhận (PDF hoặc ảnh).")) from exc
    if file_type.is_image:
        data = strip_metadata(data, file_type) or data
    return get_storage().save(data), safe_name(upload.filename, file_type)


@bp.route("/<int:case_id>/act/<name>", methods=["GET", "POST"])
@staff_required
def act(case_id: int, name: str) -> Any:
    """One lifecycle transition: the form (GET) and applying it (POST)."""
    case = _case_or_404(case_id)
    transition = _transition_or_refuse(case, name)
    form = _form_for(case, transition)  # on POST, Flask-WTF reads request.form and request.files
    if request.method == "POST":
        if form.validate():
            return _apply(case, transition, form)
        return render_template("backoffice/case_action.html", case=case, transition=transition, form=form,
                               routing_explanation=_action_routing(case, transition), lc=lifecycle), 422
    return render_template("backoffice/case_action.html", case=case, transition=transition, form=form,
                           routing_explanation=_action_routing(case, transition), lc=lifecycle)


def _apply(case: Case, transition: lifecycle.Transition, form: Any) -> Any:
    session = get_session()
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        abort(400)
    key = name = None
    try:
        if lifecycle.Req.DOCUMENT in transition.requires:
            key, name = _store_document(form.document.data)
        lifecycle.apply_transition(session, current_user, case, transition.name,
                                   form_input(form, document_key=key, document_name=name), version=version)
        session.commit()
    except lifecycle.TransitionError as exc:
        session.rollback()
        _discard(key)
        if exc.status == 422:
            form.form_errors.append(exc.message)
            return render_template("backoffice/case_action.html", case=case, transition=transition, form=form,
                                   routing_explanation=_action_routing(case, transition), lc=lifecycle), 422
        abort(exc.status, description=exc.message)
    except CaseError as exc:
        session.rollback()
        _discard(key)
        form.form_errors.append(exc.message)
        return render_template("backoffice/case_action.html", case=case, transition=transition, form=form,
                               routing_explanation=_action_routing(case, transition), lc=lifecycle), 422
    except StaleDataError:
        session.rollback()
        _discard(key)
        abort(409, description=str(lifecycle.STALE_MESSAGE))
    except Exception:
        session.rollback()
        _discard(key)  # no stored file without its row, whatever failed
        raise
    flash(_("Đã thực hiện: %(action)s.", action=transition.label), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def _discard(key: str | None) -> None:
    if key:
        from portal.files.storage import get_storage

        get_storage().delete(key)


@bp.post("/<int:case_id>/reveal")
@staff_required
def reveal(case_id: int) -> tuple[str, int]:
    """Show the reporter's identity for this response only, after an audited reason."""
    session = get_session()
    case = _case_or_404(case_id, Action.IDENTITY_REVEAL)
    form = RevealForm()
    if not form.validate():
        return render_case(case, reveal_form=form, status=422)
    try:
        identity = reveal_identity(session, current_user, case, form.reason.data)
    except CaseError as exc:
        form.reason.errors = [exc.message]
        return render_case(case, reveal_form=form, status=422)
    session.commit()
    return render_case(case, identity=identity or False)


@bp.post("/<int:case_id>/messages")
@staff_required
def message(case_id: int) -> Any:
    """A message to the reporter or an internal note."""
    session = get_session()
    case = _case_or_404(case_id, Action.CASE_MESSAGE)
    form = MessageForm()
    if not form.validate():
        return render_case(case, message_form=form, status=422)
    try:
        post_message(session, current_user, case, form.body.data, to_reporter=form.kind.data == "to_reporter")
    except CaseError as exc:
        session.rollback()
        form.body.errors = [exc.message]
        return render_case(case, message_form=form, status=422)
    session.commit()
    flash(_("Đã lưu tin nhắn."), "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="messages"))


@bp.post("/<int:case_id>/accused")
@staff_required
def accused(case_id: int) -> Any:
    """Record the staff accused in the case; they and the people they lead lose the case (conflict of
    interest, enforced by ``portal.cases.access``). Audited by ``mark_accused``."""
    from portal.accounts.models import User
    from portal.cases.access import is_conflicted
    from portal.org.conflicts import mark_accused

    session = get_session()
    case = _case_or_404(case_id)
    if not may_mark_accused(case):
        abort(403)
    form = AccusedForm()
    if not form.validate():
        return render_case(case, accused_form=form, status=422)
    emails = form.addresses()
    users = list(session.scalars(select(User).where(func.lower(User.email).in_(emails), User.is_staff.is_(True))))
    unknown = sorted(set(emails) - {u.email.lower() for u in users})
    if unknown:
        form.emails.errors = [_("Không có cán bộ nào có thư điện tử: %(emails)s.", emails=", ".join(unknown))]
        return render_case(case, accused_form=form, status=422)
    mark_accused(session, case, {u.id for u in users}, actor_id=current_user.id, may_remove=may_mark_accused)
    session.commit()
    flash(_("Đã ghi nhận cán bộ bị tố cáo."), "success")
    if is_conflicted(session, current_user, case):  # the user named themselves or their leader
        return redirect(url_for("backoffice.home"))
    return redirect(url_for("cases.show", case_id=case.id, _anchor="accused"))


def _attachment(case: Case, attachment_id: int) -> Attachment:
    attachment = get_session().get(Attachment, attachment_id)
    if attachment is None or attachment.submission_id != case.submission_id:
        abort(404)
    return attachment


def _copy_response(case: Case, item: Attachment, key: str, mime: str, *, redacted: bool = False) -> Response:
    number = file_label_number(case.submission.attachments, item)
    return file_download(stored_bytes(key), mime, working_copy_name(case.reference, number, mime, redacted=redacted))


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
@staff_required
def attachment(case_id: int, attachment_id: int) -> Any:
    """The copy of an evidence file this user reads: the working copy (metadata stripped); for a file
    of a named denunciation, the working copy only for those who may know the denouncer (audited),
    and for the others its redacted or cleared copy once there is one (portal/cases/evidence.py).
    Files without a working copy are only available as originals, through the audited action."""
    session = get_session()
    case = _case_or_404(case_id)
    item = _attachment(case, attachment_id)
    if evidence.is_protected(case):
        if not can(current_user, Action.EVIDENCE_REDACT, case):
            copy = evidence.staff_copy(item)
            if copy is None:
                return render_error(403, _("Tệp của đơn tố cáo có thể có thông tin nhận dạng người tố cáo. Cán bộ thụ "
                                           "lý hoặc người đứng đầu cần tải lên bản đã che hoặc xác nhận tệp không có "
                                           "thông tin đó trước khi cán bộ khác xem được."))
            return _copy_response(case, item, copy.key, copy.mime, redacted=copy.redacted)
        if not item.working_key:
            abort(404)
        response = _copy_response(case, item, item.working_key, item.mime_type)  # read first: no entry on a 404
        evidence.record_protected_view(session, current_user, case, item)
        session.commit()
        return response
    if not item.working_key:
        abort(404)
    return _copy_response(case, item, item.working_key, item.mime_type)


@bp.get("/<int:case_id>/attachments/<int:attachment_id>/redacted")
@staff_required
def redacted_copy(case_id: int, attachment_id: int) -> Response:
    """The uploaded redacted copy of a denunciation file (what the other staff read)."""
    case = _case_or_404(case_id)
    item = _attachment(case, attachment_id)
    if not item.redacted_key or not item.redacted_mime:
        abort(404)
    return _copy_response(case, item, item.redacted_key, item.redacted_mime, redacted=True)


@bp.post("/<int:case_id>/attachments/<int:attachment_id>/redacted")
@staff_required
def upload_redacted(case_id: int, attachment_id: int) -> Any:
    """The handler or the head gives the redacted copy of a denunciation file (replacing any earlier one)."""
    from portal.files.scan import SCANNER_UNAVAILABLE, ScannerUnavailable
    from portal.files.storage import get_storage
    from portal.intake.forms import check_uploads

    session = get_session()
    case, item = _protected_attachment(case_id, attachment_id)
    form = RedactedCopyForm()
    if not form.validate():
        return _evidence_error(case, item, "file", form.file.errors)
    settings = current_app.config["SETTINGS"]
    try:
        checked, errors = check_uploads([form.file.data], settings.max_file_mb * 1024 * 1024, 1)
    except ScannerUnavailable:
        current_app.logger.exception("malware scanner unavailable")
        return _evidence_error(case, item, "file", [str(SCANNER_UNAVAILABLE)], status=503)
    if errors or not checked:
        return _evidence_error(case, item, "file", [str(e) for e in errors] or [str(REQUIRED)])
    storage = get_storage()
    try:
        previous = evidence.store_redacted_copy(session, storage, current_user, case, item, checked[0].data,
                                                checked[0].file_type)
    except evidence.EvidenceError as exc:
        return _evidence_error(case, item, "file", [str(exc)])
    new_key = item.redacted_key
    try:
        session.commit()
    except BaseException:
        session.rollback()
        discard_files(storage, [new_key] if new_key else [])
        raise
    if previous:
        discard_files(storage, [previous])
    return _back_to_file(case, item, _("Đã lưu bản đã che của tệp %(n)s (hình ảnh các trang); hãy mở để kiểm tra. "
                                       "Cán bộ khác sẽ xem bản này.",
                                       n=file_label_number(case.submission.attachments, item)))


@bp.post("/<int:case_id>/attachments/<int:attachment_id>/clear")
@staff_required
def clear_attachment(case_id: int, attachment_id: int) -> Any:
    """The handler or the head confirms that a denunciation file names nobody."""
    session = get_session()
    case, item = _protected_attachment(case_id, attachment_id)
    form = ClearForm()
    if not form.validate():
        return _evidence_error(case, item, "confirm", form.confirm.errors)
    try:
        evidence.clear(session, current_user, case, item)
    except evidence.EvidenceError as exc:
        return _evidence_error(case, item, "confirm", [str(exc)])
    session.commit()
    return _back_to_file(case, item, _("Đã xác nhận tệp %(n)s không có thông tin người gửi; cán bộ khác xem được "
                                       "bản làm việc.", n=file_label_number(case.submission.attachments, item)))


def _back_to_file(case: Case, item: Attachment, message: str) -> Response:
    """After preparing a file: the case page at that file, with ``message``."""
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor=f"file-{item.id}"))


def _protected_attachment(case_id: int, attachment_id: int) -> tuple[Case, Attachment]:
    """A file of a named denunciation, for the one who may prepare it for the other staff."""
    case = _case_or_404(case_id, Action.EVIDENCE_REDACT)
    item = _attachment(case, attachment_id)
    if not evidence.is_protected(case):
        abort(404)  # nothing is held back: there is nothing to prepare
    return case, item


def _evidence_error(case: Case, item: Attachment, field: str, errors: list[str],
                    status: int = 422) -> tuple[str, int]:
    """The case page again, the file's form open with ``errors`` on ``field`` ("file" or "confirm")."""
    return render_case(case, evidence_errors={item.id: (field, list(errors))}, status=status)


@bp.post("/<int:case_id>/attachments/<int:attachment_id>/original")
@staff_required
def original(case_id: int, attachment_id: int) -> Any:
    """The sealed original, after an audit entry with the reason."""
    session = get_session()
    case = _case_or_404(case_id, Action.ORIGINAL_DOWNLOAD)
    item = _attachment(case, attachment_id)
    form = OriginalForm()
    if not form.validate():
        flash(_("Hãy nhập lý do tải bản gốc (ít nhất 5 ký tự)."), "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="evidence"))
    data = stored_bytes(item.storage_key)
    audit_original_download(session, current_user, case, item, form.reason.data)
    session.commit()
    return file_download(data, item.mime_type, item.original_name)


@bp.get("/<int:case_id>/decision")
@staff_required
def decision(case_id: int) -> Response:
    """The signed decision or conclusion uploaded at resolution."""
    case = _case_or_404(case_id)
    if not case.resolution_document_key:
        abort(404)
    return signed_document(stored_bytes(case.resolution_document_key), f"{case.reference}-quyet-dinh")


@bp.get("/<int:case_id>/notices/<int:event_id>")
@staff_required
def notice(case_id: int, event_id: int) -> str:
    """The printable notice of one event (never contains the reporter's identity)."""
    session = get_session()
    case = _case_or_404(case_id)
    event = session.get(CaseEvent, event_id)
    if event is None or event.case_id != case.id or notices.notice_code(event) is None:
        abort(404)
    try:
        rendered = notices.render_notice(session, case, event)
    except notices.NoticeError:
        abort(409, description=_("Mẫu thông báo có lỗi; quản trị viên cần sửa mẫu."))
    session.commit()  # a default template may have been created
    return render_template("notices/notice.html", case=case, notice=rendered)


# --- notice templates (administrators) -----------------------------------------------------------

@bp.get("/notice-templates")
@staff_required
def notice_templates() -> str:
    """The editable notice texts."""
    require(current_user, Action.NOTICE_TEMPLATES_MANAGE)
    session = get_session()
    if notices.seed_templates(session):
        session.commit()
    templates = list(session.scalars(select(notices.NoticeTemplate).order_by(notices.NoticeTemplate.code)))
    return render_template("backoffice/case_notice_templates.html", templates=templates)


@bp.route("/notice-templates/<code>", methods=["GET", "POST"])
@staff_required
def notice_template(code: str) -> Any:
    """Edit one notice text; only identity-free variables are accepted."""
    require(current_user, Action.NOTICE_TEMPLATES_MANAGE)
    if code not in notices.DEFAULTS:
        abort(404)
    session = get_session()
    template = notices.get_template(session, code)
    form = NoticeTemplateForm(obj=template)
    status = 200
    if form.validate_on_submit():
        try:
            notices.update_template(session, template, title=form.title.data, body=form.body.data,
                                    user_id=current_user.id)
        except notices.NoticeError as exc:
            session.rollback()
            form.body.errors = [_("Mẫu không hợp lệ hoặc dùng biến không được phép: %(detail)s", detail=str(exc))]
            status = 422
        else:
            session.commit()
            flash(_("Đã lưu mẫu thông báo."), "success")
            return redirect(url_for("cases.notice_templates"))
    elif form.is_submitted():
        status = 422
    session.commit()
    return render_template("backoffice/case_notice_template.html", form=form, template=template,
                           variables=notices.variables_for(code)), status


# --- the lifecycle table, readable by every staff member ------------------------------------------

REQUIREMENT_LABELS: dict[str, Any] = {
    lifecycle.Req.KIND: _l("loại đơn, điều kiện"), lifecycle.Req.REASON: _l("mã lý do"),
    lifecycle.Req.TEXT: _l("nội dung"), lifecycle.Req.DECISION: _l("số, ngày quyết định"),
    lifecycle.Req.DAYS: _l("số ngày"), lifecycle.Req.DOCUMENT: _l("văn bản đã ký"),
    lifecycle.Req.TARGET_UNIT: _l("đơn vị nhận"), lifecycle.Req.TARGET_CASE: _l("hồ sơ đích"),
    lifecycle.Req.HANDLER: _l("cán bộ thụ lý"), lifecycle.Req.PARTS: _l("các nội dung tách"),
    lifecycle.Req.CRITERIA: _l("tiêu chí phức tạp"), lifecycle.Req.WITHDRAWAL: _l("phạm vi rút đơn"),
}
EFFECT_LABELS: dict[str, Any] = {
    lifecycle.Effect.START: _l("bắt đầu"), lifecycle.Effect.COMPLETE: _l("hoàn thành"),
    lifecycle.Effect.EXTEND: _l("gia hạn"), lifecycle.Effect.PAUSE: _l("tạm dừng"),
    lifecycle.Effect.RESUME: _l("tiếp tục"), lifecycle.Effect.REFRESH: _l("tính lại"),
}
STAGE_LABELS: dict[str, Any] = {lifecycle.INTAKE_STAGE: _l("xử lý đơn"), lifecycle.ACCEPTANCE_STAGE: _l("thụ lý"),
                                lifecycle.RESOLUTION_STAGE: _l("giải quyết"),
                                lifecycle.NOTIFY_STAGE: _l("thông báo cho người bị tố cáo"),
                                lifecycle.INTERIM_STAGE: _l("gửi quyết định tạm đình chỉ, đình chỉ, tiếp tục"),
                                lifecycle.SEND_STAGE: _l("gửi quyết định, kết luận"),
                                lifecycle.PUBLISH_STAGE: _l("công khai kết luận")}
ROLE_LABELS: dict[str, Any] = {"intake_officer": _l("cán bộ xử lý đơn"), "handler": _l("cán bộ thụ lý"),
                               "deputy": _l("cấp phó"), "head": _l("người đứng đầu"),
                               lifecycle.ASSIGNED_HANDLER: _l("cán bộ được giao")}


@bp.get("/lifecycle")
@staff_required
def lifecycle_table() -> str:
    """The lifecycle table as staff read it: who may do what, from which status, with what effects."""
    require(current_user, Action.STAFF_AREA)
    return render_template("backoffice/case_lifecycle.html", transitions=list(lifecycle.TRANSITIONS.values()),
                           lc=lifecycle, req_labels=REQUIREMENT_LABELS, effect_labels=EFFECT_LABELS,
                           stage_labels=STAGE_LABELS, role_labels=ROLE_LABELS)
