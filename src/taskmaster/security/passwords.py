"""Password hashing with argon2id (memory-hard), and random passwords."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from taskmaster.errors import InputError

MIN_LENGTH = 10
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3)


@cache
def _dummy() -> str:
    """Compared against when the user does not exist, so both paths cost the same time.

    Made on first use, not at import: a hash costs 64 MiB and tens of milliseconds, which
    every CLI command would pay."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of `password`; InputError if it is too short."""
    if len(password) < MIN_LENGTH:
        raise InputError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the `stored` hash (None: always False, same cost)."""
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)


def random_password() -> str:
    """A random password (about 120 bits), easy to copy from a terminal."""
    return secrets.token_urlsafe(15)
