"""Password hashing with argon2id (memory-hard), the password policy, random passwords.

Hashing is capped: at most HASH_SLOTS argon2 computations run at once (each takes 64 MiB
and tens of milliseconds of a core), so a burst of logins queues instead of exhausting
memory; a request that waits longer than HASH_WAIT is refused as busy (429).
"""

from __future__ import annotations

import gzip
import os
import secrets
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from taskmaster.errors import InputError, RateLimited

MIN_LENGTH = 10
COMMON = Path(__file__).with_name("data") / "common-passwords.txt.gz"  # see data/README.md
HASH_SLOTS = max(2, min(8, (os.cpu_count() or 2) // 2))
HASH_WAIT = 10.0  # seconds a request may wait for a hashing slot
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3)
T = TypeVar("T")


class HashGate:
    """Lets at most `slots` hash computations run at once; RateLimited after `wait` s."""

    def __init__(self, slots: int, wait: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    def run(self, work: Callable[[], T]) -> T:
        if not self._slots.acquire(timeout=self.wait):
            raise RateLimited("the server is busy checking passwords; try again in a moment")
        try:
            return work()
        finally:
            self._slots.release()


GATE = HashGate(HASH_SLOTS, HASH_WAIT)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    with gzip.open(COMMON, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def check_password(password: str) -> None:
    """InputError if `password` is too short or one of the common passwords."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters")
    if password.strip().lower() in common_passwords():
        raise InputError("this password is on the list of commonly used passwords; choose another")


@cache
def _dummy() -> str:
    """Compared against when the user does not exist, so both paths cost the same time.

    Made on first use, not at import: a hash costs 64 MiB and tens of milliseconds, which
    every CLI command would pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of `password`; InputError if the policy refuses it."""
    check_password(password)
    return GATE.run(lambda: _hasher.hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the `stored` hash (None: always False, same cost)."""

    def verify() -> bool:
        try:
            return _hasher.verify(stored or _dummy(), password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return GATE.run(verify)


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)


def random_password() -> str:
    """A random password (about 120 bits), easy to copy from a terminal."""
    return secrets.token_urlsafe(15)
