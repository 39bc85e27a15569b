"""Request and response models: they make the OpenAPI document precise."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from taskmaster.db.models import MAX_ID

BatchStatus = Literal["pending", "running", "needs_review", "done", "failed", "cancelled"]
Role = Literal["admin", "operator", "scanner", "viewer"]
Scalar = str | bool | int | float | None
MAX_OFFSET = 10**9  # paging offsets stay inside a 64-bit SQL integer
MAX_PAGE_NUMBER = 100_000
# Integer path parameters, bounded so that no number reaches SQL unchecked.
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Path(ge=1, le=MAX_PAGE_NUMBER)]


def _utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


Time = Annotated[datetime, AfterValidator(_utc)]


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable, e.g. `corrupt_file`, `not_found`.")
    message: str


class ErrorBody(BaseModel):
    """Every error answer has this shape."""

    error: ErrorDetail


class Status(BaseModel):
    status: str
    database: str | None = None


# --- batches -------------------------------------------------------------------------


class FileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    size: int
    sha256: str
    status: str
    error: str | None


class TaskOut(BaseModel):
    """One run of one workflow step."""

    model_config = ConfigDict(from_attributes=True)
    name: str
    status: str
    attempt: int
    progress: float
    worker: str | None
    started_at: Time
    finished_at: Time | None
    error: str | None


class BatchOut(BaseModel):
    id: str
    apps: list[str]
    status: BatchStatus
    task: str | None = Field(description="The workflow step running now or next.")
    priority: int
    origin: str
    created_by: str | None
    created_at: Time
    updated_at: Time
    error: str | None
    progress: float = Field(description="Share of the workflow's steps done, 0-1.")
    pages: int
    documents: int
    files: list[FileOut]
    tasks: list[TaskOut]


class BatchPage(BaseModel):
    items: list[BatchOut]
    total: int


# --- documents -----------------------------------------------------------------------


class PageRef(BaseModel):
    number: int | None
    source: str
    type: str | None


class FieldResult(BaseModel):
    value: Any = None
    confidence: float
    status: str
    page: int | None
    bbox: list[int | float] | None
    source: str
    messages: list[str]


class DocumentResult(BaseModel):
    """One document in the contract shape of BRIEF.md."""

    document: str
    batch: str
    app: str | None
    type: str | None
    status: str
    error: str | None = Field(None, description="Why the document failed (status failed).")
    qa_sample: bool = Field(
        False,
        description="Would have gone straight through; sent to "
        "verify as a QA sample (docs/calibration.md).",
    )
    pages: list[PageRef]
    fields: dict[str, FieldResult]


DocumentStatus = Literal["pending", "needs_review", "done", "rejected", "failed"]


class DocumentItem(DocumentResult):
    """A document in a list: its result, why it is rejected, when it changed, its version."""

    reason: str | None = Field(None, description="Why the document is rejected.")
    updated_at: Time | None = Field(None, description="When it or its fields last changed.")
    exported_at: Time | None = None
    version: int = Field(description="Deliveries to the exports: 1 at first, +1 a correction.")


class DocumentPage(BaseModel):
    items: list[DocumentItem]
    total: int


class AssignIn(BaseModel):
    """Read a document as this document type from now on."""

    model_config = ConfigDict(extra="forbid")
    type: str = Field(max_length=64, description="A document type of the application.")
    app: str | None = Field(
        None, max_length=64, description="The application; by default the batch's first."
    )


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: Time
    actor: str
    action: str
    batch_id: str | None
    document_id: str | None
    field: str | None
    old: Any = None
    new: Any = None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditOut]
    total: int


class FieldDetail(BaseModel):
    """A field with everything the verify station needs, and its history."""

    name: str
    kind: str
    type: str
    value: Any = None
    raw: str | None
    confidence: float
    status: str
    source: str
    page: int | None
    bbox: list[int | float] | None
    messages: list[str]
    override: bool
    history: list[AuditOut]


class FieldPatch(BaseModel):
    """Set a field's value, read as typed at the verify station (source becomes `human`),
    and/or accept it as is."""

    model_config = ConfigDict(extra="forbid")
    value: Scalar = Field(
        None,
        description="New value, as an operator types it (a date "
        "in the form's order or ISO); leave out to keep the current one.",
    )
    override: bool = Field(False, description="Accept the value although it fails a rule.")


# --- applications --------------------------------------------------------------------


class AppSummary(BaseModel):
    name: str
    version: int
    title: str
    document_types: list[str]


class AppDetail(AppSummary):
    definition: dict[str, Any] = Field(description="The application as loaded from its YAML.")


# --- users, tokens, sessions ---------------------------------------------------------


class UserOut(BaseModel):
    id: int
    name: str
    role: Role
    active: bool
    locked: bool
    created_at: Time


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    role: Role
    password: str = Field(min_length=10, max_length=1024)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(None, min_length=10, max_length=1024)


class TokenOut(BaseModel):
    id: int
    user: str
    name: str
    prefix: str
    role: Role
    created_at: Time
    revoked_at: Time | None
    last_used_at: Time | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself; shown only in this answer.")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=64)
    role: Role
    name: str = Field("", max_length=64)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)


class Me(BaseModel):
    user: str
    role: Role
    via: Literal["token", "session"]
    csrf_token: str | None = Field(None, description="Echo in X-CSRF-Token (sessions only).")
    must_change_password: bool = Field(
        False, description="A printed first password: change it before anything else."
    )


# Every route may answer these; declared once on the app so the OpenAPI document says so.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Malformed request."),
        (401, "No, invalid or revoked credentials."),
        (403, "The role does not allow this, or the CSRF header is missing."),
        (404, "Not found."),
        (409, "Conflicts with the current state (e.g. the batch is running)."),
        (422, "Invalid request, or an input file that cannot be processed."),
        (429, "Too many failed logins."),
    )
}
