"""How queues and search read at scale: the two SQLite read plans of a queue (one walk of a
city-wide index, or one branch per unit) give the same pages, the walk is served by its index, and
search reads the full-text matches newest first a batch at a time without losing or leaking a case."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import event, select, text

from portal.accounts.models import Role
from portal.backoffice import queries, search
from portal.backoffice.queries import Filters, parse_cursor
from portal.cases.models import Case, CaseConflict, CaseKind, CaseStatus
from portal.cases.text import fold
from portal.db import get_db
from tests.backoffice.test_queues import TODAY, build_org, login_as, references
from tests.conftest import make_test_app
from tests.factories import make_case, make_field, make_submission, make_unit, make_user


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    return build_org(db_session)


def _pages(session, user, key: str, filters: Filters, sort: str, size: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    after = None
    while True:
        page = queries.queue_page(session, user, queries.QUEUES_BY_KEY[key], filters, sort=sort, after=after,
                                  today=TODAY, size=size)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            return seen
        after = parse_cursor(page.next_cursor, sort)


@pytest.fixture
def mixed(db_session, org):  # type: ignore[no-untyped-def]
    """Open and closed cases in both departments and a child unit, dated and undated, with ties,
    a conflict of interest and a case the handler handles outside their unit."""
    s = db_session
    child = make_unit(s, parent=org.dept_a, name="Phòng con")
    statuses = [CaseStatus.RECEIVED, CaseStatus.INVESTIGATING, CaseStatus.CLOSED, CaseStatus.INFORMATION,
                CaseStatus.IN_REVIEW, CaseStatus.ACCEPTED]
    fields = [make_field(s), make_field(s)]
    cases = []
    for i in range(30):
        unit = (org.dept_a, org.dept_b, child)[i % 3]
        due = None if i % 5 == 0 else TODAY + dt.timedelta(days=(i % 7) - 3)
        cases.append(make_case(s, unit=unit, status=statuses[i % len(statuses)], due_on=due,
                               kind=CaseKind.DENUNCIATION if i % 2 else CaseKind.COMPLAINT, is_complex=i % 4 == 0,
                               handler_id=org.handler.id if i % 9 == 0 else None,
                               field_id=fields[i % 2].id if i % 3 else None))
    s.add(CaseConflict(case_id=cases[1].id, user_id=org.inspector.id, reason="accused"))
    s.add(CaseConflict(case_id=cases[4].id, user_id=org.handler.id, reason="accused"))
    s.flush()
    return child


CASES = [
    ("unit", "due", Filters()),
    ("unit", "oldest", Filters()),
    ("unit", "newest", Filters(kind=CaseKind.DENUNCIATION)),
    ("due_soon", "due", Filters()),
    ("overdue", "due", Filters(flags=("complex",))),
    ("new", "oldest", Filters(status=CaseStatus.IN_REVIEW)),
    ("information", "oldest", Filters()),
    ("unit", "due", Filters(due_from=TODAY - dt.timedelta(days=1), due_to=TODAY + dt.timedelta(days=2))),
    ("mine", "due", Filters()),
    ("unit", "due", Filters(field_id=-1)),  # the first field of ``mixed``
    ("overdue", "oldest", Filters(field_id=-2, kind=CaseKind.COMPLAINT)),  # the second one
]
ROLE_QUEUES = {"inspector": {"due_soon", "overdue", "information", "unit"},
               "head": {"new", "mine", "due_soon", "overdue", "information", "unit"},
               "handler": {"mine", "due_soon", "overdue"}}


@pytest.mark.parametrize(("role", "key", "sort", "filters"),
                         [(role, *case) for role, keys in ROLE_QUEUES.items() for case in CASES if case[0] in keys])
def test_walk_branches_and_rare_values_give_the_same_pages(db_session, org, mixed, monkeypatch, key, sort, filters,
                                                          role):
    if filters.field_id is not None:  # -1, -2: the fields of ``mixed``
        field_ids = sorted({c.field_id for c in db_session.scalars(select(Case)) if c.field_id})
        filters = dataclasses.replace(filters, field_id=field_ids[-filters.field_id - 1])
    user = getattr(org, role)
    assert queries.QUEUES_BY_KEY[key] in queries.queues_for(user)
    clause = queries.scope_of(db_session, user).clause
    expected = [c.id for c in db_session.scalars(
        select(Case).where(clause, queries.QUEUES_BY_KEY[key].clause(user, TODAY), *filters.clauses()))]
    monkeypatch.setattr(queries, "RARE_CAP", 0)  # no value is rare
    monkeypatch.setattr(queries, "WALK_SHARE", 0.0)  # every scope walks (on SQLite)
    walked = _pages(db_session, user, key, filters, sort)
    monkeypatch.setattr(queries, "WALK_SHARE", 2.0)  # no scope walks
    branched = _pages(db_session, user, key, filters, sort)
    monkeypatch.setattr(queries, "RARE_CAP", 10**9)  # every kind, status or field value is rare
    whole = _pages(db_session, user, key, filters, sort)
    assert walked == branched == whole
    assert sorted(walked) == sorted(expected) and len(set(walked)) == len(walked)


def test_a_rare_filter_value_is_read_through_its_own_index(db_session, org, mixed, monkeypatch):
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    rare, common = make_field(db_session), make_field(db_session)
    make_case(db_session, unit=org.dept_a, status=CaseStatus.INVESTIGATING, field_id=rare.id)
    for _ in range(3):
        make_case(db_session, unit=org.dept_a, status=CaseStatus.INVESTIGATING, field_id=common.id)
    monkeypatch.setattr(queries, "RARE_CAP", 3)
    sqlite = engine.dialect.name == "sqlite"
    assert (queries.rare_filter_index(db_session, Filters(field_id=rare.id)) == "ix_cases_field_id") is sqlite
    assert queries.rare_filter_index(db_session, Filters(field_id=common.id)) is None  # 3 cases: not below the cap
    assert queries.rare_filter_index(db_session, Filters()) is None
    event.listen(engine, "before_cursor_execute", capture)
    try:
        page = queries.queue_page(db_session, org.inspector, queries.QUEUES_BY_KEY["unit"], Filters(field_id=rare.id),
                                  sort="due", after=None, today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert [row.case.field_id for row in page.rows] == [rare.id]
    hinted = [s for s in statements if "INDEXED BY" in s]
    if sqlite:  # counted in its index, then read whole through it: no walk, no branch per unit
        assert hinted and all("INDEXED BY ix_cases_field_id" in s for s in hinted)
        assert not any("UNION ALL" in s for s in statements)
    else:
        assert not hinted


def test_a_unit_filter_reads_that_unit_only_and_never_cases_outside_ones_roles(db_session, org, mixed, monkeypatch):
    # a case still naming as handler someone with no role over its unit (moved elsewhere): it is not
    # theirs to see any more, in lists as on its page
    left_behind = make_case(db_session, unit=org.dept_b, status=CaseStatus.INVESTIGATING, handler_id=org.handler.id)
    queue = queries.QUEUES_BY_KEY["due_soon"]
    for share in (0.0, 2.0):
        monkeypatch.setattr(queries, "WALK_SHARE", share)
        assert left_behind.id not in _pages(db_session, org.handler, "mine", Filters(unit_id=org.dept_b.id), "due")
        assert left_behind.id not in _pages(db_session, org.handler, "mine", Filters(), "due")
        page = queries.queue_page(db_session, org.handler, queue, Filters(unit_id=org.dept_b.id), sort="due",
                                  after=None, today=TODAY, size=100)
        assert page.rows == []
        inside = _pages(db_session, org.inspector, "unit", Filters(unit_id=mixed.id), "due")
        assert inside and all(db_session.get(Case, i).unit_id == mixed.id for i in inside)


def test_wide_scopes_walk_and_narrow_ones_branch(db_session, org):
    for _ in range(4):
        make_unit(db_session, parent=org.root)
    sqlite = db_session.get_bind().dialect.name == "sqlite"
    assert queries.scope_of(db_session, org.inspector).walk is sqlite  # the whole city
    assert queries.scope_of(db_session, org.intake).walk is False  # one department of several
    assert queries.scope_of(db_session, org.admin).walk is False  # no case role: no units


def test_the_walk_is_served_by_its_index_without_sorting(db_session, org):
    scope = queries.scope_of(db_session, org.inspector)
    sqlite = db_session.get_bind().dialect.name == "sqlite"
    # PostgreSQL gets one plain statement (its planner weighs LIMIT against selectivity): no walk.
    assert scope.walk is sqlite
    for key, index in ((Case.due_on, "ix_cases_due_scope"), (Case.created_at, "ix_cases_created_scope")):
        stmt = (select(Case.id).where(Case.kind == CaseKind.COMPLAINT, Case.status.in_(queries.OPEN_STATUSES),
                                      Case.field_id == 1, scope.clause).order_by(key, Case.id).limit(26)
                .with_hint(Case, f"INDEXED BY {index}", "sqlite"))
        sql = str(stmt.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
        if sqlite:
            assert f"FROM cases INDEXED BY {index}" in sql
            plan = " ".join(row[3] for row in db_session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all())
            assert index in plan and "TEMP B-TREE" not in plan
        else:
            assert "INDEXED BY" not in sql  # SQLite's hint only


# --- search ----------------------------------------------------------------------------------------

def _with_text(session, unit, words: str, cases: int = 1, **case):  # type: ignore[no-untyped-def]
    submission = make_submission(session, unit_id=unit.id, title=words, content=words, search_text=fold(words))
    return [make_case(session, unit=unit, submission=submission, **case) for _ in range(cases)]


def test_search_pages_newest_submission_first_across_split_cases(client, db_session, org):
    found = []
    for i in range(12):
        found += _with_text(db_session, org.dept_a, f"Đất đai lần {i}", cases=1 + i % 3)
    _with_text(db_session, org.dept_a, "Tiếng ồn")
    expected = [c.reference for c in sorted(found, key=lambda c: (c.submission_id, c.id), reverse=True)]
    login_as(client, org.intake)
    seen, url = [], "/staff/search?q=dat+dai"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += references(html)
        link = re.search(r'href="([^"]+)" rel="next"', html)
        url = link[1].replace("&amp;", "&") if link else ""
    assert seen == expected


# PostgreSQL: every match among the newest ids; or few newest, then many below (the ordered statement)
# or few below (collected from the index).
@pytest.mark.parametrize(("recent", "gin_cap"), [(2000, 1000), (5, 0), (5, 1000)])
def test_search_reads_matches_a_batch_at_a_time_and_skips_what_is_not_visible(db_session, org, monkeypatch,
                                                                              recent, gin_cap):
    monkeypatch.setattr(queries, "SEARCH_BATCH", 2)
    monkeypatch.setattr(queries, "SEARCH_RECENT", recent)
    monkeypatch.setattr(queries, "SEARCH_GIN_CAP", gin_cap)
    visible = []
    for i in range(9):
        visible += _with_text(db_session, org.dept_a, f"Giải phóng mặt bằng {i}")
        _with_text(db_session, org.dept_b, f"Giải phóng mặt bằng khác {i}", cases=2)  # out of scope
    hidden = _with_text(db_session, org.dept_a, "Giải phóng mặt bằng, người bị tố cáo")[0]
    db_session.add(CaseConflict(case_id=hidden.id, user_id=org.intake.id, reason="accused"))
    db_session.flush()
    seen, after = [], None
    while True:
        page = queries.search_page(db_session, org.intake, "giai phong", after=after, today=TODAY, size=4)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            break
        after = parse_cursor(page.next_cursor, queries.MATCH_SORT)
    assert seen == [c.id for c in reversed(visible)]


@pytest.mark.parametrize("after", ["1.2.3", "12", "-.4", "x.1", "1234567890123.1"])
def test_bad_search_page_keys_are_400(client, org, after):
    login_as(client, org.intake)
    assert client.get(f"/staff/search?q=dat&after={after}").status_code == 400


def test_a_deputy_with_a_few_units_searches_only_them(db_session, org):
    extra = make_unit(db_session, parent=org.root)
    deputy = make_user(db_session, roles=[(Role.DEPUTY, org.dept_b), (Role.DEPUTY, extra)])
    mine = _with_text(db_session, extra, "Lấn chiếm vỉa hè")[0]
    _with_text(db_session, org.dept_a, "Lấn chiếm vỉa hè")
    page = queries.search_page(db_session, deputy, "lan chiem", after=None, today=TODAY)
    assert [row.case.id for row in page.rows] == [mine.id]


def test_migrations_build_the_search_table_the_search_module_describes(workdir):
    """The FTS5 table made by ``upgrade head`` has the options of ``search.SQLITE_DDL`` (its prefix
    indexes included): the test schema is built from the latter, production from the former."""
    from alembic import command

    app = make_test_app(workdir, database_url=f"sqlite:///{workdir / 'fts.sqlite3'}")
    with app.app_context():
        command.upgrade(app.extensions["migrate"].migrate.get_config(), "head")
        with get_db(app).engine.connect() as conn:
            made = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'submissions_fts'"))
            triggers = conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name LIKE 'submissions_fts_%'"))
        get_db(app).engine.dispose()
    assert made == search.SQLITE_DDL[0].replace("IF NOT EXISTS ", "") and "prefix='1 2 3'" in made
    assert triggers == 3


def test_one_letter_words_match_as_word_prefixes(db_session, org):
    ozone = _with_text(db_session, org.dept_a, "Ô nhiễm tiếng ồn")[0]
    _with_text(db_session, org.dept_a, "Nhiễm bẩn nguồn nước")
    page = queries.search_page(db_session, org.intake, "ô nhiễm", after=None, today=TODAY)
    assert [row.case.id for row in page.rows] == [ozone.id]


def test_a_pages_running_clocks_are_read_through_its_cases(db_session, org):
    """The duty named on each row: the page's cases' clocks are found by case, not by walking every
    running clock (SQLite's statistics count each NULL ``met_at`` as a value of its own, so it takes
    ``met_at IS NULL`` for a couple of rows and would read that index)."""
    from portal.cases.models import Deadline
    from portal.db import insert_many, now_utc

    cases = [make_case(db_session, unit=org.dept_a) for _ in range(20)]
    day = dt.date(2026, 11, 2)
    insert_many(db_session, Deadline.__table__, [
        {"case_id": c.id, "stage": "resolution", "rule_code": "KN-03", "starts_on": day, "due_on": day,
         "met_at": None if n % 3 else now_utc()} for c in cases for n in range(100)])
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(text("ANALYZE"))
    stmt = queries._OPEN_CLOCKS.params(ids=[cases[0].id, cases[1].id])
    sql = str(stmt.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    if db_session.get_bind().dialect.name != "sqlite":
        assert "INDEXED BY" not in sql  # SQLite's hint only
        return
    plan = " ".join(row[3] for row in db_session.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all())
    assert "ix_deadlines_case_id" in plan and "ix_deadlines_met_at" not in plan
