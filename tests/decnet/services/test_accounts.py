"""The one parser of configured service accounts."""

from __future__ import annotations

import re

import pytest

from decnet.services.accounts import ANY_PASSWORD, MAX_USERS, check_password, parse_users


def test_forms_are_equivalent() -> None:
    expected = {"alice": "s3cret", "bob": ANY_PASSWORD}
    assert parse_users("alice:s3cret, bob:*") == expected
    assert parse_users(["alice:s3cret", "bob:*"]) == expected
    assert parse_users({"alice": "s3cret", "bob": "*"}) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("alice", "is not 'user:password'"),
        ("alice:", "must be 1-128"),
        ("al ice:x", "invalid user name"),
        ("alice:x, alice:y", "listed twice"),
        ("alice:\x01", "printable"),
        (42, "users must be"),
        (",".join(f"u{i}:p" for i in range(MAX_USERS + 1)), "at most"),
    ],
)
def test_bad_values_name_the_problem(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_users(value)


def test_each_service_passes_its_own_name_rule() -> None:
    strict = re.compile(r"[a-z]{1,8}")
    assert parse_users("root:x", strict) == {"root": "x"}
    with pytest.raises(ValueError, match="invalid user name"):
        parse_users("Admin:x", strict)


def test_check_password() -> None:
    users = {"alice": "s3cret", "bob": ANY_PASSWORD}
    assert check_password(users, "alice", "s3cret") and not check_password(users, "alice", "nope")
    assert check_password(users, "bob", "anything") and not check_password(users, "carol", "x")
