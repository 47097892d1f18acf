"""Staff home and queues: which queues each role sees, counts, filters, keyset pagination, scope."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from portal.accounts.models import Role, User
from portal.backoffice import queries
from portal.backoffice.queries import Filters, parse_cursor
from portal.cases.models import CaseConflict, CaseKind, CaseStatus, Deadline
from portal.db import now_utc
from portal.org.models import Field, OrgUnit
from tests.factories import make_case, make_field, make_submission, make_unit, make_user
from tests.helpers import login_as as _login_as


@dataclass
class Org:
    """A city with two departments and one staff member per role."""

    root: OrgUnit
    dept_a: OrgUnit
    dept_b: OrgUnit
    land: Field
    intake: User
    handler: User
    head: User
    deputy: User
    inspector: User
    admin: User
    citizen: User


def build_org(session) -> Org:  # type: ignore[no-untyped-def]
    root = make_unit(session, name="Ủy ban nhân dân Thành phố")
    dept_a = make_unit(session, parent=root, name="Sở Tài nguyên")
    dept_b = make_unit(session, parent=root, name="Sở Xây dựng")
    return Org(
        root=root, dept_a=dept_a, dept_b=dept_b, land=make_field(session, name="Đất đai", name_en="Land"),
        intake=make_user(session, roles=[(Role.INTAKE_OFFICER, dept_a)]),
        handler=make_user(session, roles=[(Role.HANDLER, dept_a)]),
        head=make_user(session, roles=[(Role.HEAD, dept_a)]),
        deputy=make_user(session, roles=[(Role.DEPUTY, dept_a)]),
        inspector=make_user(session, roles=[(Role.INSPECTOR, root)]),
        admin=make_user(session, roles=[(Role.ADMIN, root)]),
        citizen=make_user(session),
    )


@pytest.fixture
def org(db_session) -> Org:  # type: ignore[no-untyped-def]
    return build_org(db_session)


TODAY = queries.today_local()


def login_as(client, user: User) -> None:  # type: ignore[no-untyped-def]
    """``tests.helpers.login_as`` needs a request context (Flask-Login's session identifier reads
    the request); give it one that looks like the client's own requests."""
    with client.application.test_request_context(environ_base=client.environ_base):
        _login_as(client, user)


def references(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', html)


# --- which queues, and who may open them ---------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("intake", ["new", "mine", "due_soon", "overdue", "information"]),
    ("handler", ["mine", "due_soon", "overdue"]),
    ("head", ["new", "proposed", "mine", "due_soon", "overdue", "information", "unit"]),
    ("deputy", ["new", "proposed", "mine", "due_soon", "overdue", "information", "unit"]),
    ("inspector", ["due_soon", "overdue", "information", "unit"]),
    ("admin", []),
])
def test_each_role_gets_its_queues(org, role, expected):
    assert [q.key for q in queries.queues_for(getattr(org, role))] == expected


def test_staff_pages_need_a_staff_login(client, org):
    for path in ("/staff/", "/staff/queues/new", "/staff/search?q=dat"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_as(client, org.citizen)
    response = client.get("/staff/queues/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "key", "status"), [
    ("intake", "new", 200), ("intake", "proposed", 403), ("intake", "unit", 403),
    ("handler", "mine", 200), ("handler", "new", 403), ("handler", "information", 403),
    ("head", "proposed", 200), ("head", "unit", 200),
    ("inspector", "unit", 200), ("inspector", "new", 403), ("inspector", "mine", 403),
    ("admin", "new", 403), ("admin", "unit", 403),
    ("intake", "nonexistent", 404),
])
def test_queue_authorization(client, db_session, org, role, key, status):
    make_case(db_session, unit=org.dept_a, reference="VV-SECRET-1", status=CaseStatus.PROPOSED)
    login_as(client, getattr(org, role))
    response = client.get(f"/staff/queues/{key}")
    assert response.status_code == status
    if status != 200:
        assert "VV-SECRET-1" not in response.get_data(as_text=True)


def test_home_shows_the_roles_queues_with_counts(client, db_session, org):
    for _ in range(3):
        make_case(db_session, unit=org.dept_a)
    make_case(db_session, unit=org.dept_b)  # another unit: not counted
    make_case(db_session, unit=org.dept_a, status=CaseStatus.CLOSED)  # not new
    login_as(client, org.intake)
    html = client.get("/staff/").get_data(as_text=True)
    assert re.search(r'id="queue-new".*?data-count="3"', html, re.S)
    assert 'id="queue-proposed"' not in html
    assert 'href="/staff/queues/new"' in html


def test_admin_home_has_no_case_queues(client, org):
    login_as(client, org.admin)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "queue-card" not in response.get_data(as_text=True)


def test_counts_are_capped(db_session, org, monkeypatch):
    for _ in range(4):
        make_case(db_session, unit=org.dept_a)
    queue = queries.QUEUES_BY_KEY["new"]
    assert queries.count_queue(db_session, org.intake, queue, TODAY, cap=2) == 3
    assert queries.count_queue(db_session, org.intake, queue, TODAY) == 4


@pytest.mark.parametrize("share", [0.0, 2.0])  # SQLite: units in one walk, or one branch per unit
def test_the_home_page_counts_every_queue_in_one_statement(client, db_session, org, monkeypatch, share):
    monkeypatch.setattr(queries, "WALK_SHARE", share)
    for status, due in ((CaseStatus.RECEIVED, None), (CaseStatus.PROPOSED, None),
                        (CaseStatus.INVESTIGATING, TODAY - dt.timedelta(days=2)),
                        (CaseStatus.INVESTIGATING, TODAY + dt.timedelta(days=2)), (CaseStatus.INFORMATION, None)):
        make_case(db_session, unit=org.dept_a, status=status, due_on=due, handler_id=org.head.id)
    make_case(db_session, unit=org.dept_b, status=CaseStatus.INVESTIGATING, handler_id=org.handler.id)
    for user in (org.head, org.handler, org.intake, org.inspector):
        queues = queries.queues_for(user)
        one_by_one = [queries.count_queue(db_session, user, queue, TODAY) for queue in queues]
        assert queries.count_queues(db_session, user, queues, TODAY) == one_by_one
        assert queries.count_queues(db_session, user, queues, TODAY, cap=0) == [min(n, 1) for n in one_by_one]
    statements: list[str] = []
    engine = db_session.get_bind().engine
    capture = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    login_as(client, org.head)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        html = client.get("/staff/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    counting = [s for s in statements if "count(*)" in s.lower() and "from cases" in s.lower()]
    assert len(counting) == 1  # every queue of the head, in one statement
    assert counting[0].lower().count("count(*)") == len(queries.queues_for(org.head))
    assert 'id="queue-overdue"' in html


# --- queue membership ------------------------------------------------------------------------------

def test_queue_membership(db_session, org):
    s = db_session
    new = make_case(s, unit=org.dept_a, status=CaseStatus.RECEIVED)
    reviewing = make_case(s, unit=org.dept_a, status=CaseStatus.IN_REVIEW)
    proposed = make_case(s, unit=org.dept_a, status=CaseStatus.PROPOSED)
    mine = make_case(s, unit=org.dept_a, status=CaseStatus.INVESTIGATING, handler_id=org.handler.id)
    soon = make_case(s, unit=org.dept_a, status=CaseStatus.ACCEPTED, due_on=TODAY + dt.timedelta(days=3))
    late = make_case(s, unit=org.dept_a, status=CaseStatus.ACCEPTED, due_on=TODAY - dt.timedelta(days=2))
    closed_late = make_case(s, unit=org.dept_a, status=CaseStatus.CLOSED, due_on=TODAY - dt.timedelta(days=2))
    info = make_case(s, unit=org.dept_a, status=CaseStatus.INFORMATION, kind=CaseKind.DENUNCIATION_INFO)
    elsewhere = make_case(s, unit=org.dept_b, status=CaseStatus.RECEIVED)
    # decided, the decision's sending or the conclusion's publication still on the clock (due_on is set
    # only while one runs): late or soon like any duty; decided with nothing left: in neither
    unsent = make_case(s, unit=org.dept_a, status=CaseStatus.RESOLVED, due_on=TODAY - dt.timedelta(days=1))
    unpublished = make_case(s, unit=org.dept_a, status=CaseStatus.RESOLVED, due_on=TODAY + dt.timedelta(days=2))
    ended_unsent = make_case(s, unit=org.dept_a, status=CaseStatus.TERMINATED, due_on=TODAY - dt.timedelta(days=3))
    decided = make_case(s, unit=org.dept_a, status=CaseStatus.RESOLVED, handler_id=org.handler.id)
    mine_unsent = make_case(s, unit=org.dept_a, status=CaseStatus.TERMINATED, handler_id=org.handler.id,
                            due_on=TODAY + dt.timedelta(days=20))  # the handler may record the sending

    def ids(user: User, key: str) -> set[int]:
        page = queries.queue_page(s, user, queries.QUEUES_BY_KEY[key], Filters(), sort="due", after=None,
                                  today=TODAY, size=100)
        return {row.case.id for row in page.rows}

    assert ids(org.intake, "new") == {new.id, reviewing.id}
    assert ids(org.head, "proposed") == {proposed.id}
    assert ids(org.handler, "mine") == {mine.id, mine_unsent.id}  # not ``decided``: nothing left on it
    assert ids(org.handler, "due_soon") == {soon.id, unpublished.id}
    assert ids(org.head, "overdue") == {late.id, unsent.id, ended_unsent.id}
    assert closed_late.id not in ids(org.inspector, "overdue")
    assert decided.id not in ids(org.head, "overdue") | ids(org.head, "due_soon") | ids(org.head, "unit")
    assert unsent.id not in ids(org.head, "unit")  # no longer being resolved
    assert ids(org.intake, "information") == {info.id}
    assert elsewhere.id in ids(org.inspector, "unit") and elsewhere.id not in ids(org.head, "unit")


def test_a_handler_without_a_role_over_the_cases_unit_no_longer_lists_it(client, db_session, org):
    # assigned while they worked there, then moved: the page refuses them, so every list does too
    case = make_case(db_session, unit=org.dept_b, status=CaseStatus.INVESTIGATING, handler_id=org.handler.id)
    page = queries.queue_page(db_session, org.handler, queries.QUEUES_BY_KEY["mine"], Filters(), sort="due",
                              after=None, today=TODAY)
    assert case.id not in [row.case.id for row in page.rows]
    login_as(client, org.handler)
    assert client.get(f"/staff/cases/{case.id}").status_code == 404
    assert case.reference not in client.get("/staff/queues/mine").get_data(as_text=True)
    assert client.get(f"/staff/search?q={case.reference}").status_code != 302
    assert f"/staff/cases/{case.id}\"" not in client.get(f"/staff/search?q={case.reference}").get_data(as_text=True)


def test_conflicted_user_never_sees_the_case_in_any_queue(client, db_session, org):
    case = make_case(db_session, unit=org.dept_a, reference="VV-CONFLICT", status=CaseStatus.PROPOSED,
                     kind=CaseKind.DENUNCIATION, handler_id=org.head.id, due_on=TODAY - dt.timedelta(days=1))
    db_session.add(CaseConflict(case_id=case.id, user_id=org.head.id, reason="accused"))
    db_session.flush()
    for queue in queries.queues_for(org.head):
        assert queries.count_queue(db_session, org.head, queue, TODAY) == 0
    login_as(client, org.head)
    for queue in queries.queues_for(org.head):
        assert "VV-CONFLICT" not in client.get(f"/staff/queues/{queue.key}").get_data(as_text=True)
    assert 'data-count="0"' in client.get("/staff/").get_data(as_text=True)
    login_as(client, org.deputy)  # not conflicted: sees it
    assert "VV-CONFLICT" in client.get("/staff/queues/proposed").get_data(as_text=True)


# --- what a row shows --------------------------------------------------------------------------------

def test_rows_show_case_facts_and_no_identity(client, db_session, org):
    submission = make_submission(db_session, unit_id=org.dept_a.id, title="Đơn khiếu nại của bà Bí Mật",
                                 identity={"full_name": "Trần Thị Bí Mật", "email": "bimat@example.test",
                                           "phone": "0909123456", "id_number": "079123456789"})
    case = make_case(db_session, unit=org.dept_a, submission=submission, reference="VV-ROW-1", kind=CaseKind.COMPLAINT,
              field_id=org.land.id, due_on=TODAY + dt.timedelta(days=4), is_complex=True, is_group=True)
    login_as(client, org.intake)
    html = client.get("/staff/queues/new").get_data(as_text=True)
    assert re.search(rf'href="/staff/cases/(VV-ROW-1|{case.id})">VV-ROW-1</a>', html)
    for text in ("Khiếu nại", "Mới tiếp nhận", "Sở Tài nguyên", "Đất đai", "còn 4 ngày", "Phức tạp", "Đông người"):
        assert text in html
    for secret in ("Bí Mật", "bimat@", "0909123456", "079123456789"):
        assert secret not in html


def test_rows_in_english(client, db_session, org):
    make_case(db_session, unit=org.dept_a, field_id=org.land.id, due_on=TODAY - dt.timedelta(days=2))
    login_as(client, org.intake)
    html = client.get("/staff/queues/new?lang=en").get_data(as_text=True)
    assert "Land" in html and "2 days overdue" in html and "New" in html


# --- filters -----------------------------------------------------------------------------------------

def test_filters_narrow_the_queue_and_keep_their_values(client, db_session, org):
    sub_a = org.dept_a
    child = make_unit(db_session, parent=sub_a, name="Phòng Đất đai")
    match = make_case(db_session, unit=child, reference="VV-MATCH", kind=CaseKind.COMPLAINT, field_id=org.land.id,
                      status=CaseStatus.IN_REVIEW, is_remote=True, due_on=dt.date(2030, 5, 10))
    others = [
        make_case(db_session, unit=child, reference="VV-KIND", kind=CaseKind.PETITION, field_id=org.land.id,
                  status=CaseStatus.IN_REVIEW, is_remote=True, due_on=dt.date(2030, 5, 10)),
        make_case(db_session, unit=sub_a, reference="VV-UNIT", kind=CaseKind.COMPLAINT, field_id=org.land.id,
                  status=CaseStatus.IN_REVIEW, is_remote=True, due_on=dt.date(2030, 5, 10)),
        make_case(db_session, unit=child, reference="VV-FLAG", kind=CaseKind.COMPLAINT, field_id=org.land.id,
                  status=CaseStatus.IN_REVIEW, due_on=dt.date(2030, 5, 10)),
        make_case(db_session, unit=child, reference="VV-DUE", kind=CaseKind.COMPLAINT, field_id=org.land.id,
                  status=CaseStatus.IN_REVIEW, is_remote=True, due_on=dt.date(2030, 7, 1)),
        make_case(db_session, unit=child, reference="VV-STATUS", kind=CaseKind.COMPLAINT, field_id=org.land.id,
                  status=CaseStatus.RECEIVED, is_remote=True, due_on=dt.date(2030, 5, 10)),
        make_case(db_session, unit=child, reference="VV-FIELD", kind=CaseKind.COMPLAINT,
                  status=CaseStatus.IN_REVIEW, is_remote=True, due_on=dt.date(2030, 5, 10)),
    ]
    login_as(client, org.intake)
    query = (f"kind=KN&status=in_review&unit={child.id}&case_field={org.land.id}&flag_remote=y"
             "&due_from=2030-05-01&due_to=2030-05-31&sort=due")
    response = client.get(f"/staff/queues/new?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert references(html) == [match.reference]
    assert all(other.reference not in references(html) for other in others)
    # the form keeps what was chosen
    assert re.search(r'<option selected value="KN">', html) and 'value="2030-05-01"' in html
    assert re.search(r'id="flag_remote"[^>]*checked|checked[^>]*id="flag_remote"', html)
    unfiltered = references(client.get("/staff/queues/new").get_data(as_text=True))
    assert len(unfiltered) == 7


@pytest.mark.parametrize("query", ["kind=XX", "status=nope", "unit=abc", "unit=999999", "case_field=-1",
                                   "due_from=2030-13-45", "due_from=2030-05-10&due_to=2030-05-01", "sort=random"])
def test_bad_filter_values_get_a_400_with_the_form(client, org, query):
    login_as(client, org.intake)
    response = client.get(f"/staff/queues/new?{query}")
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)


def test_unit_filter_offers_only_units_in_scope(client, org):
    login_as(client, org.intake)
    html = client.get("/staff/queues/new").get_data(as_text=True)
    assert f'value="{org.dept_a.id}"' in html and "Sở Xây dựng" not in html


# --- keyset pagination --------------------------------------------------------------------------------

def _walk(session, user, sort: str, size: int) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    after = None
    while True:
        page = queries.queue_page(session, user, queries.QUEUES_BY_KEY["new"], Filters(), sort=sort, after=after,
                                  today=TODAY, size=size)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            return seen
        after = parse_cursor(page.next_cursor, sort)


def test_keyset_pages_cover_every_case_once_in_order(db_session, org):
    cases = []
    for i in range(23):
        due = None if i % 4 == 0 else TODAY + dt.timedelta(days=i % 5)  # ties and undated cases
        cases.append(make_case(db_session, unit=org.dept_a, due_on=due))
    by_due = [c.id for c in sorted(cases, key=lambda c: (c.due_on is None, c.due_on or TODAY, c.id))]
    assert _walk(db_session, org.intake, "due", 4) == by_due
    oldest = [c.id for c in sorted(cases, key=lambda c: (c.created_at, c.id))]
    assert _walk(db_session, org.intake, "oldest", 5) == oldest
    assert _walk(db_session, org.intake, "newest", 6) == list(reversed(oldest))


def test_next_link_pages_through_the_view(client, db_session, org):
    created = [make_case(db_session, unit=org.dept_a, due_on=TODAY + dt.timedelta(days=i)).reference
               for i in range(30)]
    login_as(client, org.intake)
    first = client.get("/staff/queues/new?sort=due&kind=KNPA").get_data(as_text=True)
    assert references(first) == created[:25]
    next_url = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    assert "after=" in next_url and "kind=KNPA" in next_url and "offset" not in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert references(second) == created[25:]
    assert 'rel="next"' not in second and "Về trang đầu" in second


@pytest.mark.parametrize(("sort", "after"), [
    ("due", "garbage"), ("due", "20301301.5"), ("due", "1.2.3"), ("due", "-.x"), ("due", "<script>"),
    ("oldest", "garbage"), ("oldest", "-.5"), ("newest", "99999999999999999999.1"), ("newest", "<script>"),
    # ids past the INTEGER columns: PostgreSQL refused them with a 500
    ("newest", "1.2147483648"), ("due", "-.2147483648"), ("due", "20261127.999999999999"),
])
def test_bad_page_keys_get_a_400_with_a_message(client, org, sort, after):
    login_as(client, org.intake)
    response = client.get(f"/staff/queues/new?sort={sort}&after={after}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Liên kết trang tiếp theo không hợp lệ" in html and "<script>" not in html


def test_unit_read_queues_page_in_due_order_without_cases_outside_ones_units(db_session, org):
    inside = [make_case(db_session, unit=org.dept_a, status=CaseStatus.INVESTIGATING,
                        due_on=TODAY + dt.timedelta(days=d)) for d in (1, 3, 5)]
    # still naming them as handler, in a unit they hold no role over: not theirs to see
    make_case(db_session, unit=org.dept_b, status=CaseStatus.INVESTIGATING, handler_id=org.handler.id,
              due_on=TODAY + dt.timedelta(days=2))
    make_case(db_session, unit=org.dept_b, status=CaseStatus.INVESTIGATING, due_on=TODAY + dt.timedelta(days=2))
    queue = queries.QUEUES_BY_KEY["due_soon"]
    assert queries.count_queue(db_session, org.handler, queue, TODAY) == 3
    seen, after = [], None
    while True:  # pages of two
        page = queries.queue_page(db_session, org.handler, queue, Filters(), sort="due", after=after, today=TODAY,
                                  size=2)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            break
        after = parse_cursor(page.next_cursor, "due")
    assert seen == [c.id for c in inside]


def test_my_open_cases_page_in_order_and_closed_ones_leave(db_session, org):
    mine = [make_case(db_session, unit=org.dept_a, status=CaseStatus.INVESTIGATING,
                      handler_id=org.handler.id, due_on=None if i == 4 else TODAY + dt.timedelta(days=5 - i))
            for i in range(5)]
    make_case(db_session, unit=org.dept_a, status=CaseStatus.CLOSED, handler_id=org.handler.id)
    queue = queries.QUEUES_BY_KEY["mine"]
    seen, after = [], None
    while True:
        page = queries.queue_page(db_session, org.handler, queue, Filters(), sort="due", after=after, today=TODAY,
                                  size=2)
        seen += [row.case.id for row in page.rows]
        if page.next_cursor is None:
            break
        after = parse_cursor(page.next_cursor, "due")
    assert seen == [mine[3].id, mine[2].id, mine[1].id, mine[0].id, mine[4].id]


def test_a_status_filter_outside_the_queue_gives_an_empty_page(client, db_session, org):
    make_case(db_session, unit=org.dept_a, status=CaseStatus.ACCEPTED, reference="VV-ACC")
    make_case(db_session, unit=org.dept_a, status=CaseStatus.RECEIVED, reference="VV-NEW")
    login_as(client, org.intake)
    response = client.get("/staff/queues/new?status=accepted")
    assert response.status_code == 200 and references(response.text) == []
    assert references(client.get("/staff/queues/new?status=received").text) == ["VV-NEW"]


def test_each_row_names_the_duty_its_due_date_belongs_to(client, db_session, org):
    s = db_session
    start = TODAY - dt.timedelta(days=10)

    def clock(case, stage, due, *, met=False):  # type: ignore[no-untyped-def]
        s.add(Deadline(case_id=case.id, stage=stage, rule_code="KN-00", starts_on=start, due_on=due,
                       met_at=now_utc() if met else None))

    unsent = make_case(s, unit=org.dept_a, status=CaseStatus.RESOLVED, due_on=TODAY - dt.timedelta(days=1))
    clock(unsent, "resolution", TODAY - dt.timedelta(days=5), met=True)  # met: not what is due
    clock(unsent, "send", TODAY - dt.timedelta(days=1))
    told = make_case(s, unit=org.dept_a, status=CaseStatus.INVESTIGATING, kind=CaseKind.DENUNCIATION,
                     due_on=TODAY - dt.timedelta(days=2))
    clock(told, "resolution", TODAY + dt.timedelta(days=30))
    clock(told, "notify", TODAY - dt.timedelta(days=2))
    same_day = make_case(s, unit=org.dept_a, status=CaseStatus.IN_REVIEW, due_on=TODAY - dt.timedelta(days=3))
    clock(same_day, "intake", TODAY - dt.timedelta(days=3))
    clock(same_day, "acceptance", TODAY - dt.timedelta(days=3))  # the same day: the first started wins
    undated = make_case(s, unit=org.dept_a, status=CaseStatus.ACCEPTED)
    s.flush()
    assert queries.due_stages(s, [unsent, told, same_day, undated]) == {
        unsent.id: "send", told.id: "notify", same_day.id: "intake"}
    login_as(client, org.head)
    html = client.get("/staff/queues/overdue").get_data(as_text=True)
    rows = dict(re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>(.*?)</tr>', html, re.S))
    assert 'class="due-stage">Gửi quyết định, kết luận<' in rows[unsent.reference]
    assert 'class="due-stage">Thông báo cho người bị tố cáo<' in rows[told.reference]
    assert 'class="due-stage">Xử lý đơn<' in rows[same_day.reference]
    english = client.get("/staff/queues/overdue?lang=en").get_data(as_text=True)
    assert 'class="due-stage">Sending the decision or conclusion<' in english
