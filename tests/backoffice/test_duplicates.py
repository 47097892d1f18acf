"""Likely duplicates shown before xử lý đơn: same reporter, decision, accused person, similar text."""

from __future__ import annotations

import pytest

from portal.cases.duplicates import (
    SAME_ACCUSED,
    SAME_DECISION,
    SAME_IDENTITY,
    SIMILAR_TEXT,
    likely_duplicates,
    similarity,
    words_of,
)
from portal.cases.models import CaseConflict
from portal.cases.text import fold
from tests.backoffice.test_queues import build_org
from tests.factories import make_case, make_submission


@pytest.fixture
def org(db_session):  # type: ignore[no-untyped-def]
    return build_org(db_session)


def case_of(session, unit, text: str = "", identity=None, **submission):  # type: ignore[no-untyped-def]
    sub = make_submission(session, unit_id=unit.id, title=text, content=text or "nội dung",
                          search_text=fold(text), identity=identity, **submission)
    return make_case(session, unit=unit, submission=sub)


def reasons(found) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    return {d.case.id: sorted(d.reasons) for d in found}


def test_word_similarity():
    assert words_of("Đất đai, đất ĐAI!") == {"dat", "dai"}
    assert similarity({"a", "b"}, {"a", "b"}) == 1.0
    assert similarity({"a", "b"}, {"c"}) == 0.0
    assert similarity(set(), {"a"}) == 0.0


@pytest.mark.parametrize("shared", [{"id_number": "079123456789"}, {"email": "A@Example.test"},
                                    {"phone": "0909123456"}])
def test_same_reporter_by_id_number_email_or_phone(db_session, org, shared):
    base = {"id_number": "1", "email": "x@example.test", "phone": "1"}
    first = case_of(db_session, org.dept_a, "Một", identity={**base, **{k: v.lower() for k, v in shared.items()}})
    second = case_of(db_session, org.dept_a, "Hai", identity={"id_number": "2", "email": "y@example.test",
                                                             "phone": "2", **shared})
    case_of(db_session, org.dept_a, "Ba", identity={"id_number": "3", "email": "z@example.test", "phone": "3"})
    assert reasons(likely_duplicates(db_session, second, org.head)) == {first.id: [SAME_IDENTITY]}


def test_same_decision_and_same_accused(db_session, org):
    complaint = case_of(db_session, org.dept_a, "Khiếu nại quyết định", decision_number="15/QĐ-UBND")
    again = case_of(db_session, org.dept_a, "Lại khiếu nại", decision_number="15/QĐ-UBND")
    accused = case_of(db_session, org.dept_a, "Nhận tiền của người dân", accused_name="Lê Văn C")
    accused_again = case_of(db_session, org.dept_a, "Làm sai quy trình cấp phép", accused_name="Lê Văn C")
    assert reasons(likely_duplicates(db_session, again, org.intake)) == {complaint.id: [SAME_DECISION]}
    assert reasons(likely_duplicates(db_session, accused_again, org.intake)) == {accused.id: [SAME_ACCUSED]}


def test_similar_text_by_folded_word_overlap(db_session, org):
    text = "Tranh chấp đất đai giữa hộ ông Nam và hộ bà Lan tại khu phố 3 phường Bến Thành"
    original = case_of(db_session, org.dept_a, text)
    case_of(db_session, org.dept_a, "Đề nghị sửa đường ống nước bị vỡ trên đường Lê Lợi")
    copy = case_of(db_session, org.dept_a,
                   "tranh chap dat dai giua ho ong Nam va ho ba Lan, khu pho 3, phuong Ben Thanh")
    assert reasons(likely_duplicates(db_session, copy, org.intake)) == {original.id: [SIMILAR_TEXT]}


def test_strongest_first_limited_and_never_itself(db_session, org):
    identity = {"id_number": "079000000001"}
    text = "Khiếu nại quyết định thu hồi đất số 15"
    strong = case_of(db_session, org.dept_a, text, identity=identity, decision_number="15/QĐ")
    weak = [case_of(db_session, org.dept_a, f"Khác {i}", identity=identity) for i in range(3)]
    target = case_of(db_session, org.dept_a, text, identity=identity, decision_number="15/QĐ")
    found = likely_duplicates(db_session, target, org.head, limit=3)
    assert found[0].case.id == strong.id
    assert sorted(found[0].reasons) == sorted([SAME_IDENTITY, SAME_DECISION, SIMILAR_TEXT])
    assert len(found) == 3 and target.id not in {d.case.id for d in found}
    assert {d.case.id for d in found[1:]} <= {w.id for w in weak}


def test_only_cases_the_user_may_see(db_session, org):
    decision = {"decision_number": "79/QĐ-UBND"}
    elsewhere = case_of(db_session, org.dept_b, "Một", **decision)
    conflicted = case_of(db_session, org.dept_a, "Hai", **decision)
    db_session.add(CaseConflict(case_id=conflicted.id, user_id=org.intake.id, reason="accused"))
    db_session.flush()
    target = case_of(db_session, org.dept_a, "Ba", **decision)
    assert likely_duplicates(db_session, target, org.intake) == []
    assert set(reasons(likely_duplicates(db_session, target, org.inspector))) == {elsewhere.id, conflicted.id}


def test_split_parts_of_the_same_submission_are_not_duplicates(db_session, org):
    parent = case_of(db_session, org.dept_a, "Nhiều nội dung", identity={"id_number": "5"})
    child = make_case(db_session, unit=org.dept_a, submission=parent.submission, parent_id=parent.id)
    assert likely_duplicates(db_session, child, org.intake) == []


def test_same_sender_only_for_those_who_may_reveal_the_identity(db_session, org):
    identity = {"phone": "0909000111"}
    first = case_of(db_session, org.dept_a, "Một", identity=identity)
    second = case_of(db_session, org.dept_a, "Hai", identity=identity)
    # Intake officers, deputies, unassigned handlers and inspectors may not reveal: no link between reporters.
    for user in (org.intake, org.deputy, org.handler, org.inspector):
        assert likely_duplicates(db_session, second, user) == [], user.email
    assert reasons(likely_duplicates(db_session, second, org.head)) == {first.id: [SAME_IDENTITY]}
    # The handler assigned to this case only: the other case's reporter is not theirs to reveal.
    second.handler_id = org.handler.id
    db_session.flush()
    assert likely_duplicates(db_session, second, org.handler) == []
    first.handler_id = org.handler.id
    db_session.flush()
    assert reasons(likely_duplicates(db_session, second, org.handler)) == {first.id: [SAME_IDENTITY]}
