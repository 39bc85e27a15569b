"""Users and API tokens (admin only)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from taskmaster.api.deps import DB, Admin
from taskmaster.api.schemas import (
    ErrorBody,
    RowId,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserPatch,
)
from taskmaster.db.models import ApiToken, AuditEntry, User
from taskmaster.errors import Conflict, NotFound
from taskmaster.security.accounts import add_user, get_user, set_password
from taskmaster.security.ratelimit import locked_out
from taskmaster.security.roles import check_role
from taskmaster.security.tokens import create_token, revoke_token

router = APIRouter(
    prefix="/api/v1",
    tags=["users"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


def user_out(session: Session, user: User) -> UserOut:
    locked = locked_out(session, user.name)
    return UserOut.model_validate(
        {
            "id": user.id,
            "name": user.name,
            "role": user.role,
            "active": user.active,
            "locked": locked,
            "created_at": user.created_at,
        }
    )


def token_out(session: Session, row: ApiToken) -> dict[str, object]:
    user = session.get(User, row.user_id)
    return {
        "id": row.id,
        "user": user.name if user else "?",
        "name": row.name,
        "prefix": row.prefix,
        "role": row.role,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "last_used_at": row.last_used_at,
    }


@router.get("/users", response_model=list[UserOut])
def list_users(_: Admin, session: DB) -> list[UserOut]:
    """Every user."""
    return [user_out(session, u) for u in session.scalars(select(User).order_by(User.name))]


@router.post(
    "/users",
    status_code=201,
    response_model=UserOut,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def create_user(body: UserCreate, principal: Admin, session: DB) -> UserOut:
    """Add a user."""
    user = add_user(session, body.name, body.role, body.password, actor=principal.name)
    session.commit()
    return user_out(session, user)


@router.get("/users/{name}", response_model=UserOut, responses={404: {"model": ErrorBody}})
def read_user(name: str, _: Admin, session: DB) -> UserOut:
    return user_out(session, get_user(session, name))


@router.patch(
    "/users/{name}",
    response_model=UserOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def update_user(name: str, body: UserPatch, principal: Admin, session: DB) -> UserOut:
    """Change a user's role, active flag or password (which ends their sessions)."""
    user = get_user(session, name)
    if user.id == principal.user_id and (
        body.active is False or (body.role and body.role != "admin")
    ):
        raise Conflict("an admin cannot demote or deactivate themselves")
    if body.role is not None:
        session.add(
            AuditEntry(
                actor=principal.name,
                action="user.role",
                old=user.role,
                new=check_role(body.role),
                detail=name,
            )
        )
        user.role = body.role
    if body.active is not None:
        user.active = body.active
        session.add(
            AuditEntry(actor=principal.name, action="user.active", new=body.active, detail=name)
        )
    if body.password is not None:
        set_password(session, user, body.password, actor=principal.name)
    session.commit()
    return user_out(session, user)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(_: Admin, session: DB) -> list[TokenOut]:
    """Every token (never the token itself: only its prefix)."""
    rows = session.scalars(select(ApiToken).order_by(ApiToken.id))
    return [TokenOut.model_validate(token_out(session, r)) for r in rows]


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenCreated,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def new_token(body: TokenCreate, principal: Admin, session: DB) -> TokenCreated:
    """Create a token for a user; its role may not exceed the user's. Shown once."""
    token, row = create_token(session, get_user(session, body.user), body.role, body.name)
    session.add(
        AuditEntry(
            actor=principal.name,
            action="token.create",
            detail=f"{row.prefix} for {body.user} ({body.role})",
        )
    )
    session.commit()
    return TokenCreated.model_validate({**token_out(session, row), "token": token})


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody}},
)
def revoke(token_id: RowId, principal: Admin, session: DB) -> Response:
    """Revoke a token (idempotent)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    revoke_token(session, row)
    session.add(AuditEntry(actor=principal.name, action="token.revoke", detail=row.prefix))
    session.commit()
    return Response(status_code=204)
