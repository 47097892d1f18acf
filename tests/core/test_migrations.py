"""`alembic upgrade head` builds exactly the models' schema, and every revision downgrades."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import Engine, create_engine, inspect, make_url, select, text

import portal.models  # noqa: F401
from portal.backoffice.search import autogenerate_filter
from portal.db import Base, get_db
from tests.conftest import make_test_app


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new empty database of the backend under test."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = "migr_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _alembic(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["migrate"].migrate.get_config()


def test_upgrade_head_matches_models_and_every_revision_downgrades(empty_database, workdir):
    app = make_test_app(workdir, database_url=empty_database)
    with app.app_context():
        config = _alembic(app)
        command.upgrade(config, "head")
        engine = get_db(app).engine
        with engine.connect() as conn:
            opts = {"compare_type": True, "render_as_batch": True,
                    "include_object": autogenerate_filter(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == [], f"migrations and models differ; run `flask db migrate`: {diff}"

        script = ScriptDirectory.from_config(config)
        revisions = list(script.walk_revisions())  # head first
        for revision in revisions:
            command.downgrade(config, revision.down_revision or "base")
        tables = {t for t in inspect(engine).get_table_names() if t != "alembic_version"}
        assert tables == set(), f"tables left after downgrading to base: {tables}"
        command.upgrade(config, "head")  # and up again, cleanly
        engine.dispose()


def _add_later_columns(engine: Engine) -> list[tuple[str, str]]:
    """Add, nullable, the columns today's models have and the database at an older revision lacks, so
    the tests can write their rows there with today's models (the factories); returns what it added."""
    inspector = inspect(engine)
    added: list[tuple[str, str]] = []
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} '
                                      f'{column.type.compile(engine.dialect)}'))
                    added.append((table.name, column.name))
    return added


@contextlib.contextmanager
def upgraded_to(database: str, workdir: Path, revision: str) -> Iterator[tuple[Callable[[str], None], Engine]]:
    """A database at ``revision``: the upgrade command (to move it further) and its engine. Columns of
    later revisions are there while the test writes its rows, and dropped before the upgrade."""
    app = make_test_app(workdir, database_url=database)
    with app.app_context():
        config = _alembic(app)
        command.upgrade(config, revision)
        engine = get_db(app).engine
        added = _add_later_columns(engine)

        def upgrade(target: str) -> None:
            with engine.begin() as conn:
                for table, column in added:
                    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            added.clear()
            command.upgrade(config, target)

        try:
            yield upgrade, engine
        finally:
            engine.dispose()


def test_0006_removes_reporter_identifiers_from_the_search_index(empty_database, workdir):
    """A database indexed before redaction: the upgrade recomputes the named submissions' search
    text, and the content search stops finding a case by its sender's name (SQLite: via FTS)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.backoffice.search import matching_submissions
    from portal.cases.models import Submission
    from portal.cases.text import fold
    from tests.factories import make_submission

    def matching_ids(session: Session, query: str) -> set[int]:
        return set(session.scalars(select(Submission.id).where(matching_submissions(session, query))))

    with upgraded_to(empty_database, workdir, "0005") as (upgrade, engine):
        content = "Tôi là Trần Thị Bích, số điện thoại 0912 345 678, tố cáo ông Lê Văn Cường."
        with Session(engine) as session:
            named = make_submission(session, title="Đơn tố cáo", content=content,
                                    identity={"full_name": "Trần Thị Bích", "phone": "0912345678"},
                                    search_text=fold(content))
            anonymous = make_submission(session, content=content, search_text=fold(content))
            session.commit()
            named_id, anonymous_id = named.id, anonymous.id
            assert named_id in matching_ids(session, "Trần Thị Bích")  # indexed as typed

        upgrade("0006")
        with Session(engine) as session:
            assert named_id not in matching_ids(session, "Trần Thị Bích")
            assert named_id not in matching_ids(session, "0912345678")
            assert named_id in matching_ids(session, "Lê Văn Cường")  # the rest of the text still is
            assert anonymous_id in matching_ids(session, "Trần Thị Bích")  # no identity: nothing to mask
            text_after = session.scalar(text("SELECT search_text FROM submissions WHERE id = :id"), {"id": named_id})
        assert text_after == "don to cao toi la , so dien thoai , to cao ong le van cuong."


def test_0008_evidence_notes_name_files_by_number(empty_database, workdir):
    from sqlalchemy.orm import Session

    from portal.cases.models import Attachment, SubmissionNote
    from tests.factories import make_submission

    with upgraded_to(empty_database, workdir, "0007") as (upgrade, engine):
        with Session(engine) as session:
            submission = make_submission(session, identity={"full_name": "Trần Thị Bích"})
            # Files 1-2 came with the đơn; 3 with the first evidence note; 4-5 with the second. iOS names
            # every photo "image.jpg", and a note may mention a name in its own words.
            for i, name in enumerate(("image.jpg", "a.pdf", "Đơn - Trần Thị Bích.pdf", "image.jpg", "a.pdf")):
                session.add(Attachment(submission_id=submission.id, original_name=name, mime_type="application/pdf",
                                       size=1, sha256="0" * 64, storage_key=f"k{i}-{submission.id}"))
            session.flush()
            session.add_all([
                SubmissionNote(submission_id=submission.id, kind="evidence",
                               text="Gửi thêm tep a.pdf\n\nbản gốc\n\nĐơn - Trần Thị Bích.pdf"),
                SubmissionNote(submission_id=submission.id, kind="evidence", text="image.jpg, a.pdf"),
                SubmissionNote(submission_id=submission.id, kind="evidence", text="Sửa tay\n\nkhông khớp.pdf"),
                SubmissionNote(submission_id=submission.id, kind="note", text="Tôi gửi thêm a.pdf"),  # not evidence
            ])
            session.commit()
            submission_id = submission.id
        upgrade("0008")
        with Session(engine) as session:
            texts = session.scalars(select(SubmissionNote.text).where(SubmissionNote.submission_id == submission_id)
                                    .order_by(SubmissionNote.id)).all()
        assert texts == ["Gửi thêm tep a.pdf\n\nbản gốc\n\nTệp 3", "Tệp 4, Tệp 5", "Sửa tay\n\nkhông khớp.pdf",
                         "Tôi gửi thêm a.pdf"]


def test_0010_copies_conflicts_to_every_case_showing_the_same_don(empty_database, workdir):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.accounts.models import User
    from portal.cases.models import CaseConflict
    from portal.org.models import AccusedPerson
    from tests.factories import make_case, make_submission, make_unit

    with upgraded_to(empty_database, workdir, "0009") as (upgrade, engine):
        with Session(engine) as session:
            unit = make_unit(session)
            # users as rows only: the factory loads their roles, whose table has columns added later
            accused, led, bystander = (User(email=f"u{n}@example.test", full_name=f"U{n}") for n in range(3))
            session.add_all([accused, led, bystander])
            session.flush()
            don = make_submission(session)
            part1, part2 = (make_case(session, unit=unit, submission=don) for _ in range(2))
            duplicate = make_case(session, unit=unit, merged_into_id=part1.id)
            elsewhere = make_case(session, unit=unit)
            session.add_all([AccusedPerson(case_id=part2.id, user_id=accused.id),
                             CaseConflict(case_id=part2.id, user_id=accused.id, reason="accused"),
                             CaseConflict(case_id=part2.id, user_id=led.id, reason="accused_is_their_head")])
            ids = {c.id for c in (part1, part2, duplicate)}
            other_id, people = elsewhere.id, (accused.id, led.id, bystander.id)
            session.commit()

        upgrade("0010")
        with Session(engine) as session:
            conflicts = set(session.execute(select(CaseConflict.case_id, CaseConflict.user_id)).all())
            accused_rows = set(session.execute(select(AccusedPerson.case_id, AccusedPerson.user_id)).all())
        assert conflicts == {(case_id, user_id) for case_id in ids for user_id in people[:2]}
        assert accused_rows == {(case_id, people[0]) for case_id in ids}
        assert other_id not in {case_id for case_id, _ in conflicts}


def test_0016_gives_tc01_its_longer_limit_and_a_new_reference_token(empty_database, workdir):
    """TC-01 rows stored before get the 3 extra working days (10 in all, Luật Tố cáo Art. 24(1)); a
    rule an administrator changed otherwise is left alone; running processes see a new token."""
    from sqlalchemy.orm import Session

    from portal.deadlines.models import DayUnit, DeadlineRule
    from portal.org.models import ReferenceVersion

    def rule(code: str, version: int, **values: object) -> DeadlineRule:
        values = {"duration": 7, **values}
        return DeadlineRule(code=code, version=version, kind="tố cáo", stage="Xử lý ban đầu",
                            unit=DayUnit.WD, starts_at="Ngày nhận đơn", legal_basis="Luật Tố cáo Điều 24(1)",
                            confidence="V", valid_from=dt.date(2000 + version, 1, 1), **values)

    with upgraded_to(empty_database, workdir, "0015") as (upgrade, engine):
        with Session(engine) as session:
            session.add_all([rule("TC-01", 1), rule("TC-01", 2, extension_days=5, extensions_complex=1),
                             rule("TC-01", 3, duration=13), rule("TC-04", 1)])
            session.commit()
            before = session.scalar(select(ReferenceVersion.token))  # written by the flush (refdata)

        upgrade("0016")
        with Session(engine) as session:
            rows = session.execute(select(DeadlineRule.code, DeadlineRule.version, DeadlineRule.extension_days)
                                   .order_by(DeadlineRule.code, DeadlineRule.version)).all()
            token = session.scalar(select(ReferenceVersion.token))
    assert [tuple(r) for r in rows] == [("TC-01", 1, 3), ("TC-01", 2, 5), ("TC-01", 3, None), ("TC-04", 1, None)]
    assert before and token != before


def test_0017_dates_kn09_names_the_stages_and_leaves_only_the_after_decision_clocks(empty_database, workdir):
    """KN-09 (NĐ 155/2026 Art. 28b) applies from 1 July 2026 in its stock version only; stored rules get
    the stage their clock runs for; a clock of the handling left running on a decided case (a
    denunciation terminated before termination stopped TC-03) is met when it was decided, and the
    case's due date is again that of what still runs, so the queues and the board show what waits."""
    from sqlalchemy.orm import Session

    from portal.cases.models import CaseEvent, CaseKind, CaseStatus, Deadline
    from portal.deadlines.models import DayUnit, DeadlineRule
    from portal.org.models import ReferenceVersion
    from tests.factories import make_case, make_unit

    def rule(code: str, version: int, **values: object) -> DeadlineRule:
        return DeadlineRule(code=code, version=version, kind="khiếu nại", stage="Gửi quyết định", duration=3,
                            unit=DayUnit.WD, starts_at="Ngày ra quyết định", legal_basis="—", confidence="R",
                            **values)

    def clock(case_id: int, stage: str, due: dt.date) -> Deadline:
        return Deadline(case_id=case_id, stage=stage, rule_code="X", starts_on=due - dt.timedelta(days=7),
                        due_on=due)

    decided_at = dt.datetime(2026, 10, 5, 3, 0, tzinfo=dt.UTC)
    with upgraded_to(empty_database, workdir, "0016") as (upgrade, engine):
        with Session(engine) as session:
            session.add_all([rule("KN-09", 1), rule("KN-09", 2, valid_from=dt.date(2027, 1, 1)),
                             rule("KN-04", 1), rule("TC-07", 1, stage_key="publish")])
            unit = make_unit(session)
            ended = make_case(session, unit=unit, kind=CaseKind.DENUNCIATION, status=CaseStatus.TERMINATED,
                              due_on=dt.date(2026, 10, 8))
            unsent = make_case(session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.RESOLVED,
                               due_on=dt.date(2026, 9, 1))  # a stale date
            running = make_case(session, unit=unit, kind=CaseKind.COMPLAINT, status=CaseStatus.INVESTIGATING,
                                due_on=dt.date(2026, 12, 1))
            session.add_all([clock(ended.id, "notify", dt.date(2026, 10, 8)),
                             CaseEvent(case_id=ended.id, action="terminate", at=decided_at, to_status="terminated"),
                             clock(unsent.id, "resolution", dt.date(2026, 9, 1)),
                             clock(unsent.id, "send", dt.date(2026, 11, 3)),
                             clock(running.id, "resolution", dt.date(2026, 12, 1))])
            session.commit()
            before = session.scalar(select(ReferenceVersion.token))
            ids = ended.id, unsent.id, running.id

        upgrade("0017")
        with Session(engine) as session:
            rules = session.execute(select(DeadlineRule.code, DeadlineRule.version, DeadlineRule.valid_from,
                                           DeadlineRule.stage_key).order_by(DeadlineRule.code, DeadlineRule.version))
            rules = [tuple(r) for r in rules]
            open_ = set(session.execute(select(Deadline.case_id, Deadline.stage).where(Deadline.met_at.is_(None))))
            met = {(r.case_id, r.stage): r.met_at for r in session.scalars(select(Deadline).where(
                Deadline.met_at.is_not(None)))}
            from portal.cases.models import Case

            dues = dict(session.execute(select(Case.id, Case.due_on).where(Case.id.in_(ids))).all())
            token = session.scalar(select(ReferenceVersion.token))
    assert rules == [("KN-04", 1, dt.date(2000, 1, 1), "send"),
                     ("KN-09", 1, dt.date(2026, 7, 1), "send_interim"),
                     ("KN-09", 2, dt.date(2027, 1, 1), "send_interim"),
                     ("TC-07", 1, dt.date(2000, 1, 1), "publish")]
    ended_id, unsent_id, running_id = ids
    assert open_ == {(unsent_id, "send"), (running_id, "resolution")}
    assert met[(ended_id, "notify")].replace(tzinfo=dt.UTC) == decided_at  # when it was decided
    assert (unsent_id, "resolution") in met  # no decision event: the case's last change
    assert dues == {ended_id: None, unsent_id: dt.date(2026, 11, 3), running_id: dt.date(2026, 12, 1)}
    assert before and token != before


def test_a_downgrade_that_copies_a_table_keeps_the_rows_that_refer_to_it(empty_database, workdir):
    """SQLite drops a column by copying the table; with foreign keys enforced, dropping the old ``cases``
    took every case event and deadline with it (ON DELETE CASCADE). The migrations run with them off."""
    from sqlalchemy import func
    from sqlalchemy.orm import Session

    from portal.cases.models import CaseEvent, CaseKind, CaseStatus, Deadline
    from tests.factories import make_case, make_unit

    app = make_test_app(workdir, database_url=empty_database)
    with app.app_context():
        config = _alembic(app)
        command.upgrade(config, "head")
        engine = get_db(app).engine
        with Session(engine) as session:
            case = make_case(session, unit=make_unit(session), kind=CaseKind.COMPLAINT,
                             status=CaseStatus.INVESTIGATING)
            session.add_all([CaseEvent(case_id=case.id, action="accept", to_status="accepted"),
                             Deadline(case_id=case.id, stage="resolution", rule_code="KN-03",
                                      starts_on=dt.date(2026, 11, 2), due_on=dt.date(2026, 12, 2))])
            session.commit()

        def rows() -> tuple[int | None, ...]:
            with engine.connect() as conn:
                return tuple(conn.scalar(select(func.count()).select_from(table))
                             for table in (text("cases"), text("case_events"), text("deadlines")))

        assert rows() == (1, 1, 1)
        command.downgrade(config, "0014")  # through 0019 and 0015, which drop a column of ``cases``
        assert rows() == (1, 1, 1)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again
        command.upgrade(config, "head")
        assert rows() == (1, 1, 1)
        command.upgrade(config, "head")  # nothing to run: the keys are on again all the same
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        engine.dispose()


def test_0020_moves_a_groups_representative_into_the_senders_identity(empty_database, workdir):
    """The representatives leave the submission, which every staff member reads, for the identity, masked
    and revealed like the rest, and the search text is computed again without them; an anonymous đơn's
    stays hidden but masked; the downgrade puts them back in one field."""
    from sqlalchemy.orm import Session

    from portal.cases.text import fold
    from tests.factories import make_submission

    content = "Chúng tôi, do ông Phạm Văn Đại và bà Ngô Thị Diện đại diện, kiến nghị nạo vét kênh."
    with upgraded_to(empty_database, workdir, "0019") as (upgrade, engine):
        with Session(engine) as session:
            named = make_submission(session, identity={"full_name": "Lê Thị Lan"}, group_size=7, content=content,
                                    search_text=fold(content))
            anonymous = make_submission(session, group_size=6, content=content, search_text=fold(content))
            alone = make_submission(session, identity={"full_name": "Trần Văn Một"})
            session.commit()
            ids = named.id, anonymous.id, alone.id
        with engine.begin() as conn:
            for sid, name in ((ids[0], "Phạm Văn Đại, Ngô Thị Diện"), (ids[1], "Phạm Văn Đại")):
                conn.execute(text("UPDATE submissions SET representative_name = :n WHERE id = :id"),
                             {"n": name, "id": sid})
        upgrade("0020")
        with engine.connect() as conn:
            names = dict(conn.execute(text("SELECT submission_id, representatives FROM reporter_identities")).all())
            indexed = dict(conn.execute(text("SELECT id, search_text FROM submissions")).all())
            columns = {c["name"] for c in inspect(conn).get_columns("submissions")}

        def listed(value: object) -> list[str]:
            import json

            return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]

        assert listed(names[ids[0]]) == ["Phạm Văn Đại", "Ngô Thị Diện"] and listed(names[ids[2]]) == []
        assert listed(names[ids[1]]) == ["Phạm Văn Đại"]  # kept hidden, still masked
        assert "representative_name" not in columns
        for sid in ids[:2]:
            assert "pham van dai" not in indexed[sid] and "nao vet kenh" in indexed[sid]
        assert "ngo thi dien" not in indexed[ids[0]]
        config = _alembic(make_test_app(workdir, database_url=empty_database))
        command.downgrade(config, "0019")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, representative_name FROM submissions")).all())
            identities = conn.scalar(text("SELECT count(*) FROM reporter_identities"))
        assert back == {ids[0]: "Phạm Văn Đại, Ngô Thị Diện", ids[1]: "Phạm Văn Đại", ids[2]: None}
        assert identities == 2  # the anonymous đơn's is gone again
