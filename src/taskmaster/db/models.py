"""Tables of the document hierarchy, the workflow and security.

Batch -> Document -> Page -> Field, plus the input files of a batch, the tasks of its
workflow, the audit log of every field change, users and API tokens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from taskmaster.db.status import (
    BatchStatus,
    DocumentStatus,
    FieldStatus,
    FileStatus,
    TaskStatus,
)

MAX_ID = 2**31 - 1  # integer keys are 32-bit on PostgreSQL: larger ids are a 422, not a 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Short, unguessable, prefixed ids: `b-3f9a1c2e4d5b`."""
    return f"{prefix}-{secrets.token_hex(6)}"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Batch(Base):
    """A unit of work: files submitted together, processed through one workflow."""

    __tablename__ = "batches"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("b"))
    apps: Mapped[list[Any]] = mapped_column(JSON)  # application names
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.PENDING, index=True)
    task: Mapped[str | None] = mapped_column(String(16))  # current or next workflow task
    priority: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String(16), default="api")  # api|cli|hotfolder|ui
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The verify operator holding the batch (the worker queue's lease is separate).
    review_owner: Mapped[str | None] = mapped_column(String(64))
    review_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    files: Mapped[list[InputFile]] = relationship(
        back_populates="batch", order_by="InputFile.seq", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="batch", order_by="Document.seq", cascade="all, delete-orphan"
    )
    pages: Mapped[list[Page]] = relationship(
        back_populates="batch", order_by="Page.seq", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="batch", order_by="Task.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_batches_queue", "status", "priority", "created_at"),)


class InputFile(Base):
    """A file as submitted; kept under the data directory until the batch is deleted."""

    __tablename__ = "files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(Text)  # relative to the data directory
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=FileStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[Batch] = relationship(back_populates="files")


class Document(Base):
    """Pages that belong together, of one document type (or none: rejected)."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("d"))
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    app: Mapped[str | None] = mapped_column(String(64))
    app_version: Mapped[int | None] = mapped_column(Integer)  # the version it was read with
    type: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.PENDING, index=True)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)  # why it failed, when it did
    reason: Mapped[str | None] = mapped_column(Text)  # why it is rejected, when it is
    # When the document or its fields last changed (pollers ask `since=`).
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)  # 1 at first export, +1 a fix
    # Would have gone straight through; sent to verify to keep measuring the error.
    qa_sample: Mapped[bool] = mapped_column(default=False, server_default=false())
    batch: Mapped[Batch] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(back_populates="document", order_by="Page.number")
    fields: Mapped[list[FieldValue]] = relationship(
        back_populates="document", order_by="FieldValue.position", cascade="all, delete-orphan"
    )


class Page(Base):
    """One page image; `image` is the stored (deskewed, registered) image the API serves."""

    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # order in the batch
    number: Mapped[int | None] = mapped_column(Integer)  # 1-based within its document
    source: Mapped[str] = mapped_column(String(300))  # "<file name>#<index>"
    page_index: Mapped[int] = mapped_column(
        Integer,
        default=0,  # 1-based in its file
        server_default="0",
    )
    image: Mapped[str] = mapped_column(Text)  # path relative to the data dir
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    dpi: Mapped[float] = mapped_column(Float, default=300.0)
    source_dpi: Mapped[float] = mapped_column(Float, default=300.0)  # as decoded
    skew: Mapped[float] = mapped_column(Float, default=0.0)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    blank: Mapped[bool] = mapped_column(default=False)
    app: Mapped[str | None] = mapped_column(String(64))
    type: Mapped[str | None] = mapped_column(String(64))
    match_score: Mapped[float | None] = mapped_column(Float)
    words: Mapped[list[Any] | None] = mapped_column(JSON)  # full-page OCR, when done
    batch: Mapped[Batch] = relationship(back_populates="pages")
    document: Mapped[Document | None] = relationship(back_populates="pages")


class FieldValue(Base):
    """A field of a document: value, raw text, confidence, status, source, zone."""

    __tablename__ = "fields"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    page: Mapped[int | None] = mapped_column(Integer)  # page number in the document
    bbox: Mapped[list[Any] | None] = mapped_column(JSON)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    raw: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    char_confidences: Mapped[list[Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=FieldStatus.NEEDS_REVIEW)
    source: Mapped[str] = mapped_column(String(16), default="ocr")
    messages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    override: Mapped[bool] = mapped_column(default=False)  # accepted as is by a human
    # The machine's reading as recognised, and validate's verdict on it: never written by
    # a human edit, so calibration can compare it with what the operator kept.
    machine_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    machine_score: Mapped[float | None] = mapped_column(Float)
    machine_source: Mapped[str | None] = mapped_column(String(16))
    machine_status: Mapped[str | None] = mapped_column(String(16))
    # How the field's document was filled in, as the readers judged its form pages
    # ("typed" | "hand"; None: not judged, a layout page): calibration certifies each apart.
    machine_style: Mapped[str | None] = mapped_column(String(8))
    document: Mapped[Document] = relationship(back_populates="fields")


class Task(Base):
    """One run of one workflow step of a batch; every transition is recorded here."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.RUNNING)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    worker: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[Batch] = relationship(back_populates="tasks")


class AuditEntry(Base):
    """Who changed what, when: every field change and every administrative action."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # user name, or "system:<task>"
    action: Mapped[str] = mapped_column(String(32))  # field.set, field.verify, user.add, ...
    batch_id: Mapped[str | None] = mapped_column(String(32), index=True)
    document_id: Mapped[str | None] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(64))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # admin|operator|scanner|viewer
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bound into every session cookie; logging out raises it, ending the session.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A generated (printed) password: browser sessions may only change it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")


class LoginFailure(Base):
    """Login attempts of one user name from one client address in the current window.

    The slot is taken (attempts + 1, in SQL) before the password is checked, so parallel
    guesses cannot all pass the check; a success deletes the row. Keyed by the name as
    typed, so an unknown user is throttled exactly like a known one.
    """

    __tablename__ = "login_failures"
    user_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class ApiToken(Base):
    """An API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64), default="")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExportRecord(Base):
    """One delivery of one document to one export: makes exports exactly-once."""

    __tablename__ = "exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    exporter: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (Index("ux_exports_once", "document_id", "exporter", unique=True),)


class Worker(Base):
    """A worker process as it last reported itself: the dashboard's view of who does what.

    Each `taskmaster worker` upserts its row every few seconds; a row whose heartbeat is
    old belongs to a worker that stopped or died.
    """

    __tablename__ = "workers"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)  # host:pid
    host: Mapped[str] = mapped_column(String(128))
    pid: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="procrastinate")
    status: Mapped[str] = mapped_column(String(16), default="idle")  # idle|busy|stopping|stopped
    batch_id: Mapped[str | None] = mapped_column(String(32))  # the batch in hand
    task: Mapped[str | None] = mapped_column(String(16))  # its stage when it was taken
    jobs_done: Mapped[int] = mapped_column(Integer, default=0)
    jobs_failed: Mapped[int] = mapped_column(Integer, default=0)
    metrics_url: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
