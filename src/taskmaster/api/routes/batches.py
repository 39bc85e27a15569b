"""Batches: upload (create), list, get with per-task progress, cancel, delete, results."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, selectinload

from taskmaster.api import background
from taskmaster.api.deps import DB, Admin, Editor, OwnReader, Reader, Svc, Uploader
from taskmaster.api.exports import export_response
from taskmaster.api.schemas import (
    MAX_OFFSET,
    BatchOut,
    BatchPage,
    BatchStatus,
    DocumentResult,
    ErrorBody,
)
from taskmaster.api.uploads import MAX_FILES, check_upload
from taskmaster.db import status as st
from taskmaster.db.keys import files_tree, pages_tree
from taskmaster.db.models import AuditEntry, Batch, Document, Page, new_id
from taskmaster.errors import Conflict, InputError, LimitExceeded, NotFound, UnsupportedFormat
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.stages import STAGE_NAMES
from taskmaster.pipeline.submit import create_batch
from taskmaster.security.access import audit_read
from taskmaster.security.principal import Principal
from taskmaster.security.roles import Perm

router = APIRouter(
    prefix="/api/v1/batches",
    tags=["batches"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


def batch_out(session: Session, batch: Batch) -> BatchOut:
    """A batch with its files, counts and the Task rows of its workflow."""
    pages = session.scalar(select(func.count()).where(Page.batch_id == batch.id)) or 0
    docs = session.scalar(select(func.count()).where(Document.batch_id == batch.id)) or 0
    done = {t.name for t in batch.tasks if t.status == st.TaskStatus.DONE}
    progress = (
        1.0
        if batch.status == st.BatchStatus.DONE
        else len(done & set(STAGE_NAMES)) / len(STAGE_NAMES)
    )
    return BatchOut.model_validate(
        {
            **{
                k: getattr(batch, k)
                for k in (
                    "id",
                    "apps",
                    "status",
                    "task",
                    "priority",
                    "origin",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "error",
                )
            },
            "progress": round(progress, 3),
            "pages": pages,
            "documents": docs,
            "files": batch.files,
            "tasks": batch.tasks,
        },
        from_attributes=True,
    )


def visible_batch(session: Session, batch_id: str, principal: Principal) -> Batch:
    """The batch if this caller may see it (a scanner sees only its own); NotFound else."""
    batch = session.get(Batch, batch_id)
    if batch is None or (not principal.can(Perm.READ) and batch.created_by != principal.name):
        raise NotFound(f"no batch {batch_id!r}")
    return batch


def _multipart(request: Request) -> None:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedFormat("upload files as multipart/form-data")


@router.post(
    "",
    status_code=201,
    response_model=BatchOut,
    responses={
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody},
        429: {"model": ErrorBody},
    },
)
async def create(
    request: Request,
    principal: Uploader,
    _: Annotated[None, Depends(_multipart)],
    svc: Svc,
    file: Annotated[
        list[UploadFile],
        File(description="PDF, TIFF, PNG, JPEG, WebP, BMP, GIF, JPEG 2000 or HEIC; repeatable."),
    ],
    app: Annotated[list[str], Form(description="Application name(s); repeatable.")],
    priority: Annotated[int, Form(ge=-1000, le=1000)] = 0,
) -> BatchOut:
    """Upload files as a new batch. Every file is checked before the batch exists."""
    if len(file) > MAX_FILES:
        raise LimitExceeded(f"{len(file)} files in one upload (limit {MAX_FILES})")
    for name in app:
        await run_in_threadpool(svc.apps.get, name)  # NotFound lists the known applications
    limit = svc.settings.max_upload_bytes
    files: list[tuple[str, bytes]] = []
    batch_id, pages = new_id("b"), 0
    try:
        for seq, part in enumerate(file, start=1):
            name = part.filename or "upload"
            data = await part.read(limit + 1)
            if len(data) > limit:
                raise LimitExceeded(f"{name}: over the limit of {limit} bytes")
            if not data:
                raise InputError(f"{name}: empty file")
            pages += await run_in_threadpool(
                check_upload, svc, batch_id, seq, pages + 1, name, data
            )
            files.append((name, data))
        await run_in_threadpool(
            create_batch,
            svc,
            files,
            list(app),
            priority=priority,
            origin="api",
            actor=principal.name,
            batch_id=batch_id,
        )
    except BaseException:
        await run_in_threadpool(svc.store.delete_tree, pages_tree(batch_id))
        raise
    # Waking a worker never blocks, but it stays off the event loop all the same.
    await run_in_threadpool(background.notify, request)
    return await run_in_threadpool(_load, svc, batch_id)


def _load(svc: Services, batch_id: str) -> BatchOut:
    with svc.db.session() as session:
        return batch_out(session, session.get_one(Batch, batch_id))


@router.get("", response_model=BatchPage)
def list_batches(
    principal: OwnReader,
    session: DB,
    status: BatchStatus | None = None,
    app: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> BatchPage:
    """Batches, newest first; a scanner sees only its own."""
    where = []
    if status:
        where.append(Batch.status == status)
    if app:
        where.append(cast(Batch.apps, String).like(f'%"{app.replace("%", "")}"%'))
    if not principal.can(Perm.READ):
        where.append(Batch.created_by == principal.name)
    total = session.scalar(select(func.count()).select_from(Batch).where(*where)) or 0
    rows = session.scalars(
        select(Batch)
        .where(*where)
        .options(selectinload(Batch.files), selectinload(Batch.tasks))
        .order_by(Batch.created_at.desc(), Batch.id)
        .offset(offset)
        .limit(limit)
    )
    return BatchPage(items=[batch_out(session, b) for b in rows], total=total)


@router.get("/{batch_id}", response_model=BatchOut, responses={404: {"model": ErrorBody}})
def get_batch(batch_id: str, principal: OwnReader, session: DB) -> BatchOut:
    """One batch: status, files, and progress per workflow task."""
    return batch_out(session, visible_batch(session, batch_id, principal))


@router.post(
    "/{batch_id}/cancel",
    response_model=BatchOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def cancel(batch_id: str, principal: Editor, session: DB) -> BatchOut:
    """Stop a batch; a worker running it stops at the next step."""
    batch = visible_batch(session, batch_id, principal)
    if batch.status in st.FINISHED:
        raise Conflict(f"batch {batch_id} is already {batch.status}")
    batch.status = st.BatchStatus.CANCELLED
    session.add(AuditEntry(actor=principal.name, action="batch.cancel", batch_id=batch_id))
    session.commit()
    return batch_out(session, batch)


@router.delete(
    "/{batch_id}",
    status_code=204,
    response_class=Response,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def delete(batch_id: str, principal: Admin, session: DB, svc: Svc) -> Response:
    """Delete a batch, its documents and its stored files (not while it runs)."""
    batch = visible_batch(session, batch_id, principal)
    if batch.status == st.BatchStatus.RUNNING:
        raise Conflict(f"batch {batch_id} is running; cancel it first")
    session.delete(batch)
    session.add(AuditEntry(actor=principal.name, action="batch.delete", batch_id=batch_id))
    session.commit()
    for tree in (files_tree(batch_id), pages_tree(batch_id)):
        svc.store.delete_tree(tree)
    return Response(status_code=204)


@router.get(
    "/{batch_id}/documents",
    response_model=list[DocumentResult],
    responses={404: {"model": ErrorBody}},
)
def documents(batch_id: str, principal: Reader, session: DB) -> list[DocumentResult]:
    """The batch's documents in the result shape of `process --json` (a bare array)."""
    visible_batch(session, batch_id, principal)
    docs = session.scalars(
        select(Document)
        .where(Document.batch_id == batch_id)
        .options(selectinload(Document.pages), selectinload(Document.fields))
        .order_by(Document.seq)
    )
    results = [DocumentResult.model_validate(document_result(d)) for d in docs]
    audit_read(session, principal, "batch.read", batch_id=batch_id, detail="documents")
    return results


@router.get(
    "/{batch_id}/export",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "The batch's documents as a download.",
        },
        404: {"model": ErrorBody},
    },
)
def export(
    batch_id: str, principal: Reader, session: DB, format: Literal["json", "csv"] = "json"
) -> Response:
    """Download the batch's documents as JSON (array of results) or CSV (one row each)."""
    visible_batch(session, batch_id, principal)
    docs = session.scalars(
        select(Document).where(Document.batch_id == batch_id).order_by(Document.seq)
    )
    results = [document_result(d) for d in docs]
    audit_read(session, principal, "batch.read", batch_id=batch_id, detail=f"export {format}")
    return export_response(batch_id, results, format)
