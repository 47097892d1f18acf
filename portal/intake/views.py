"""Public submission pages: the start page, ``/submit/<kind>`` and the receipt."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.cases.models import SubmissionKind
from portal.cases.text import clean_text
from portal.core.kinds import kinds_overview
from portal.db import get_session, reading
from portal.deadlines.clock import local_today
from portal.extensions import limiter
from portal.files.scan import SCANNER_UNAVAILABLE, ScannerUnavailable
from portal.files.storage import StorageError, get_storage
from portal.intake import services
from portal.intake.forms import SubmissionForm, unit_choices
from portal.web.filters import current_locale
from portal.web.pagecache import cached_page

bp = Blueprint("intake", __name__, url_prefix="/submit")

KIND_PATTERN = "any(" + ",".join(k.value for k in SubmissionKind) + ")"
RECEIPT_KEY = "intake_receipt"  # the code and secret, until the receipt page has shown them once
SALT_KEY = "intake_salt"  # keys the fingerprint of the đơn just sent (see _digest)
SHOWN_KEY = "intake_shown"  # the nonce and code of the last receipt shown (for a resubmitted form)
SUBMIT_LIMIT = "6/minute;40/hour"  # đơn received per client
POST_LIMIT = "30/minute;300/hour"  # any POST to a form, refused ones included (a citizen correcting a form)


def today() -> dt.date:
    return local_today()


def _citizen() -> Any | None:
    """The signed-in citizen (staff never submit as citizens through their staff account)."""
    if current_user.is_authenticated and not current_user.is_staff:
        return current_user
    return None


def _build_form(kind: SubmissionKind) -> tuple[SubmissionForm, dict[str, Any]]:
    """The form of ``kind`` (bound to the request's form and files on POST) and its template context."""
    settings = current_app.config["SETTINGS"]
    choices = services.form_choices(get_session(), today(), english=current_locale() == "en")
    complaint = kind == SubmissionKind.COMPLAINT
    form = SubmissionForm(kind=kind, today=today(), units=choices.lookup,
                          limits=(settings.max_file_mb * 1024 * 1024, settings.max_files),
                          complaint_limit=services.complaint_limit(get_session()) if complaint else None)
    form.field_id.choices = unit_choices(choices.fields)
    form.ward_id.choices = unit_choices(choices.wards)
    context = {"unit_names": choices.unit_names, "settings": settings, "kind": kind, "citizen": _citizen(),
               "complaint_days": services.complaint_days(get_session(), today()) if complaint else None}
    return form, context


def _prefill(form: SubmissionForm) -> None:
    form.nonce.data = secrets.token_urlsafe(24)
    citizen = _citizen()
    if citizen is not None:
        form.full_name.data = citizen.full_name
        form.email.data = citizen.email
        form.phone.data = citizen.phone
    if form.group_size.data is None:
        form.group_size.data = 1


def _input_from(form: SubmissionForm, kind: SubmissionKind) -> services.SubmissionInput:
    identity = None
    if not form.is_anonymous:
        identity = services.IdentityInput(
            full_name=form.full_name.data or "", address=form.address.data or "", id_number=form.id_number.data,
            phone=form.phone.data, email=form.email.data, protection_requested=bool(form.protection_requested.data),
            representatives=form.representative_names)
    # An anonymous đơn is never linked to the account that sent it: the link would name the sender.
    citizen = None if form.is_anonymous else _citizen()
    return services.SubmissionInput(
        kind=kind, title=form.title.data or "", content=form.content.data or "", identity=identity,
        request_text=form.request_text.data or "", unit_id=form.unit_id, field_id=form.field_id.data or None,
        ward_id=form.ward_id.data or None, sent_elsewhere=bool(form.sent_elsewhere.data),
        sent_elsewhere_detail=form.sent_elsewhere_detail.data or "", decision_number=form.decision_number.data,
        decision_date=form.decision_date.data, decision_issuer=form.decision_issuer.data,
        learned_on=form.learned_on.data, is_second_complaint=bool(form.is_second_complaint.data),
        late_reason=form.late_reason.data or "", accused_name=form.accused_name.data,
        accused_position=form.accused_position.data, accused_unit_text=form.accused_unit_text.data,
        group_size=form.group_size.data or 1,
        files=[services.FileInput(f.filename, f.data, f.file_type) for f in form.checked_files],
        user_id=citizen.id if citizen is not None else None, language=current_locale(),
        notify_by_email=bool(form.notify_by_email.data) and citizen is not None, form_nonce=form.nonce.data or None)


@bp.get("")
@cached_page  # the same for every anonymous visitor of a language
def start() -> str:
    """Explains the four kinds and helps the citizen choose."""
    return render_template("intake/start.html", kinds=kinds_overview())


@bp.route(f"/<{KIND_PATTERN}:kind>", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"], deduct_when=lambda response: response.status_code == 302)
@limiter.limit(POST_LIMIT, methods=["POST"])
def submit(kind: str) -> str | Response | tuple[str, int]:
    """The form of one kind; a valid POST stores the đơn and redirects to the receipt."""
    submission_kind = SubmissionKind(kind)
    if request.method in ("GET", "HEAD"):
        form, context = _build_form(submission_kind)
        _prefill(form)
        return render_template("intake/form.html", form=form, **context)
    # Everything up to the validated form only reads: on SQLite the write lock waits for _store.
    with reading(get_session()):
        form, context = _build_form(submission_kind)
        if request.form.get("as_feedback") and submission_kind == SubmissionKind.FEEDBACK:
            # The citizen chose to send an anonymous complaint as feedback: show it, prefilled, to check.
            form.mode.data = "anonymous"
            flash(_("Nội dung của bạn đã được chuyển sang mẫu phản ánh. Hãy kiểm tra lại rồi bấm “Gửi đơn”. "
                    "Tệp đính kèm cần được chọn lại."), "info")
            return render_template("intake/form.html", form=form, **context)
        if (request.form.get("website") or "").strip():
            abort(400)  # honeypot: only bots fill the hidden field
        if not form.nonce.data:
            form.nonce.data = secrets.token_urlsafe(24)
        existing = services.code_for_nonce(get_session(), form.nonce.data)
        if existing is not None:
            return _duplicate(form.nonce.data, existing)
        digest = _digest(submission_kind)
        resent = _resent(digest)
        if resent is not None:
            return _duplicate(*resent)
        try:
            valid = form.validate_on_submit()
        except ScannerUnavailable:
            current_app.logger.exception("malware scanner unavailable")
            flash(str(SCANNER_UNAVAILABLE), "error")
            return render_template("intake/form.html", form=form, **context), 503
        if not valid:
            return render_template("intake/form.html", form=form, **context), 422
        # Routing and the tracking code only read too: the write lock is held for the writes alone.
        draft = services.prepare(get_session(), _input_from(form, submission_kind),
                                 secret_key=current_app.config["SECRET_KEY"])
    return _store(form, submission_kind, draft, digest)


def _store(form: SubmissionForm, kind: SubmissionKind, draft: services.Draft, digest: str,
           retried: bool = False) -> Response | str | tuple[str, int]:
    db = get_session()
    storage = get_storage()
    try:
        receipt = services.store(db, storage, draft)
    except StorageError:
        db.rollback()
        context = _build_form(kind)[1]
        flash(_("Không lưu được tệp đính kèm do sự cố của hệ thống. Đơn chưa được gửi; vui lòng thử lại sau ít "
                "phút."), "error")
        return render_template("intake/form.html", form=form, **context), 503
    except IntegrityError:
        db.rollback()
        existing = services.code_for_nonce(db, form.nonce.data)
        if existing is not None:
            return _duplicate(form.nonce.data or "", existing)
        if not retried:
            # The tracking code drawn while preparing was taken by another request since: draw again.
            return _store(form, kind, services.prepare(db, _input_from(form, kind),
                                                       secret_key=current_app.config["SECRET_KEY"]), digest,
                          retried=True)
        raise
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        services.discard_files(storage, receipt.stored_keys)
        existing = services.code_for_nonce(db, form.nonce.data)
        if existing is not None:
            return _duplicate(form.nonce.data or "", existing)
        raise
    except BaseException:
        db.rollback()
        services.discard_files(storage, receipt.stored_keys)
        raise
    session[RECEIPT_KEY] = {"nonce": form.nonce.data, "code": receipt.tracking_code, "secret": receipt.secret,
                            "kind": kind.value, "anonymous": receipt.submission.is_anonymous,
                            "digest": digest}
    return redirect(url_for("intake.receipt"))


def _digest(kind: SubmissionKind) -> str:
    """A short fingerprint of the posted đơn (kind, title, content as they will be stored), keyed with
    the server secret and a salt of this browser's own: the session cookie is signed, not encrypted,
    and someone who has the text of a denunciation and the cookie of a suspect's browser must not be
    able to confirm who sent it."""
    salt = session.get(SALT_KEY)
    if not salt:
        salt = session[SALT_KEY] = secrets.token_urlsafe(16)
    text = "\x1f".join([salt, kind.value, clean_text(request.form.get("title")),
                        clean_text(request.form.get("content"))])
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"intake-resent", hashlib.sha256).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def _resent(digest: str) -> tuple[str, str] | None:
    """The (nonce, code) of the đơn this browser has just sent, when the same đơn comes again under
    a new form nonce: Back from the receipt re-fetches the form (no-store) with a fresh nonce, and the
    browser restores what was typed, so "Gửi đơn" would otherwise make a second đơn."""
    for key in (RECEIPT_KEY, SHOWN_KEY):
        sent = session.get(key) or {}
        if sent.get("digest") == digest and sent.get("code"):
            return str(sent.get("nonce") or ""), str(sent["code"])
    return None


def _duplicate(nonce: str, code: str) -> Response | tuple[str, int]:
    """A form sent twice: show the first receipt if it was not shown yet, else say so clearly."""
    pending = session.get(RECEIPT_KEY)
    if pending and pending.get("nonce") == nonce:
        return redirect(url_for("intake.receipt"))
    shown = session.get(SHOWN_KEY) or {}
    known_code = code if shown.get("nonce") == nonce else None
    return render_template("intake/duplicate.html", code=known_code), 409


@bp.get("/receipt")
def receipt() -> str | Response:
    """The receipt: the tracking code and, this one time only, the secret."""
    pending = session.pop(RECEIPT_KEY, None)
    if pending:
        session[SHOWN_KEY] = {"nonce": pending.get("nonce"), "code": pending["code"], "kind": pending.get("kind"),
                              "anonymous": pending.get("anonymous"), "digest": pending.get("digest")}
        return render_template("intake/receipt.html", code=pending["code"], secret=pending["secret"],
                               kind=pending.get("kind"), anonymous=pending.get("anonymous"))
    shown = session.get(SHOWN_KEY)
    if shown:
        return render_template("intake/receipt.html", code=shown["code"], secret=None, kind=shown.get("kind"),
                               anonymous=shown.get("anonymous"))
    return redirect(url_for("intake.start"))
