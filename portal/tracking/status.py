"""Case statuses in plain words for citizens, with what happens next."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.cases.models import CaseStatus

# status -> (what it means, what happens next)
PLAIN: dict[CaseStatus, tuple[str, str]] = {
    CaseStatus.RECEIVED: (_l("Đã tiếp nhận"), _l("Cán bộ sẽ đọc đơn, phân loại và xác định cơ quan có thẩm quyền.")),
    CaseStatus.IN_REVIEW: (_l("Đang xem xét, phân loại đơn"),
                           _l("Cơ quan đang kiểm tra đơn có đủ điều kiện giải quyết hay không.")),
    CaseStatus.PROPOSED: (_l("Đang chờ người đứng đầu quyết định thụ lý"),
                          _l("Người đứng đầu cơ quan sẽ quyết định có thụ lý giải quyết đơn hay không.")),
    CaseStatus.ACCEPTED: (_l("Đã thụ lý giải quyết"), _l("Cơ quan sẽ xác minh nội dung và ra quyết định giải quyết.")),
    CaseStatus.INVESTIGATING: (_l("Đang xác minh"),
                               _l("Cán bộ đang thu thập thông tin, có thể liên hệ hoặc hỏi thêm bạn.")),
    CaseStatus.SUSPENDED: (_l("Tạm đình chỉ"),
                           _l("Việc giải quyết tạm dừng; thời gian tạm dừng không tính vào thời hạn.")),
    CaseStatus.RESOLVED: (_l("Đã có kết quả giải quyết"), _l("Bạn sẽ nhận được văn bản kết quả giải quyết.")),
    CaseStatus.CLOSED: (_l("Đã kết thúc"), _l("Hồ sơ đã được đóng.")),
    CaseStatus.TERMINATED: (_l("Đã đình chỉ giải quyết"), _l("Cơ quan đã dừng giải quyết đơn và thông báo lý do.")),
    CaseStatus.NOT_ACCEPTED: (_l("Không thụ lý"), _l("Cơ quan đã thông báo lý do không thụ lý đơn.")),
    CaseStatus.GUIDED: (_l("Đã hướng dẫn gửi đến cơ quan có thẩm quyền"),
                        _l("Xem tin nhắn của cơ quan để biết nơi cần gửi đơn.")),
    CaseStatus.FORWARDED: (_l("Đã chuyển đến cơ quan có thẩm quyền"),
                           _l("Cơ quan nhận đơn chuyển đến sẽ tiếp tục xử lý.")),
    CaseStatus.MERGED: (_l("Đã gộp với đơn cùng nội dung"), _l("Đơn được giải quyết cùng với đơn trước đó.")),
    CaseStatus.ARCHIVED: (_l("Lưu đơn"), _l("Đơn được lưu, không giải quyết theo thủ tục.")),
    CaseStatus.SPLIT: (_l("Đã tách thành nhiều việc"), _l("Từng nội dung được giải quyết riêng.")),
    CaseStatus.INFORMATION: (_l("Tiếp nhận như thông tin"),
                             _l("Thông tin được xem xét để phục vụ công tác quản lý, không thông báo kết quả.")),
    CaseStatus.INSPECTION: (_l("Đang kiểm tra thông tin"),
                            _l("Cơ quan đang kiểm tra thông tin bạn cung cấp.")),
}

# CaseEvent.action -> a plain label for the public timeline (unknown actions use the status).
ACTIONS: dict[str, str] = {
    "received": _l("Đơn được tiếp nhận"),
    "withdrawal_requested": _l("Bạn đề nghị rút đơn"),
}


def plain_status(status: CaseStatus | str | None) -> tuple[str, str]:
    try:
        return PLAIN[CaseStatus(status)]
    except (ValueError, KeyError):
        return PLAIN[CaseStatus.RECEIVED]


def event_label(action: str, to_status: str | None) -> str:
    if action in ACTIONS:
        return str(ACTIONS[action])
    if to_status:
        return str(plain_status(to_status)[0])
    return str(_l("Cập nhật"))


def event_text(event: object) -> str:
    """The citizen-facing line of a public timeline event: the lifecycle's public text (in the page's
    language, which is the reporter's), else a plain label for events outside the lifecycle table."""
    from portal.cases.lifecycle import public_text

    text = public_text(event)  # type: ignore[arg-type]
    if text:
        return text
    return event_label(getattr(event, "action", ""), getattr(event, "to_status", None))
