"""The four roles and their permissions.

admin > operator > scanner, viewer: scanner and viewer are siblings (one uploads, the
other reads), so a role is a set of permissions rather than a rank. A token may carry a
role only if its user's role has every permission of it.
"""

from __future__ import annotations

from enum import StrEnum

from taskmaster.errors import InputError


class Perm(StrEnum):
    """One thing a request may need to be allowed."""

    READ = "read"  # batches, documents, fields, page images, exports, apps
    READ_OWN = "read_own"  # status of the batches one uploaded
    UPLOAD = "upload"  # create batches
    EDIT = "edit"  # change and verify field values, cancel batches
    ADMIN = "admin"  # users, tokens, audit log, delete batches


ROLES: dict[str, frozenset[Perm]] = {
    "viewer": frozenset({Perm.READ, Perm.READ_OWN}),
    "scanner": frozenset({Perm.UPLOAD, Perm.READ_OWN}),
    "operator": frozenset({Perm.READ, Perm.READ_OWN, Perm.UPLOAD, Perm.EDIT}),
    "admin": frozenset(Perm),
}


def check_role(role: str) -> str:
    """`role` if it is one of ROLES; InputError naming the known ones otherwise."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    return role


def allows(role: str, perm: Perm) -> bool:
    """Whether `role` has `perm` (an unknown role has nothing)."""
    return perm in ROLES.get(role, frozenset())


def covers(user_role: str, token_role: str) -> bool:
    """Whether a user of `user_role` may hold a token of `token_role` (unknown: never)."""
    if token_role not in ROLES or user_role not in ROLES:
        return False
    return ROLES[token_role] <= ROLES[user_role]
