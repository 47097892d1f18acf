"""Likely duplicates of a case, shown to the intake officer before xử lý đơn (LEGAL.md §1.4).

A candidate is another case the user may see that shares the reporter's identity (ID number,
email or phone), the decision complained about, or the accused person, or whose text overlaps
strongly with this one (folded words). Identity values are compared in SQL and never returned:
the result names the reason ("same reporter"), not the person, and only to a user who may reveal the
identity of both cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.cases.access import may_reveal_identity, visible_cases_clause
from portal.cases.models import Case, ReporterIdentity, Submission
from portal.cases.text import fold

SAME_IDENTITY = "same_identity"
SAME_DECISION = "same_decision"
SAME_ACCUSED = "same_accused"
SIMILAR_TEXT = "similar_text"
REASONS = (SAME_IDENTITY, SAME_DECISION, SAME_ACCUSED, SIMILAR_TEXT)
REASON_LABELS = {
    SAME_IDENTITY: _l("Cùng người gửi (số giấy tờ, email hoặc điện thoại)"),
    SAME_DECISION: _l("Cùng quyết định bị khiếu nại"),
    SAME_ACCUSED: _l("Cùng người bị tố cáo"),
    SIMILAR_TEXT: _l("Nội dung tương tự"),
}

SIMILARITY = 0.5  # share of distinct words in common (Jaccard) above which texts are "similar"
TEXT_CANDIDATES = 200  # recent cases sharing rare words whose text is compared
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Duplicate:
    """A case that may be the same matter, and why."""

    case: Case
    reasons: list[str] = field(default_factory=list)


def words_of(text: str | None) -> set[str]:
    """Distinct folded words of a text (the unit of the similarity measure)."""
    return set(_WORD.findall(fold(text)))


def similarity(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two word sets."""
    return len(a & b) / len(a | b) if a and b else 0.0


def _normalise_phone(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _identity_conditions(identity: ReporterIdentity | None) -> list[ColumnElement[bool]]:
    if identity is None:
        return []
    conditions: list[ColumnElement[bool]] = []
    if identity.id_number and identity.id_number.strip():
        conditions.append(ReporterIdentity.id_number == identity.id_number.strip())
    if identity.email and identity.email.strip():
        conditions.append(func.lower(ReporterIdentity.email) == identity.email.strip().lower())
    if _normalise_phone(identity.phone):
        conditions.append(ReporterIdentity.phone == identity.phone)
    return conditions


def _cases_matching(session: Session, base: list[ColumnElement[bool]], condition: ColumnElement[bool],
                    limit: int) -> list[Case]:
    stmt = (select(Case).join(Submission, Submission.id == Case.submission_id).where(*base, condition)
            .order_by(Case.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def _text_candidates(session: Session, base: list[ColumnElement[bool]], words: set[str]) -> list[tuple[Case, str]]:
    from portal.backoffice.search import matching_submissions

    # The longest words are the least common ones in Vietnamese (mostly one-syllable words).
    probe = " ".join(sorted(words, key=lambda w: (-len(w), w))[:6])
    condition = matching_submissions(session, probe, mode="any")
    if condition is None:
        return []
    stmt = (select(Case, Submission.search_text).join(Submission, Submission.id == Case.submission_id)
            .where(*base, Submission.id.in_(select(Submission.id).where(condition)))
            .order_by(Case.id.desc()).limit(TEXT_CANDIDATES))
    return [(case, text) for case, text in session.execute(stmt).all()]


def likely_duplicates(session: Session, case: Case, user: User, limit: int = 10) -> list[Duplicate]:
    """Cases ``user`` may see that are likely the same matter as ``case``, strongest first."""
    submission = session.get(Submission, case.submission_id)
    if submission is None:
        return []
    base = [visible_cases_clause(session, user), Case.id != case.id, Case.submission_id != submission.id]
    found: dict[int, Duplicate] = {}

    def add(cases: list[Case], reason: str) -> None:
        for other in cases:
            entry = found.setdefault(other.id, Duplicate(other))
            if reason not in entry.reasons:
                entry.reasons.append(reason)

    per_reason = max(limit * 5, 50)  # enough candidates per reason for the ranking to find the strongest
    # "Same sender" links reporters: only for someone who may reveal the identity of this case and of
    # the other one (the assigned handler, the responsible head).
    identity = _identity_conditions(submission.identity) if may_reveal_identity(session, user, case) else []
    if identity:
        stmt_condition = Submission.id.in_(select(ReporterIdentity.submission_id).where(or_(*identity)))
        add([other for other in _cases_matching(session, base, stmt_condition, per_reason)
             if may_reveal_identity(session, user, other)], SAME_IDENTITY)
    if submission.decision_number and submission.decision_number.strip():
        number = submission.decision_number.strip()
        add(_cases_matching(session, base, Submission.decision_number == number, per_reason), SAME_DECISION)
    if submission.accused_name and submission.accused_name.strip():
        accused = Submission.accused_name == submission.accused_name.strip()
        add(_cases_matching(session, base, accused, per_reason), SAME_ACCUSED)
    words = words_of(submission.search_text or f"{submission.title} {submission.content}")
    if words:
        add([other for other, text in _text_candidates(session, base, words)
             if similarity(words, words_of(text)) >= SIMILARITY], SIMILAR_TEXT)
    ranked = sorted(found.values(), key=lambda d: (-len(d.reasons), -d.case.id))
    return ranked[:limit]
