"""Bulk data for load and scale tests: ``flask demo generate --cases N``.

Writes realistic submissions, identities, cases, events, messages and deadlines with Core bulk
inserts in batches (no ORM objects), so a million cases fit in minutes and bounded memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleAssignment
from portal.cases.models import (
    INTERIM_STAGE,
    PUBLISH_STAGE,
    SEND_STAGE,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Deadline,
    Message,
    MessageKind,
    ReporterIdentity,
    Submission,
    SubmissionKind,
)
from portal.cases.text import fold
from portal.db import insert_many
from portal.deadlines.clock import local_date, local_today
from portal.org.models import Field, OrgUnit

SUBJECTS = {
    "land": [
        "tranh chấp đất đai giữa các hộ liền kề",
        "thu hồi đất không đúng quy định",
        "cấp giấy chứng nhận quyền sử dụng đất chậm",
        "bồi thường giải phóng mặt bằng chưa thỏa đáng",
    ],
    "construction": [
        "xây dựng nhà không phép",
        "công trình lấn chiếm vỉa hè",
        "cấp phép xây dựng kéo dài",
        "nứt tường do công trình bên cạnh thi công",
    ],
    "environment": [
        "cơ sở sản xuất xả nước thải ra kênh",
        "tiếng ồn từ xưởng cơ khí ban đêm",
        "rác thải tồn đọng nhiều ngày",
        "khói bụi từ lò đốt",
    ],
    "health": [
        "thái độ nhân viên bệnh viện",
        "thu phí khám bệnh sai quy định",
        "nhà thuốc bán thuốc không rõ nguồn gốc",
    ],
    "education": ["thu các khoản ngoài quy định ở trường", "dạy thêm tràn lan", "tuyển sinh đầu cấp không minh bạch"],
    "transport": ["đèn tín hiệu giao thông hỏng", "đường ngập nước sau mưa", "xe tải chạy vào giờ cấm"],
    "finance": ["thu thuế hộ kinh doanh không đúng", "chậm chi trả trợ cấp", "hóa đơn điện nước bất thường"],
    "labour": ["nợ lương công nhân", "không đóng bảo hiểm xã hội", "tai nạn lao động không được bồi thường"],
    "police": ["tụ tập gây mất trật tự", "cán bộ đòi tiền khi xử lý vi phạm", "tạm trú tạm vắng bị làm khó"],
    "home_affairs": ["tuyển dụng công chức thiếu minh bạch", "cán bộ phường nhũng nhiễu khi làm thủ tục"],
}
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Hoàng Cường",
    "Phạm Thu Dung",
    "Hoàng Minh Đức",
    "Võ Thị Hạnh",
    "Đặng Quốc Huy",
    "Bùi Thị Lan",
    "Đỗ Văn Long",
    "Huỳnh Thị Mai",
    "Phan Thanh Nam",
    "Vũ Thị Oanh",
]
STATUS_MIX = [
    (CaseStatus.RECEIVED, 12),
    (CaseStatus.IN_REVIEW, 8),
    (CaseStatus.PROPOSED, 3),
    (CaseStatus.ACCEPTED, 5),
    (CaseStatus.INVESTIGATING, 12),
    (CaseStatus.SUSPENDED, 1),
    (CaseStatus.TERMINATED, 1),
    (CaseStatus.RESOLVED, 10),
    (CaseStatus.CLOSED, 25),
    (CaseStatus.NOT_ACCEPTED, 4),
    (CaseStatus.GUIDED, 6),
    (CaseStatus.FORWARDED, 4),
    (CaseStatus.ARCHIVED, 5),
    (CaseStatus.INFORMATION, 3),
    (CaseStatus.MERGED, 2),
]
KIND_BY_SUBMISSION = {
    SubmissionKind.COMPLAINT: CaseKind.COMPLAINT,
    SubmissionKind.DENUNCIATION: CaseKind.DENUNCIATION,
    SubmissionKind.PETITION: CaseKind.PETITION,
    SubmissionKind.FEEDBACK: CaseKind.PETITION,
}
OPEN = {
    CaseStatus.RECEIVED,
    CaseStatus.IN_REVIEW,
    CaseStatus.PROPOSED,
    CaseStatus.ACCEPTED,
    CaseStatus.INVESTIGATING,
    CaseStatus.SUSPENDED,
}
# Statuses of a case that has been accepted (thụ lý): it has a handler and a resolution deadline.
HANDLED = (CaseStatus.ACCEPTED, CaseStatus.INVESTIGATING, CaseStatus.SUSPENDED, CaseStatus.RESOLVED,
           CaseStatus.CLOSED, CaseStatus.TERMINATED)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
INTAKE_OPEN = (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.PROPOSED)  # xử lý đơn's clock runs
SENT = (CaseKind.COMPLAINT, CaseKind.DENUNCIATION)  # kinds whose decision has a sending clock
SQLITE_CACHE_KIB = 65536  # the generator's page cache on SQLite (the portal keeps SQLite's default)
UNSENT_SHARE = 0.15  # of those resolved: the sending not recorded yet
INTERIM_SHARE = 0.3  # of those suspended or terminated: the decision's sending not recorded yet
# The clocks resolving starts, due in about as many calendar days as their working days: KN-04 (3),
# TC-06 (5) and TC-07 (7).
AFTER_DECISION: dict[CaseKind, Callable[[dt.date], list[tuple[str, str, dt.date]]]] = {
    CaseKind.COMPLAINT: lambda day: [(SEND_STAGE, "KN-04", day + dt.timedelta(days=5))],
    CaseKind.DENUNCIATION: lambda day: [(SEND_STAGE, "TC-06", day + dt.timedelta(days=7)),
                                        (PUBLISH_STAGE, "TC-07", day + dt.timedelta(days=9))],
}
# The clock a suspension or termination starts: KN-09 (3 working days) and TC-05 (5).
INTERIM: dict[CaseKind, Callable[[dt.date], list[tuple[str, str, dt.date]]]] = {
    CaseKind.COMPLAINT: lambda day: [(INTERIM_STAGE, "KN-09", day + dt.timedelta(days=5))],
    CaseKind.DENUNCIATION: lambda day: [(INTERIM_STAGE, "TC-05", day + dt.timedelta(days=7))],
}
STOPPED = (CaseStatus.SUSPENDED, CaseStatus.TERMINATED)  # by a decision that is sent like the final one


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


@dataclass
class World:
    units: list[int]
    fields: list[tuple[int, str]]
    handlers: dict[int, list[int]]  # unit id -> handler user ids


def load_world(session: Session) -> World:
    units = list(session.scalars(select(OrgUnit.id).where(OrgUnit.valid_to.is_(None))))
    fields = [(f.id, f.code) for f in session.scalars(select(Field))]
    handlers: dict[int, list[int]] = {}
    for unit_id, user_id in session.execute(
        select(RoleAssignment.unit_id, RoleAssignment.user_id).where(RoleAssignment.role == Role.HANDLER)
    ):
        handlers.setdefault(unit_id, []).append(user_id)
    if not units or not fields:
        raise RuntimeError("no organisation: run `flask demo seed` first")
    return World(units, fields, handlers)


def _code(prefix: str, n: int) -> str:
    chars = []
    for _ in range(8):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return f"{prefix}-{''.join(chars[:4])}-{''.join(chars[4:])}"


def _rows(
    world: World, start: int, count: int, rng: random.Random, today: dt.date
) -> Iterator[
    tuple[
        dict[str, Any],
        dict[str, Any] | None,
        dict[str, Any],
        list[dict[str, Any]],
        list[dict[str, Any]],
        list[dict[str, Any]],
    ]
]:
    statuses, weights = zip(*STATUS_MIX, strict=True)
    kinds = list(SubmissionKind)
    for n in range(start, start + count):
        kind = rng.choice(kinds)
        field_id, field_code = rng.choice(world.fields)
        unit_id = rng.choice(world.units)
        subject = rng.choice(SUBJECTS.get(field_code, SUBJECTS["environment"]))
        anonymous = kind in (SubmissionKind.DENUNCIATION, SubmissionKind.FEEDBACK) and rng.random() < 0.35
        status = rng.choices(statuses, weights)[0]
        if anonymous and kind == SubmissionKind.DENUNCIATION:
            status, case_kind = CaseStatus.INFORMATION, CaseKind.DENUNCIATION_INFO
        else:
            case_kind = KIND_BY_SUBMISSION[kind]
        # Some decisions issued lately still wait for their sending to be recorded (KN-04, TC-06): the
        # file stays open with that clock running, on the due-soon and overdue queues.
        unsent = status == CaseStatus.RESOLVED and case_kind in SENT and rng.random() < UNSENT_SHARE
        # Likewise some suspensions and terminations (KN-09, TC-05); a terminated file is not closed yet.
        interim = status in STOPPED and case_kind in SENT and rng.random() < INTERIM_SHARE
        # Open cases are recent (a few run late); finished ones spread over two years; a decision waiting
        # for its sending, a suspension or a termination (the file not closed yet) was issued lately, at
        # least ten days after receipt, once the resolution's clock had started.
        if unsent or status in STOPPED:
            age = rng.randint(12, 60) if rng.random() < 0.95 else rng.randint(60, 720)
        else:
            age = rng.randint(0, 60) if status in OPEN and rng.random() < 0.95 else rng.randint(0, 720)
        received = dt.datetime.combine(
            today - dt.timedelta(days=age),
            dt.time(rng.randint(7, 20), rng.randint(0, 59)),
            tzinfo=dt.UTC,
        )
        title = subject[:1].upper() + subject[1:]
        content = (
            f"Tôi xin trình bày về việc {subject} tại khu phố {rng.randint(1, 12)}. "
            f"Sự việc kéo dài từ tháng {rng.randint(1, 12)} đến nay, đã báo nhiều lần nhưng chưa được giải quyết. "
            f"Đề nghị cơ quan có thẩm quyền xem xét, xử lý dứt điểm."
        )
        code = _code({"complaint": "KN", "denunciation": "TC", "petition": "KNG", "feedback": "PA"}[kind.value], n)
        submission = {
            "id": n,
            "tracking_code": code,
            "secret_hash": hashlib.sha256(code.encode()).hexdigest(),
            "kind": kind,
            "received_at": received,
            "is_anonymous": anonymous,
            "unit_id": unit_id,
            "field_id": field_id,
            "title": title,
            "content": content,
            "request_text": "Đề nghị xử lý.",
            "search_text": fold(title + " " + content),
            "language": "vi",
        }
        identity = (
            None
            if anonymous
            else {
                "submission_id": n,
                "full_name": rng.choice(NAMES),
                "address": f"{rng.randint(1, 300)} đường số {rng.randint(1, 40)}",
                "id_number": f"0{rng.randint(10**10, 10**11 - 1)}",
                "phone": f"09{rng.randint(10**7, 10**8 - 1)}",
            }
        )
        handler = None
        if status in HANDLED and world.handlers.get(unit_id):
            handler = rng.choice(world.handlers[unit_id])
        start = local_date(received)
        due = start + dt.timedelta(days=14 if status in INTAKE_OPEN else 45)
        is_open = status in OPEN
        decided, after = start, []  # the clocks a decision starts: (stage, rule, due)
        if unsent or status in STOPPED:  # interim ones among them
            decided = min(today, start + dt.timedelta(days=rng.randint(10, 40)))
        if unsent:
            after = AFTER_DECISION[case_kind](decided)
        elif interim:
            after = INTERIM[case_kind](decided)
        case = {
            "id": n,
            "reference": code,
            "submission_id": n,
            "kind": None if status == CaseStatus.RECEIVED else case_kind,
            "status": status,
            "unit_id": unit_id,
            "field_id": field_id,
            "handler_id": handler,
            "is_complex": rng.random() < 0.1,
            "is_remote": rng.random() < 0.03,
            "summary": title,
            "due_on": min([d for _stage, _rule, d in after] + ([due] if is_open else [])) if after or is_open
            else None,
            "created_at": received,
            "updated_at": received,
            "closed_at": None if is_open or unsent or status in STOPPED
            else received + dt.timedelta(days=rng.randint(5, 60)),
            "version": 1,
        }
        events = [
            {
                "case_id": n,
                "at": received,
                "action": "received",
                "from_status": None,
                "to_status": "received",
                "is_public": True,
                "note": "",
                "data": {},
            }
        ]
        if status != CaseStatus.RECEIVED:
            events.append(
                {
                    "case_id": n,
                    "at": received + dt.timedelta(days=rng.randint(1, 9)),
                    "action": "classify",
                    "from_status": "received",
                    "to_status": status.value,
                    "is_public": True,
                    "note": "",
                    "data": {},
                }
            )
        messages = []
        if rng.random() < 0.4:
            messages.append(
                {
                    "submission_id": n,
                    "case_id": n,
                    "at": received + dt.timedelta(days=3),
                    "kind": MessageKind.TO_REPORTER,
                    "body": "Đề nghị ông/bà bổ sung tài liệu liên quan.",
                }
            )
        deadlines = [
            {
                "case_id": n,
                "stage": "intake",
                "rule_code": "XLD-01",
                "starts_on": start,
                "due_on": start + dt.timedelta(days=14),
                "met_at": None
                if status in INTAKE_OPEN
                else received + dt.timedelta(days=7),
                "paused_since": None,
            }
        ]
        if status in HANDLED:
            deadlines.append(
                {
                    "case_id": n,
                    "stage": "resolution",
                    "rule_code": "KN-03" if case_kind == CaseKind.COMPLAINT else "TC-04",
                    "starts_on": start + dt.timedelta(days=10),
                    "due_on": due,
                    # running (paused while suspended), or met on the day of the decision that ended it
                    "met_at": None if is_open else _at(decided) if unsent or status in STOPPED
                    else case["closed_at"],
                    "paused_since": decided if status == CaseStatus.SUSPENDED else None,
                }
            )
        deadlines += [
            {"case_id": n, "stage": stage, "rule_code": rule, "starts_on": decided, "due_on": due, "met_at": None,
             "paused_since": None}
            for stage, rule, due in after
        ]
        yield submission, identity, case, events, messages, deadlines


def generate(
    session: Session,
    cases: int,
    *,
    seed: int = 1,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
    today: dt.date | None = None,
) -> int:
    """Insert ``cases`` submissions with their cases and history; commits per batch. Returns the count."""
    world = load_world(session)
    rng = random.Random(seed)
    today = today or local_today()
    start = (session.scalar(select(func.max(Submission.id))) or 0) + 1
    start = max(start, (session.scalar(select(func.max(Case.id))) or 0) + 1)
    if session.get_bind().dialect.name == "sqlite":
        # 64 MB of page cache instead of SQLite's 2 MB: the growing indexes (random tracking codes,
        # the search index) are read back from memory instead of the file on every insert
        session.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))
    done = 0
    while done < cases:
        size = min(batch, cases - done)
        subs, idents, case_rows, event_rows, message_rows, deadline_rows = [], [], [], [], [], []
        for s, i, c, e, m, d in _rows(world, start + done, size, rng, today):
            subs.append(s)
            if i:
                idents.append(i)
            case_rows.append(c)
            event_rows.extend(e)
            message_rows.extend(m)
            deadline_rows.extend(d)
        for model, rows in ((Submission, subs), (ReporterIdentity, idents), (Case, case_rows),
                            (CaseEvent, event_rows), (Message, message_rows), (Deadline, deadline_rows)):
            insert_many(session, model.__table__, rows)
        session.commit()
        done += size
        if progress:
            progress(size)
    _fix_sequences(session)
    _refresh_statistics(session)
    return done


FILLED = (Submission, ReporterIdentity, Case, CaseEvent, Message, Deadline)


def _refresh_statistics(session: Session) -> None:
    """PostgreSQL: ANALYZE the tables just filled, as after any bulk load, so that the planner
    does not plan the next queries on statistics of a table a hundred times smaller (autovacuum
    would get there, at a time of its choosing). SQLite keeps no statistics here: its queries name
    their indexes where it matters (``portal.backoffice.queries``)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    names = ", ".join(model.__table__.name for model in FILLED)
    session.execute(text(f"ANALYZE {names}"))  # the models' own table names
    session.commit()


def _fix_sequences(session: Session) -> None:
    """Explicit ids were inserted; move PostgreSQL sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in ("submissions", "cases"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")  # noqa: S608 - fixed table names
        )
    session.commit()
