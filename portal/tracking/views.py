"""Public tracking: ``/track`` (code + secret), the reporter's page of a đơn, replies, added
evidence, withdrawal requests, and "my submissions" for signed-in citizens."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import abort
from werkzeug.wrappers import Response

from portal.cases.models import Submission
from portal.db import get_session, reading, reads_only
from portal.extensions import limiter
from portal.files.scan import SCANNER_UNAVAILABLE, ScannerUnavailable
from portal.files.storage import get_storage
from portal.intake.codes import normalize_code
from portal.intake.forms import check_uploads
from portal.intake.services import FileInput, discard_files
from portal.tracking import services
from portal.tracking.forms import EvidenceForm, NoticesForm, ReplyForm, TrackForm, WithdrawForm, lookup_pair
from portal.tracking.status import event_label, event_text, plain_status
from portal.web.client import client_address
from portal.web.downloads import signed_document, stored_bytes

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("tracking", __name__)

SESSION_KEY = "tracking"
IDLE_SECONDS = 30 * 60
CLIENT_LIMIT = "10/minute;60/hour"
CODE_LIMIT = "5/minute;20/hour"
ACTION_LIMIT = "20/hour"
DOWNLOAD_LIMIT = "30/hour"


def _code_key() -> str:
    """Throttle key for lookups of one tracking code from one client.

    Keyed on the client too: a code alone is not secret (it is printed on forwarding slips), and a
    per-code limit shared by everyone would let anyone who knows a code lock its owner out. The
    secret's 100 random bits are what make guessing hopeless; this only slows a single client.
    """
    return f"track-code:{normalize_code(request.form.get('code')) or 'invalid'}:{client_address()}"


def _citizen() -> Any | None:
    if current_user.is_authenticated and not current_user.is_staff:
        return current_user
    return None


def _remember(code: str) -> None:
    session[SESSION_KEY] = {"code": code, "at": int(time.time())}


def _load(code: str) -> Submission | None:
    """The submission of ``code`` if this visitor opened it with its secret (recently) or owns it."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    from sqlalchemy import select

    submission = get_session().scalar(select(Submission).where(Submission.tracking_code == normalized))
    if submission is None:
        return None
    citizen = _citizen()
    if citizen is not None and submission.user_id == citizen.id:
        return submission
    state = session.get(SESSION_KEY) or {}
    if state.get("code") == normalized and time.time() - state.get("at", 0) < IDLE_SECONDS:
        _remember(normalized)
        return submission
    return None


def _require(code: str) -> Submission:
    submission = _load(code)
    if submission is None:
        abort(404)
    return submission


def _throttled(view: F) -> F:
    """The lookup's two rate limits (per client, and per code from one client) on POST.

    Applied through Flask-Limiter as usual; when rate limiting is switched off the view is called
    directly, so a disabled limiter costs nothing on the busiest public form.
    """
    limited = limiter.limit(CLIENT_LIMIT, methods=["POST"])(
        limiter.limit(CODE_LIMIT, key_func=_code_key, methods=["POST"])(view))

    @wraps(view)
    def dispatch(*args: Any, **kwargs: Any) -> Any:
        return limited(*args, **kwargs) if limiter.enabled else view(*args, **kwargs)

    return dispatch  # type: ignore[return-value]


def _csrf_checked() -> bool:
    """Whether CSRFProtect has already accepted this request's token (or CSRF is off, in tests)."""
    return not current_app.config["WTF_CSRF_ENABLED"] or bool(g.get("csrf_valid", False))


@bp.route("/track", methods=["GET", "POST"])
@reads_only  # a lookup: the code and secret are checked, nothing is written
@_throttled
def track() -> str | Response | tuple[str, int]:
    """Code and secret open the submission's page; a wrong pair gets one generic message."""
    if request.method == "POST" and _csrf_checked():
        pair = lookup_pair(request.form)  # the usual case, without building the form
        if pair is not None:
            return _open(*pair)
    form = TrackForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = normalize_code(request.args.get("code")) or ""
    if form.validate_on_submit():
        return _open(form.code.data or "", form.secret.data or "", form)
    return render_template("tracking/track.html", form=form, wrong=False), 422 if form.errors else 200


def _open(code: str, secret: str, form: TrackForm | None = None) -> Response | tuple[str, int]:
    opened = services.open_with_secret(get_session(), code, secret, secret_key=current_app.config["SECRET_KEY"])
    if opened is not None:
        _remember(opened)
        return redirect(url_for("tracking.status", code=opened))
    form = form or TrackForm()
    form.secret.data = ""
    return render_template("tracking/track.html", form=form, wrong=True), 404


@bp.get("/track/<code>")
def status(code: str) -> Any:
    """The reporter's page: status in plain words, deadline, timeline, messages, files, actions."""
    submission = _load(code)
    if submission is None:
        # Same answer whether or not the code exists: ask for the code and secret again.
        flash(_("Vui lòng nhập mã theo dõi và mã bí mật để mở đơn."), "info")
        return redirect(url_for("tracking.track", code=normalize_code(code) or None))
    return _render_status(submission)


def _render_status(submission: Submission, status_code: int = 200, **forms: Any) -> Any:
    view = services.reporter_view(get_session(), submission)
    label, next_step = plain_status(view.status)
    notices = NoticesForm(enabled=submission.notify_by_email) if "notices" not in forms else forms.pop("notices")
    context = {
        "view": view, "status_label": label, "next_step": next_step, "event_label": event_label,
        "event_text": event_text,
        "reply_form": forms.pop("reply_form", None) or ReplyForm(formdata=None),
        "evidence_form": forms.pop("evidence_form", None) or EvidenceForm(formdata=None),
        "withdraw_form": forms.pop("withdraw_form", None) or WithdrawForm(formdata=None),
        "notices_form": notices, "withdrawal_effect": services.withdrawal_effect(submission.kind),
        "is_owner": _citizen() is not None and submission.user_id == _citizen().id,
        "settings": current_app.config["SETTINGS"],
    }
    return render_template("tracking/status.html", **context), status_code


@bp.post("/track/<code>/reply")
@limiter.limit(ACTION_LIMIT)
def reply(code: str) -> Any:
    submission = _require(code)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _render_status(submission, 422, reply_form=form)
    try:
        services.add_reply(get_session(), submission, form.body.data or "")
    except services.EmptyMessage:
        form.body.errors = [_("Vui lòng nhập nội dung tin nhắn.")]
        return _render_status(submission, 422, reply_form=form)
    get_session().commit()
    flash(_("Tin nhắn của bạn đã được gửi đến cơ quan."), "success")
    return redirect(url_for("tracking.status", code=submission.tracking_code) + "#messages")


@bp.post("/track/<code>/evidence")
@limiter.limit(ACTION_LIMIT)
def evidence(code: str) -> Any:
    submission = _require(code)
    form = EvidenceForm()
    settings = current_app.config["SETTINGS"]
    if not form.validate_on_submit():
        return _render_status(submission, 422, evidence_form=form)
    try:
        checked, errors = check_uploads(form.files.data, settings.max_file_mb * 1024 * 1024, settings.max_files)
    except ScannerUnavailable:
        current_app.logger.exception("malware scanner unavailable")
        form.files.errors = [str(SCANNER_UNAVAILABLE)]
        return _render_status(submission, 503, evidence_form=form)
    if not checked and not errors:
        errors = [_("Vui lòng chọn ít nhất một tệp.")]
    if errors:
        form.files.errors = [str(e) for e in errors]
        return _render_status(submission, 422, evidence_form=form)
    db, storage = get_session(), get_storage()
    rows = services.add_evidence(db, storage, submission, [FileInput(c.filename, c.data, c.file_type) for c in checked],
                                 form.note.data or "")
    try:
        db.commit()
    except BaseException:
        db.rollback()
        discard_files(storage, [k for r in rows for k in (r.storage_key, r.working_key) if k])
        raise
    flash(ngettext("Đã bổ sung %(num)d tệp.", "Đã bổ sung %(num)d tệp.", len(rows)), "success")
    return redirect(url_for("tracking.status", code=submission.tracking_code) + "#documents")


@bp.post("/track/<code>/withdraw")
@limiter.limit(ACTION_LIMIT)
def withdraw(code: str) -> Any:
    submission = _require(code)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _render_status(submission, 422, withdraw_form=form)
    try:
        services.request_withdrawal(get_session(), submission, form.reason.data or "")
    except services.AlreadyWithdrawn:
        flash(_("Bạn đã gửi đề nghị rút đơn trước đó."), "info")
        return redirect(url_for("tracking.status", code=submission.tracking_code))
    get_session().commit()
    flash(_("Đề nghị rút đơn đã được gửi. Cơ quan sẽ xem xét và thông báo cho bạn."), "success")
    return redirect(url_for("tracking.status", code=submission.tracking_code))


@bp.post("/track/<code>/documents/<int:case_id>")
@limiter.limit(DOWNLOAD_LIMIT)
def document(code: str, case_id: int) -> Response:
    """The signed decision or conclusion the head gave the sender. A POST (with its CSRF token): the
    first download is recorded for the office, as the sign that the document reached its addressee."""
    db = get_session()
    with reading(db):  # on SQLite the write lock is taken only to note the first download
        submission = _load(code)
        if submission is None:  # the page was left open past the idle limit: open it again
            flash(_("Vui lòng nhập mã theo dõi và mã bí mật để mở đơn."), "info")
            return redirect(url_for("tracking.track", code=normalize_code(code) or None))
        case = services.shared_document(db, submission, case_id)
        if case is None or case.resolution_document_key is None:
            abort(404)
        data = stored_bytes(case.resolution_document_key)
        first = not services.document_fetched(db, case)
    if first and services.record_document_fetch(db, case):
        db.commit()
    return signed_document(data, f"{submission.tracking_code}-van-ban-giai-quyet"
                           + (f"-{case.reference}" if len(submission.cases) > 1 else ""))


@bp.post("/track/<code>/notices")
def notices(code: str) -> Any:
    submission = _require(code)
    citizen = _citizen()
    if citizen is None or submission.user_id != citizen.id:
        abort(404)
    form = NoticesForm()
    if form.validate_on_submit():
        services.set_email_notices(get_session(), submission, bool(form.enabled.data))
        get_session().commit()
        flash(_("Đã lưu lựa chọn nhận thư báo."), "success")
    return redirect(url_for("tracking.status", code=submission.tracking_code))


@bp.post("/track/leave")
def leave() -> Response:
    """Forget the đơn opened in this browser (on a shared computer)."""
    session.pop(SESSION_KEY, None)
    flash(_("Đã đóng đơn trên trình duyệt này."), "info")
    return redirect(url_for("tracking.track"))


@bp.get("/account/submissions")
@login_required
def my_submissions() -> str:
    """A signed-in citizen's đơn, without the secret."""
    citizen = _citizen()
    items = services.submissions_of(get_session(), citizen.id) if citizen is not None else []
    rows = [(s, plain_status(services.primary_case(s).status if services.primary_case(s) else None)[0])
            for s in items]
    return render_template("tracking/my_submissions.html", rows=rows)
