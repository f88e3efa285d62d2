"""The login rate limiter, the revocation list and role ordering, with a fake clock."""

from __future__ import annotations

import pytest

from decnet.web.auth import InMemoryRevocations, LoginRateLimiter, TokenRevocations, role_allows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_block_the_address_and_the_username() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(5, 300, clock=clock)
    for _ in range(4):
        limiter.record_failure("192.0.2.1", "alice")
        assert limiter.retry_after("192.0.2.1", "alice") is None
    limiter.record_failure("192.0.2.1", "alice")
    assert limiter.retry_after("192.0.2.1", "alice") == 300
    assert limiter.retry_after("192.0.2.1", "bob") == 300  # same address
    assert limiter.retry_after("192.0.2.99", "alice") == 300  # same username
    assert limiter.retry_after("192.0.2.99", "bob") is None
    clock.now += 120
    assert limiter.retry_after("192.0.2.1", "alice") == 180
    clock.now += 180
    assert limiter.retry_after("192.0.2.1", "alice") is None


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(3, 60, clock=clock)
    for _ in range(3):
        limiter.record_failure("a", "u")
        clock.now += 10
    assert limiter.retry_after("a", "u") == 30  # the oldest of the three leaves the window at +60
    clock.now += 30
    assert limiter.retry_after("a", "u") is None
    limiter.record_failure("a", "u")
    assert limiter.retry_after("a", "u") == 10


def test_success_resets_the_username_but_not_the_address() -> None:
    limiter = LoginRateLimiter(2, 60, clock=Clock())
    limiter.record_failure("a", "u")
    limiter.record_failure("a", "u")
    limiter.reset_user("u")
    assert limiter.retry_after("b", "u") is None
    assert limiter.retry_after("a", "v") is not None


def test_keys_are_bounded() -> None:
    limiter = LoginRateLimiter(1, 60, max_keys=10, clock=Clock())
    for i in range(100):
        limiter.record_failure(f"ip{i}", f"user{i}")
    assert len(limiter._by_ip) == 10 and len(limiter._by_user) == 10
    assert limiter.retry_after("ip99", "x") is not None
    assert limiter.retry_after("ip0", "user0") is None  # forgotten first


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        LoginRateLimiter(0, 60)
    with pytest.raises(ValueError):
        LoginRateLimiter(5, 0)


async def test_revocations_last_until_expiry() -> None:
    clock = Clock()
    revoked = InMemoryRevocations(clock)
    assert isinstance(revoked, TokenRevocations)
    await revoked.revoke("j1", clock.now + 10)
    assert await revoked.is_revoked("j1")
    assert not await revoked.is_revoked("j2")
    clock.now += 11
    await revoked.revoke("j2", clock.now + 10)  # prunes expired entries
    assert len(revoked) == 1
    assert not await revoked.is_revoked("j1")


def test_roles_are_ordered() -> None:
    assert role_allows("admin", "viewer") and role_allows("admin", "admin")
    assert role_allows("viewer", "viewer") and not role_allows("viewer", "admin")
    assert not role_allows("root", "viewer")
