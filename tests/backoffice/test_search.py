"""Search: tracking codes jump to the case; words match folded content; only visible cases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from portal.backoffice.search import matching_submissions, query_words, search_ddl
from portal.cases.models import CaseConflict, Submission
from portal.cases.text import fold
from tests.backoffice.test_queues import build_org, login_as, references
from tests.factories import make_case, make_submission


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    return build_org(db_session)


def case_with_text(session, unit, title: str, content: str = "", **case):  # type: ignore[no-untyped-def]
    submission = make_submission(session, unit_id=unit.id, title=title, content=content or title,
                                 search_text=fold(f"{title} {content}"))
    return make_case(session, unit=unit, submission=submission, **case)


def found(session, query: str, mode: str = "all") -> set[int]:  # type: ignore[no-untyped-def]
    condition = matching_submissions(session, query, mode=mode)  # type: ignore[arg-type]
    return set(session.scalars(select(Submission.id).where(condition))) if condition is not None else set()


def test_query_words_are_folded_and_stripped_of_punctuation():
    assert query_words("Đất  đai, (tranh-chấp)!") == ["dat", "dai", "tranh", "chap"]
    assert query_words("'\" OR 1=1 --") == ["or", "1"]
    assert query_words("***") == []


@pytest.mark.parametrize("query", ["dat dai", "đất đai", "ĐẤT ĐAI", "Đất Đai", "tranh dat", "tranh chấp đất"])
def test_words_match_with_or_without_diacritics(db_session, org, query):
    land = case_with_text(db_session, org.dept_a, "Tranh chấp đất đai ở phường 5")
    case_with_text(db_session, org.dept_a, "Ô nhiễm tiếng ồn ban đêm")
    assert found(db_session, query) == {land.submission_id}


def test_every_word_must_match_as_a_word_prefix(db_session, org):
    land = case_with_text(db_session, org.dept_a, "Tranh chấp đất đai")
    noise = case_with_text(db_session, org.dept_a, "Ồn ào, xây dựng trái phép")
    assert found(db_session, "dat xay") == set()
    assert found(db_session, "dat xay", mode="any") == {land.submission_id, noise.submission_id}
    assert found(db_session, "chap") == {land.submission_id}  # a word prefix
    assert found(db_session, "hap") == set()  # not the middle of a word
    assert found(db_session, "!!!") == set()


def test_index_follows_changes_and_deletions(db_session, org):
    submission = make_submission(db_session, unit_id=org.dept_a.id, search_text=fold("Giấy phép xây dựng"))
    assert found(db_session, "giay phep") == {submission.id}
    submission.search_text = fold("Bồi thường giải phóng mặt bằng")
    db_session.flush()
    assert found(db_session, "giay phep") == set()
    assert found(db_session, "boi thuong") == {submission.id}
    db_session.delete(submission)
    db_session.flush()
    assert found(db_session, "boi thuong") == set()


def test_search_ddl_exists_for_both_dialects(db_session):
    assert any("fts5" in statement for statement in search_ddl("sqlite"))
    assert any("gin" in statement for statement in search_ddl("postgresql"))
    if db_session.get_bind().dialect.name == "postgresql":
        indexes = db_session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'submissions'")).all()
        assert "ix_submissions_search_text" in indexes
    else:
        assert db_session.scalar(text("SELECT name FROM sqlite_master WHERE name = 'submissions_fts'"))


# --- the search page ------------------------------------------------------------------------------

def test_search_page_finds_dat_dai_in_visible_cases_only(client, db_session, org):
    mine = case_with_text(db_session, org.dept_a, "Tranh chấp đất đai", reference="VV-LAND-A")
    case_with_text(db_session, org.dept_b, "Tranh chấp đất đai", reference="VV-LAND-B")  # outside scope
    case_with_text(db_session, org.dept_a, "Xây dựng trái phép", reference="VV-BUILD")
    login_as(client, org.intake)
    response = client.get("/staff/search?q=dat+dai")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert references(html) == [mine.reference]
    assert 'value="dat dai"' in html  # the box keeps the query


def test_tracking_code_jumps_to_the_case_case_insensitively(client, db_session, org):
    submission = make_submission(db_session, unit_id=org.dept_a.id, tracking_code="KN-7Q4M-X9KD")
    case = make_case(db_session, unit=org.dept_a, submission=submission, reference="KN-7Q4M-X9KD")
    login_as(client, org.intake)
    response = client.get("/staff/search?q=kn-7q4m-x9kd")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith("/staff/cases/KN-7Q4M-X9KD") or location.endswith(f"/staff/cases/{case.id}")


def test_tracking_code_of_a_case_out_of_scope_reveals_nothing(client, db_session, org):
    submission = make_submission(db_session, unit_id=org.dept_b.id, tracking_code="TC-AAAA-BBBB",
                                 search_text=fold("tc aaaa bbbb"))
    make_case(db_session, unit=org.dept_b, submission=submission, reference="TC-AAAA-BBBB")
    login_as(client, org.intake)
    response = client.get("/staff/search?q=TC-AAAA-BBBB")
    assert response.status_code == 200
    assert "/staff/cases/" not in response.get_data(as_text=True)
    assert references(response.get_data(as_text=True)) == []


def test_conflicted_user_never_finds_the_case(client, db_session, org):
    case = case_with_text(db_session, org.dept_a, "Tố cáo ông trưởng phòng nhận hối lộ đất đai",
                          reference="TC-CONF-LICT")
    db_session.add(CaseConflict(case_id=case.id, user_id=org.intake.id, reason="accused"))
    db_session.flush()
    login_as(client, org.intake)
    assert references(client.get("/staff/search?q=hoi+lo").get_data(as_text=True)) == []
    response = client.get("/staff/search?q=TC-CONF-LICT")
    assert response.status_code == 200
    assert references(response.text) == [] and "/staff/cases/" not in response.text
    login_as(client, org.head)
    assert references(client.get("/staff/search?q=hoi+lo").get_data(as_text=True)) == ["TC-CONF-LICT"]


def test_search_results_page_by_keyset(client, db_session, org):
    created = [case_with_text(db_session, org.dept_a, f"Đất đai số {i}").reference for i in range(27)]
    login_as(client, org.intake)
    first = client.get("/staff/search?q=dat").get_data(as_text=True)
    assert references(first) == list(reversed(created))[:25]
    next_url = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    second = client.get(next_url).get_data(as_text=True)
    assert references(second) == list(reversed(created))[25:]


@pytest.mark.parametrize(("query", "status"), [("", 200), ("...", 200), ("x" * 201, 400)])
def test_odd_queries_never_fail(client, org, query, status):
    login_as(client, org.intake)
    response = client.get("/staff/search", query_string={"q": query})
    assert response.status_code == status


@pytest.mark.parametrize("after", ["nonsense", "2147483648.1", "1.2147483648"])  # ids past INTEGER too
def test_bad_search_page_key_is_a_400(client, org, after):
    login_as(client, org.intake)
    response = client.get(f"/staff/search?q=dat&after={after}")
    assert response.status_code == 400
    assert "Liên kết trang tiếp theo không hợp lệ" in response.get_data(as_text=True)


def test_search_needs_a_staff_login_and_shows_only_scope(client, db_session, org):
    case_with_text(db_session, org.dept_a, "Đất đai", reference="VV-ADMIN-NO")
    response = client.get("/staff/search?q=dat")
    assert response.status_code == 302
    login_as(client, org.citizen)
    assert client.get("/staff/search?q=dat").status_code == 302
    login_as(client, org.admin)  # staff without case roles: the page, but no case in it
    assert references(client.get("/staff/search?q=dat").get_data(as_text=True)) == []
