"""Demo organisation: Ho Chi Minh City after the 1 July 2025 reform (no district level).

The city People's Committee (root), its inspectorate, ten departments, two public bodies and twenty
wards, communes and a special zone, the fields each manages, the wards each covers, and the
competence rules. Two former district committees are kept, retired on 1/7/2025, to show a tree
that changes over time. Codes are stable (README "Demo organisation"). Staff accounts are made by
``portal/accounts/demo.py``, which runs after this.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.org.models import Field, OrgUnit, RoutingRule, UnitField, UnitKind, UnitWard
from portal.org.routing import DEFAULT_RULES

FIELDS = [
    ("land", "Đất đai", "Land"),
    ("construction", "Xây dựng", "Construction"),
    ("environment", "Tài nguyên và môi trường", "Natural resources and environment"),
    ("health", "Y tế", "Health"),
    ("education", "Giáo dục", "Education"),
    ("transport", "Giao thông vận tải", "Transport"),
    ("finance", "Tài chính", "Finance"),
    ("labour", "Lao động, việc làm", "Labour and employment"),
    ("police", "An ninh, trật tự", "Public order and security"),
    ("home_affairs", "Nội vụ", "Home affairs"),
]

REFORM = dt.date(2025, 7, 1)
OLD = dt.date(2000, 1, 1)

# code, name, English name, kind, parent code, fields managed
CITY_UNITS = [
    ("TT-TP", "Thanh tra Thành phố", "City Inspectorate", UnitKind.INSPECTORATE, "UBND-TP", []),
    ("SXD", "Sở Xây dựng", "Department of Construction", UnitKind.DEPARTMENT, "UBND-TP",
     ["construction", "transport"]),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment", UnitKind.DEPARTMENT,
     "UBND-TP", ["land", "environment"]),
    ("SYT", "Sở Y tế", "Department of Health", UnitKind.DEPARTMENT, "UBND-TP", ["health"]),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training", UnitKind.DEPARTMENT, "UBND-TP",
     ["education"]),
    ("STC", "Sở Tài chính", "Department of Finance", UnitKind.DEPARTMENT, "UBND-TP", ["finance"]),
    ("SNV", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT, "UBND-TP", ["home_affairs", "labour"]),
    ("CATP", "Công an Thành phố", "City Police", UnitKind.POLICE, "UBND-TP", ["police"]),
    ("STP", "Sở Tư pháp", "Department of Justice", UnitKind.DEPARTMENT, "UBND-TP", []),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade", UnitKind.DEPARTMENT, "UBND-TP", []),
    ("SVHTT", "Sở Văn hóa và Thể thao", "Department of Culture and Sports", UnitKind.DEPARTMENT, "UBND-TP", []),
    ("BV-NDGD", "Bệnh viện Nhân dân Gia Định", "Gia Dinh People's Hospital", UnitKind.PUBLIC_SERVICE_UNIT, "SYT",
     []),
    ("SAWACO", "Tổng Công ty Cấp nước Sài Gòn", "Saigon Water Corporation", UnitKind.STATE_ENTERPRISE, "UBND-TP",
     []),
]

# code, Vietnamese name, English name (wards, communes and the special zone after the merger)
WARDS = [
    ("P-SAIGON", "Ủy ban nhân dân phường Sài Gòn", "Sai Gon Ward People's Committee"),
    ("P-TANDINH", "Ủy ban nhân dân phường Tân Định", "Tan Dinh Ward People's Committee"),
    ("P-BENTHANH", "Ủy ban nhân dân phường Bến Thành", "Ben Thanh Ward People's Committee"),
    ("P-CAUONGLANH", "Ủy ban nhân dân phường Cầu Ông Lãnh", "Cau Ong Lanh Ward People's Committee"),
    ("P-BANCO", "Ủy ban nhân dân phường Bàn Cờ", "Ban Co Ward People's Committee"),
    ("P-XUANHOA", "Ủy ban nhân dân phường Xuân Hòa", "Xuan Hoa Ward People's Committee"),
    ("P-NHIEULOC", "Ủy ban nhân dân phường Nhiêu Lộc", "Nhieu Loc Ward People's Committee"),
    ("P-KHANHHOI", "Ủy ban nhân dân phường Khánh Hội", "Khanh Hoi Ward People's Committee"),
    ("P-CHOQUAN", "Ủy ban nhân dân phường Chợ Quán", "Cho Quan Ward People's Committee"),
    ("P-CHOLON", "Ủy ban nhân dân phường Chợ Lớn", "Cho Lon Ward People's Committee"),
    ("P-BINHTHANH", "Ủy ban nhân dân phường Bình Thạnh", "Binh Thanh Ward People's Committee"),
    ("P-GIADINH", "Ủy ban nhân dân phường Gia Định", "Gia Dinh Ward People's Committee"),
    ("P-GOVAP", "Ủy ban nhân dân phường Gò Vấp", "Go Vap Ward People's Committee"),
    ("P-PHUNHUAN", "Ủy ban nhân dân phường Phú Nhuận", "Phu Nhuan Ward People's Committee"),
    ("P-TANSONNHAT", "Ủy ban nhân dân phường Tân Sơn Nhất", "Tan Son Nhat Ward People's Committee"),
    ("P-THUDUC", "Ủy ban nhân dân phường Thủ Đức", "Thu Duc Ward People's Committee"),
    ("P-THUDAUMOT", "Ủy ban nhân dân phường Thủ Dầu Một", "Thu Dau Mot Ward People's Committee"),
    ("P-VUNGTAU", "Ủy ban nhân dân phường Vũng Tàu", "Vung Tau Ward People's Committee"),
    ("X-CUCHI", "Ủy ban nhân dân xã Củ Chi", "Cu Chi Commune People's Committee"),
    ("X-CANGIO", "Ủy ban nhân dân xã Cần Giờ", "Can Gio Commune People's Committee"),
    ("DK-CONDAO", "Ủy ban nhân dân đặc khu Côn Đảo", "Con Dao Special Zone People's Committee"),
]
WARD_FIELDS = ["land", "construction", "environment"]

# Former district committees, retired by the reform (their old cases keep them).
FORMER_DISTRICTS = [
    ("Q-1", "Ủy ban nhân dân Quận 1", "District 1 People's Committee", "P-SAIGON"),
    ("Q-3", "Ủy ban nhân dân Quận 3", "District 3 People's Committee", "P-XUANHOA"),
]

# The police manage public order city-wide; the central wards also get the city police's
# central-area division as an example of a unit restricted to some wards.
CENTRAL_POLICE = ("CATP-TT", "Phòng Cảnh sát quản lý hành chính về trật tự xã hội (khu trung tâm)",
                  "Administrative Police Division (central area)", UnitKind.POLICE, "CATP", ["police"])
CENTRAL_WARDS = ["P-SAIGON", "P-TANDINH", "P-BENTHANH", "P-CAUONGLANH"]


def seed_fields(session: Session) -> None:
    for code, name, name_en in FIELDS:
        if session.scalar(select(Field.id).where(Field.code == code)) is None:
            session.add(Field(code=code, name=name, name_en=name_en))
    session.flush()


def seed_root(session: Session) -> OrgUnit:
    root = session.scalar(select(OrgUnit).where(OrgUnit.code == "UBND-TP"))
    if root is None:
        root = OrgUnit(code="UBND-TP", name="Ủy ban nhân dân Thành phố", name_en="City People's Committee",
                       kind=UnitKind.PROVINCIAL_COMMITTEE, valid_from=OLD)
        session.add(root)
        session.flush()
    return root


def _unit(session: Session, code: str, name: str, name_en: str, kind: UnitKind, parent: OrgUnit,
          valid_from: dt.date, valid_to: dt.date | None = None) -> tuple[OrgUnit, bool]:
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is not None:
        return unit, False
    unit = OrgUnit(code=code, name=name, name_en=name_en, kind=kind, parent_id=parent.id, valid_from=valid_from,
                   valid_to=valid_to)
    session.add(unit)
    session.flush()
    return unit, True


def _manage(session: Session, unit: OrgUnit, field_codes: list[str]) -> None:
    ids = session.scalars(select(Field.id).where(Field.code.in_(field_codes)))
    session.add_all(UnitField(unit_id=unit.id, field_id=fid) for fid in ids)


def seed_units(session: Session, root: OrgUnit) -> int:
    """The city's units; returns how many were created."""
    created = 0
    by_code = {"UBND-TP": root}
    for code, name, name_en, kind, parent_code, fields in [*CITY_UNITS, CENTRAL_POLICE]:
        unit, new = _unit(session, code, name, name_en, kind, by_code[parent_code], OLD)
        by_code[code] = unit
        if new:
            _manage(session, unit, fields)
            created += 1
    for code, name, name_en in WARDS:
        unit, new = _unit(session, code, name, name_en, UnitKind.WARD_COMMITTEE, root, REFORM)
        by_code[code] = unit
        if new:
            _manage(session, unit, WARD_FIELDS)
            created += 1
    for code, name, name_en, successor in FORMER_DISTRICTS:
        unit, new = _unit(session, code, name, name_en, UnitKind.DISTRICT_COMMITTEE, root, OLD, REFORM)
        if new:
            unit.successor_id = by_code[successor].id
            created += 1
    police = by_code["CATP-TT"]
    if not session.scalar(select(UnitWard.ward_id).where(UnitWard.unit_id == police.id).limit(1)):
        session.add_all(UnitWard(unit_id=police.id, ward_id=by_code[c].id) for c in CENTRAL_WARDS)
    session.flush()
    return created


def seed_rules(session: Session) -> int:
    """The competence rules of LEGAL.md §5, when none are stored yet."""
    if session.scalar(select(RoutingRule.id).limit(1)) is not None:
        return 0
    for position, rule in DEFAULT_RULES:
        session.add(RoutingRule(code=rule.code, position=position, name=rule.name, kind=rule.kind,
                                second_complaint=rule.second_complaint, strategy=rule.strategy))
    session.flush()
    return len(DEFAULT_RULES)


def seed(session: Session) -> list[str]:
    """Create the demo organisation (idempotent)."""
    seed_fields(session)
    root = seed_root(session)
    units = seed_units(session, root)
    rules = seed_rules(session)
    if not units and not rules:
        return []
    return [f"org: {units} units and {rules} competence rules created (see README, Demo organisation)"]
