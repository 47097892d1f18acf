"""Demo submissions, created through the real intake service (idempotent: marked by form nonce)."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
from flask import current_app
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import SubmissionKind
from portal.files.storage import get_storage
from portal.intake import services
from portal.org.models import Field, OrgUnit, UnitKind

SAMPLES = [
    ("demo-intake-1", SubmissionKind.FEEDBACK, None, "land",
     "Rác thải đổ trộm bên kênh Nhiêu Lộc",
     "Nhiều ngày nay có người đổ xà bần và rác sinh hoạt ở bờ kênh đoạn gần cầu Lê Văn Sỹ, bốc mùi và tràn xuống kênh.",
     "Đề nghị thu gom và lắp biển cấm đổ rác."),
    ("demo-intake-2", SubmissionKind.PETITION, ("Trần Thị Bích", "12 Lê Lợi, phường Bến Thành", "0903123456"),
     "transport", "Đề nghị lắp đèn tín hiệu tại ngã tư gần trường tiểu học",
     "Giờ tan học, ngã tư trước trường rất đông xe, học sinh qua đường nguy hiểm.",
     "Đề nghị lắp đèn tín hiệu và vạch qua đường cho người đi bộ."),
    ("demo-intake-3", SubmissionKind.COMPLAINT, ("Lê Văn Cường", "45 Nguyễn Trãi, phường Chợ Quán", "0912345678"),
     "land", "Khiếu nại quyết định xử phạt vi phạm hành chính về xây dựng",
     # The sender names themselves in the text, as citizens often do: staff see it masked.
     "Tôi là Lê Văn Cường, điện thoại 0912 345 678. Tôi bị xử phạt vì xây dựng không phép, nhưng tôi đã "
     "được cấp giấy phép sửa chữa nhà số 45.",
     "Đề nghị hủy quyết định xử phạt."),
    ("demo-intake-4", SubmissionKind.DENUNCIATION, None, "construction",
     "Cán bộ địa chính đòi tiền để ký hồ sơ",
     "Ông N., cán bộ địa chính phường, yêu cầu nộp thêm 5 triệu đồng ngoài lệ phí để ký xác nhận hồ sơ đất.",
     "Đề nghị kiểm tra và xử lý."),
    # A signed denunciation with its scanned đơn and a photo: staff other than the handler and the
    # head see the files held back until one of them prepares them (portal/cases/evidence.py).
    ("demo-intake-5", SubmissionKind.DENUNCIATION, ("Phạm Văn Tâm", "27 Hai Bà Trưng, phường Bến Nghé", "0938111222"),
     "construction", "Cán bộ trật tự đô thị nhận tiền để bỏ qua lấn chiếm vỉa hè",
     "Tôi là Phạm Văn Tâm, ở số 27 Hai Bà Trưng. Ông K., cán bộ trật tự đô thị phường, nhận tiền của các hộ kinh "
     "doanh để bỏ qua việc lấn chiếm vỉa hè. Đơn có chữ ký và ảnh chụp kèm theo.",
     "Đề nghị xác minh và xử lý ông K."),
]


def _demo_files(nonce: str) -> list[services.FileInput]:
    """The scanned, signed đơn (a one-page PDF naming its sender) and a photo of the pavement."""
    if nonce != "demo-intake-5":
        return []
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(
        b"BT /F1 20 Tf 200 760 Td (DON TO CAO) Tj ET "
        b"BT /F1 12 Tf 60 700 Td (Nguoi to cao: Pham Van Tam, 27 Hai Ba Trung, DT 0938 111 222) Tj ET "
        b"BT /F1 12 Tf 60 670 Td (To cao ong K., can bo trat tu do thi phuong, nhan tien cua ho kinh doanh.) Tj ET "
        rb"BT /F1 12 Tf 380 560 Td (Nguoi to cao \(ky ten\)) Tj ET 0 0 0.5 RG 2 w 390 520 m 430 540 l 470 515 l S")
    scan = io.BytesIO()
    pdf.save(scan)
    photo = io.BytesIO()
    Image.new("RGB", (320, 200), (150, 150, 140)).save(photo, "JPEG", quality=80)
    return [services.FileInput("Đơn tố cáo - Phạm Văn Tâm.pdf", scan.getvalue()),
            services.FileInput("vỉa hè.jpg", photo.getvalue())]


def seed(session: Session) -> list[str]:
    today = dt.datetime.now(dt.UTC).date()
    units = services.active_units(session, today)
    if not units:
        return []
    created = 0
    for nonce, kind, who, field_code, title, content, request_text in SAMPLES:
        if services.code_for_nonce(session, nonce) is not None:
            continue
        field_id = session.scalar(select(Field.id).where(Field.code == field_code))
        ward = session.scalar(select(OrgUnit.id).where(OrgUnit.kind == UnitKind.WARD_COMMITTEE).limit(1))
        identity = None
        if who:
            identity = services.IdentityInput(full_name=who[0], address=who[1], id_number="079088001234", phone=who[2])
        data = services.SubmissionInput(kind=kind, title=title, content=content, request_text=request_text,
                                        identity=identity, field_id=field_id, ward_id=ward, form_nonce=nonce,
                                        files=_demo_files(nonce))
        if kind == SubmissionKind.COMPLAINT:
            data.decision_issuer, data.decision_number = "Ủy ban nhân dân phường Chợ Quán", "125/QĐ-XPHC"
            data.decision_date, data.learned_on = today - dt.timedelta(days=20), today - dt.timedelta(days=18)
        if kind == SubmissionKind.DENUNCIATION:
            data.accused_name, data.accused_position = (("Lê Văn K.", "Cán bộ trật tự đô thị") if who
                                                        else ("Nguyễn Văn N.", "Cán bộ địa chính"))
        services.submit(session, get_storage(current_app), data, secret_key=current_app.config["SECRET_KEY"])
        created += 1
    return [f"intake: {created} sample submissions"] if created else []
