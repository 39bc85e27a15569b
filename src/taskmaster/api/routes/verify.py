"""The verify station's JSON API under /api/v1/verify (operators: Perm.EDIT).

POST /next                         take the next batch needing review (204: none)
POST /batches/{id}/take|renew|release
POST /batches/{id}/leave           release from a closing page (sendBeacon: the CSRF
                                   token in a form field, the session cookie)
GET  /batches/{id}                 the documents of a held batch that need review
POST /documents/{id}/check         validate an entry while it is typed (no change)
POST /documents/{id}/submit        apply entries; 422 with per-field problems if invalid
POST /documents/{id}/reidentify    "not this form": the document becomes rejected;
                                   with {"type", "app"?}: read it as that type
POST /pages/{id}/rotate            turn a page; its batch is identified again
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from taskmaster.api import background
from taskmaster.api.deps import DB, Editor, Svc, authenticated_beacon
from taskmaster.api.errors import error_response
from taskmaster.api.schemas import AssignIn, RowId
from taskmaster.errors import Forbidden, InputError
from taskmaster.pipeline.verify import lease, reread, review
from taskmaster.security.access import audit_read
from taskmaster.security.roles import Perm

router = APIRouter(prefix="/api/v1/verify", tags=["verify"])


class LeaseOut(BaseModel):
    batch: str
    owner: str
    until: str


class CheckIn(BaseModel):
    field: str
    entry: Any = None


class FieldEdit(BaseModel):
    """A field the operator edited (`value`) or explicitly accepted (no `value`)."""

    value: Any = None
    override: bool = False
    touched: bool = False  # accepted by older clients; every field sent counts as touched


class SubmitIn(BaseModel):
    fields: dict[str, FieldEdit] = {}


class RotateIn(BaseModel):
    quarter_turns: int = Field(1, ge=-3, le=3)


def _lease_out(taken: lease.Lease) -> LeaseOut:
    return LeaseOut(batch=taken.batch_id, owner=taken.owner, until=taken.until.isoformat())


@router.post("/next", response_model=LeaseOut, responses={204: {"description": "none"}})
def take_next(svc: Svc, who: Editor) -> Any:
    """Take (or keep) a batch that needs review; 204 when the queue is empty."""
    taken = lease.take_next(svc.db, who.name)
    return Response(status_code=204) if taken is None else _lease_out(taken)


@router.post("/batches/{batch_id}/take", response_model=LeaseOut)
def take(batch_id: str, svc: Svc, who: Editor) -> LeaseOut:
    """Hold this batch for review; 409 if another operator holds it."""
    return _lease_out(lease.take(svc.db, batch_id, who.name))


@router.post("/batches/{batch_id}/renew", response_model=LeaseOut)
def renew(batch_id: str, svc: Svc, who: Editor) -> LeaseOut:
    """Keep holding the batch (the station calls this while it is open)."""
    return _lease_out(lease.renew(svc.db, batch_id, who.name))


@router.post("/batches/{batch_id}/release", status_code=204, response_class=Response)
def release(batch_id: str, svc: Svc, who: Editor) -> Response:
    """Give the batch back to the queue."""
    lease.release(svc.db, batch_id, who.name)
    return Response(status_code=204)


@router.get("/batches/{batch_id}")
def batch(batch_id: str, svc: Svc, who: Editor, session: DB) -> dict[str, Any]:
    """The held batch's documents that need review, fields needing review first."""
    view = review.batch_view(svc, batch_id, who.name)
    audit_read(session, who, "batch.read", batch_id=batch_id, detail="verify batch view")
    return view


@router.post("/documents/{document_id}/check")
def check(document_id: str, body: CheckIn, svc: Svc, who: Editor) -> dict[str, Any]:
    """The canonical value of an entry and its problems; nothing is saved."""
    return review.check_entry(svc, document_id, body.field, body.entry)


@router.post("/documents/{document_id}/submit")
def submit(document_id: str, body: SubmitIn, request: Request, svc: Svc, who: Editor) -> Any:
    """Apply the entries; the document is done when every field is ok (else 422)."""
    edits = {k: v.model_dump(exclude_unset=True) for k, v in body.fields.items()}
    done = review.submit_document(svc, document_id, edits, who.name)
    if not done.ok:
        return error_response(
            422,
            "invalid_fields",
            f"{len(done.problems)} field(s) need a valid value or an override",
            fields=done.problems,
        )
    if done.batch_released:
        background.notify(request)
    return {"status": done.status, "batch_released": done.batch_released}


# The beacon's form, declared by hand: the route reads it itself (its CSRF token is
# checked with the session, as no header can carry it).
_LEAVE_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["csrf", "until"],
                    "properties": {
                        "csrf": {"type": "string"},
                        "until": {"type": "string", "format": "date-time"},
                    },
                }
            }
        },
    },
    "security": [{"bearer": []}, {"session": []}],
}


@router.post(
    "/batches/{batch_id}/leave", status_code=204, response_class=Response, openapi_extra=_LEAVE_FORM
)
async def leave(batch_id: str, request: Request, svc: Svc) -> Response:
    """Give the batch back from a page being closed (`navigator.sendBeacon`).

    A beacon cannot set headers, so the CSRF token comes as the form field `csrf`; the
    session cookie authenticates as for every other route.
    """
    form = await request.form()
    who = authenticated_beacon(request, svc, str(form.get("csrf") or ""))
    if "csrf" not in form:  # required as documented, also where a token authenticates
        raise InputError("`csrf`: the session's CSRF token is a required form field")
    if not who.can(Perm.EDIT):
        raise Forbidden(f"role {who.role!r} may not do this (needs 'edit')")
    try:
        until = datetime.fromisoformat(str(form.get("until") or ""))
    except ValueError as exc:
        raise InputError("`until`: the ISO-8601 end of the lease this page held") from exc
    lease.release(svc.db, batch_id, who.name, until=until)
    return Response(status_code=204)


@router.post("/documents/{document_id}/reidentify")
def reidentify(
    document_id: str, request: Request, svc: Svc, who: Editor, body: AssignIn | None = None
) -> dict[str, Any]:
    """'Not this form': reject the document instead of forcing it onto the form.

    With a body, the document is read as that document type instead (its batch goes
    back to recognize; it comes back for review if it needs it).
    """
    if body is not None:
        lease.require(svc.db, review.batch_of(svc, document_id), who.name)
        app = body.app or review.app_of(svc, document_id)
        status = reread.assign(svc, document_id, who.name, app, body.type)
        background.notify(request)
        return {"status": status, "batch_released": True}
    done = reread.reidentify(svc, document_id, who.name)
    if done.batch_released:
        background.notify(request)
    return {"status": done.status, "batch_released": done.batch_released}


@router.post("/pages/{page_id}/rotate", status_code=202)
def rotate(
    page_id: RowId, body: RotateIn, request: Request, svc: Svc, who: Editor
) -> dict[str, Any]:
    """Turn the page clockwise; the batch is identified and read again (202)."""
    reread.rotate_page(svc, page_id, who.name, body.quarter_turns)
    background.notify(request)
    return {"status": "pending"}
