"""Tracking codes and secrets: readable, unambiguous, random enough, compared in constant time."""

from __future__ import annotations

import math

from portal.cases.models import SubmissionKind
from portal.intake.codes import (
    CODE_ALPHABET,
    SECRET_ALPHABET,
    hash_secret,
    new_code,
    new_secret,
    normalize_code,
    secret_matches,
)

KEY = "k" * 40


def test_codes_carry_the_kind_and_avoid_look_alike_characters():
    prefixes = {SubmissionKind.COMPLAINT: "KN-", SubmissionKind.DENUNCIATION: "TC-",
                SubmissionKind.PETITION: "KI-", SubmissionKind.FEEDBACK: "PA-"}
    for kind, prefix in prefixes.items():
        code = new_code(kind)
        assert code.startswith(prefix) and len(code) == 12
        assert set(code[3:].replace("-", "")) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert len({new_code(SubmissionKind.FEEDBACK) for _ in range(500)}) == 500


def test_codes_are_normalised_from_what_people_type():
    assert normalize_code(" kn 7q4m x9kd ") == "KN-7Q4M-X9KD"
    assert normalize_code("KN7Q4MX9KD") == "KN-7Q4M-X9KD"
    for bad in ("", None, "KN-7Q4M", "XX-7Q4M-X9KD", "KN-0O1I-LLLL", "KN-7Q4M-X9KD-EXTRA"):
        assert normalize_code(bad) is None


def test_secrets_have_at_least_80_random_bits():
    secret = new_secret()
    groups = secret.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert len(SECRET_ALPHABET) == 32 and 20 * math.log2(len(SECRET_ALPHABET)) >= 80
    assert len({new_secret() for _ in range(500)}) == 500


def test_secret_comparison_forgives_case_separators_and_look_alikes():
    stored = hash_secret(KEY, "0ABCD-1EFGH-JKMNP-QRSTV")
    assert secret_matches(KEY, "oabcd 1efgh jkmnp qrstv", stored)
    assert secret_matches(KEY, "0ABCDIEFGHJKMNPQRSTV", stored)  # I read as 1
    assert not secret_matches(KEY, "0ABCD-1EFGH-JKMNP-QRSTW", stored)
    assert not secret_matches(KEY, "", stored)
    assert not secret_matches(KEY, "0ABCD-1EFGH-JKMNP-QRSTV", None)
    assert not secret_matches("other" * 8, "0ABCD-1EFGH-JKMNP-QRSTV", stored)  # keyed with the server secret
