"""Friendly error pages in the user's language that reveal no internals."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.web.inputs import NUL_MESSAGE, NulCharacter
from portal.web.logging import request_id

logger = logging.getLogger("portal.error")

MESSAGES = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Máy chủ không hiểu yêu cầu này. Vui lòng quay lại và thử lại.")),
    403: (_l("Không có quyền truy cập"), _l("Bạn không có quyền xem trang này.")),
    404: (_l("Không tìm thấy trang"), _l("Trang bạn tìm không tồn tại hoặc đã được chuyển đi.")),
    405: (_l("Phương thức không được phép"), _l("Trang này không nhận loại yêu cầu đó.")),
    409: (_l("Xung đột dữ liệu"), _l("Yêu cầu mâu thuẫn với trạng thái hiện tại của dữ liệu.")),
    413: (_l("Tệp quá lớn"),
          _l("Dữ liệu gửi lên vượt quá giới hạn cho phép. Hãy bấm nút Quay lại (Back) của trình duyệt: nội dung "
             "bạn đã nhập thường vẫn còn trên biểu mẫu. Sau đó bỏ bớt hoặc thu nhỏ tệp đính kèm rồi gửi lại.")),
    429: (_l("Quá nhiều yêu cầu"),
          _l("Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Hãy đợi vài phút rồi thử lại. Nếu bạn đang "
             "gửi một biểu mẫu, hãy bấm nút Quay lại (Back) của trình duyệt: nội dung bạn đã nhập thường vẫn còn "
             "trên biểu mẫu.")),
    500: (_l("Lỗi hệ thống"), _l("Đã có lỗi xảy ra ở phía chúng tôi. Chúng tôi đã ghi nhận và sẽ khắc phục.")),
}
CSRF_MESSAGE = _l("Phiên làm việc của biểu mẫu đã hết hạn. Vui lòng tải lại trang và gửi lại.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, detail: str | None = None) -> tuple[Response | str, int]:
    title, message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    if wants_json():
        return jsonify(error=str(title), status=code, request_id=request_id()), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code
    except Exception:
        logger.exception("error page failed to render")
        return Response(f"{code} {title} (request {request_id()})", mimetype="text/plain"), code


def handle_http(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
    code = exc.code or 500
    if code < 400:
        return exc
    detail = None
    if isinstance(exc, CSRFError):
        detail = str(CSRF_MESSAGE)
    elif isinstance(exc, NulCharacter):
        detail = str(NUL_MESSAGE)
    elif code in (409,) and exc.description and not exc.description.startswith("A conflict"):
        detail = exc.description  # our own, translated, conflict messages
    response = render_error(code, detail)
    if code == 405 and getattr(exc, "valid_methods", None):
        body, status = response
        return body, status, {"Allow": ", ".join(exc.valid_methods)}  # type: ignore[return-value]
    return response


def handle_unexpected(exc: Exception) -> tuple[Response | str, int]:
    route = request.url_rule.rule if request.url_rule else None
    fields = {"event": "error", "request_id": request_id(), "route": route}
    logger.exception("unhandled error", extra={"fields": fields})
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
