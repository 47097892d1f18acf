"""Plain-language descriptions of the four kinds of đơn, for the start pages."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import url_for
from flask_babel import lazy_gettext as _l

from portal.cases.models import SubmissionKind


@dataclass(frozen=True)
class KindInfo:
    kind: SubmissionKind
    title: str
    summary: str
    example: str
    needs: str

    @property
    def url(self) -> str:
        return url_for("intake.submit", kind=self.kind.value)


KINDS = [
    KindInfo(
        SubmissionKind.COMPLAINT,
        _l("Khiếu nại"),
        _l("Đề nghị xem xét lại một quyết định hành chính hoặc hành vi hành chính mà bạn cho là trái pháp luật, "
           "xâm phạm trực tiếp quyền, lợi ích của chính bạn."),
        _l("Ủy ban phường ra quyết định thu hồi đất của gia đình bạn mà bạn cho là sai."),
        _l("Phải ghi rõ họ tên, địa chỉ (không gửi ẩn danh được) và gửi trong thời hiệu khiếu nại kể từ khi biết "
           "quyết định."),
    ),
    KindInfo(
        SubmissionKind.DENUNCIATION,
        _l("Tố cáo"),
        _l("Báo cho cơ quan có thẩm quyền biết hành vi vi phạm pháp luật của cán bộ, cơ quan, tổ chức hoặc cá nhân, "
           "kể cả tham nhũng."),
        _l("Một cán bộ đòi tiền để giải quyết hồ sơ nhanh hơn."),
        _l("Nếu ghi tên, danh tính của bạn được pháp luật giữ bí mật. Đơn ẩn danh chỉ được xem xét khi nêu rõ người "
           "vi phạm và có tài liệu, chứng cứ cụ thể."),
    ),
    KindInfo(
        SubmissionKind.PETITION,
        _l("Kiến nghị"),
        _l("Đề xuất với cơ quan nhà nước cách giải quyết một vấn đề về chính sách, pháp luật hoặc quản lý."),
        _l("Đề nghị lắp đèn tín hiệu giao thông ở ngã tư gần trường học."),
        _l("Nên ghi họ tên và cách liên hệ để cơ quan trả lời bạn."),
    ),
    KindInfo(
        SubmissionKind.FEEDBACK,
        _l("Phản ánh"),
        _l("Cung cấp thông tin cho cơ quan nhà nước về một vấn đề bạn thấy trong thực tế."),
        _l("Rác thải đổ trộm bên kênh nhiều ngày không ai thu gom."),
        _l("Có thể gửi ẩn danh; ghi cách liên hệ nếu bạn muốn nhận trả lời."),
    ),
]


def complaint_limit_days() -> int | None:
    """The time to file a first complaint in force today (rule KN-01: data with effective dates, not
    a number in the text); None when no rule is loaded."""
    from portal.db import get_session
    from portal.deadlines.clock import local_today
    from portal.intake.services import complaint_days

    days = complaint_days(get_session(), local_today())
    return days[0] if days else None


def kinds_overview() -> list[KindInfo]:
    """The four kinds as the home page shows them (no time limits: no database needed)."""
    return KINDS


def kinds_with_limits() -> list[KindInfo]:
    """The four kinds, the complaint's time limit as the rule in force says."""
    days = complaint_limit_days()
    if days is None:
        return KINDS
    needs = _l("Phải ghi rõ họ tên, địa chỉ (không gửi ẩn danh được) và gửi trong %(days)s ngày kể từ khi biết "
               "quyết định.", days=days)
    return [replace(info, needs=needs) if info.kind == SubmissionKind.COMPLAINT else info for info in KINDS]
