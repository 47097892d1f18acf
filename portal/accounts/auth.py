"""Flask-Login wiring, session rules (fixation, idle timeout, lifetimes) and the staff-only decorator."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from portal.accounts.models import User
from portal.db import get_session
from portal.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

STAFF_VERIFIED = "_staff_verified"  # the second factor was given in this session
LAST_SEEN = "_last_seen"  # unix time of the last staff request (idle timeout)


def init_login(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = session_identifier
    login_manager.user_loader(load_user)
    app.before_request(enforce_staff_idle_timeout)


def session_identifier() -> str:
    """What a signed-in session is bound to: the browser that signed in (its User-Agent). Not its network
    address: Flask-Login's default reads the first X-Forwarded-For entry, which the client writes itself,
    and a phone or an office changes address often enough that every change would sign people out."""
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(agent.encode("utf-8", "replace")).hexdigest()


def load_user(user_id: str) -> User | None:
    """Load the user of a session; a session whose version was bumped is no longer valid."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = get_session().get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    return user


def start_session(user: User, *, staff_verified: bool = False) -> None:
    """Sign ``user`` in on a brand-new session (the old one, and any fixed identifier, is dropped).

    Citizens get a lasting session (``citizen_session_days``); staff a browser session that also
    ends after ``staff_session_minutes`` without a request.
    """
    session.clear()
    login_user(user)
    if user.is_staff:
        session.permanent = False
        session[STAFF_VERIFIED] = staff_verified
        session[LAST_SEEN] = int(time.time())
    else:
        session.permanent = True


def end_session() -> None:
    logout_user()
    session.clear()


def enforce_staff_idle_timeout() -> Any:
    """End a staff session idle for longer than ``staff_session_minutes``; refresh it otherwise."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    if not current_user.is_authenticated or not current_user.is_staff:
        return None
    now = int(time.time())
    limit = current_app.config["SETTINGS"].staff_session_minutes * 60
    last = session.get(LAST_SEEN)
    if last is not None and now - int(last) > limit:
        end_session()
        flash(_l("Phiên làm việc đã hết hạn do không hoạt động. Vui lòng đăng nhập lại."), "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    session[LAST_SEEN] = now
    return None


def is_staff_verified() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff and session.get(STAFF_VERIFIED))


NO_ROLE_YET = _l("Tài khoản của bạn chưa có vai trò nào. Vai trò được giao có hiệu lực khi hai quản trị viên đồng ý "
                 "(một người đề nghị, một người phê duyệt); nếu đã quá lâu, hãy liên hệ quản trị viên của đơn vị.")


def staff_required(view: F) -> F:
    """Only staff who gave both factors in this session; anyone else is sent to the login page.
    Staff without any role assignment get 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_staff_verified():
            return redirect(url_for("accounts.login", next=request.full_path))
        from portal.accounts.permissions import Action, can

        if not can(current_user, Action.STAFF_AREA):
            if getattr(current_user, "is_staff", False) and not current_user.roles:
                from portal.web.errors import render_error

                return render_error(403, str(NO_ROLE_YET))  # a newcomer whose first role still waits
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def login_required(view: F) -> F:
    """Any signed-in account (a staff member only after the second factor)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or (current_user.is_staff and not session.get(STAFF_VERIFIED)):
            return redirect(url_for("accounts.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
