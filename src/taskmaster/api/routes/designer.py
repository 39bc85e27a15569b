"""The form designer's API (admin): make an application from a blank, show its
reference pages, try a definition on a filled copy, save it as a new version, and
download its YAML. The designer's page is `taskmaster.web.designer`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ValidationError

from taskmaster.api.deps import DB, Admin, Svc
from taskmaster.api.schemas import ErrorBody
from taskmaster.api.uploads import BUSY_WAIT_S
from taskmaster.apps.onboard import onboard
from taskmaster.apps.schema import Application
from taskmaster.apps.trial import try_definition
from taskmaster.apps.versions import save_version
from taskmaster.db.models import AuditEntry
from taskmaster.errors import InputError, LimitExceeded, NotFound
from taskmaster.imaging.loader import PageImage
from taskmaster.pipeline.services import Services

router = APIRouter(
    prefix="/api/v1/designer",
    tags=["designer"],
    responses={
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)


class Definition(BaseModel):
    """An application definition as the designer edits it (app.yaml as JSON)."""

    definition: dict[str, Any]


async def _read(svc: Services, part: UploadFile) -> tuple[str, bytes]:
    limits = svc.limits
    name = part.filename or "upload"
    data = await part.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise LimitExceeded(f"{name}: over the limit of {limits.max_bytes} bytes")
    if not data:
        raise InputError(f"{name}: empty file")
    return name, data


def _decoder(svc: Services) -> Callable[[bytes, str], list[PageImage]]:
    """Decodes an uploaded file in the sandbox, as uploads are (429 when it stays busy)."""

    def decode(data: bytes, name: str) -> list[PageImage]:
        try:
            return svc.decode_pages(data, name, wait=BUSY_WAIT_S)
        except InputError as exc:
            raise type(exc)(f"{name}: {exc.message}") from exc

    return decode


def _application(definition: dict[str, Any]) -> Application:
    try:
        return Application.model_validate(definition)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{where}: {err['msg']}") from exc


@router.post("/apps", status_code=201)
async def new_app(
    principal: Admin,
    svc: Svc,
    session: DB,
    file: Annotated[UploadFile, File(description="The blank form.")],
    name: Annotated[str, Form(min_length=1, max_length=64)],
    title: Annotated[str | None, Form(max_length=200)] = None,
) -> dict[str, Any]:
    """Make an application from a blank form (as `taskmaster apps new --from`)."""
    filename, data = await _read(svc, file)
    summary = await run_in_threadpool(
        onboard,
        data,
        filename,
        name,
        svc.settings.apps_path,
        svc.ocr(None),
        decode=_decoder(svc),
        title=title,
    )
    session.add(
        AuditEntry(
            actor=principal.name,
            action="app.create",
            new={"app": name},
            detail=f"from {filename}: {summary.kinds}",
        )
    )
    session.commit()
    return {
        "name": name,
        "kinds": summary.kinds,
        "unsure": summary.unsure,
        "warnings": summary.warnings,
    }


@router.get(
    "/apps/{name}/pages/{page_type}.png",
    response_class=Response,
    responses={
        200: {
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The reference image.",
        }
    },
)
def reference(name: str, page_type: str, _: Admin, svc: Svc) -> Response:
    """A page type's reference image (the blank, 300 dpi)."""
    loaded = svc.apps.get(name)
    try:
        path = loaded.reference(page_type)
    except KeyError:
        path = None
    if path is None or not path.is_file():
        raise NotFound(f"application {name!r} has no reference page {page_type!r}")
    return FileResponse(path, media_type="image/png")


@router.post("/apps/{name}/try")
async def try_it(
    name: str,
    _: Admin,
    svc: Svc,
    file: Annotated[UploadFile, File(description="A filled copy.")],
    definition: Annotated[str, Form(min_length=1, description="The definition, JSON.")],
) -> dict[str, Any]:
    """Read a filled copy with an unsaved definition: what every field would read."""
    loaded = svc.apps.get(name)
    try:
        app = _application(json.loads(definition))
    except json.JSONDecodeError as exc:
        raise InputError(f"definition is not JSON: {exc.msg}") from exc
    filename, data = await _read(svc, file)
    copy = await run_in_threadpool(_decoder(svc), data, filename)
    pages = await run_in_threadpool(try_definition, loaded, app, copy, svc.engines)
    return {"pages": pages}


@router.put("/apps/{name}")
def save(name: str, body: Definition, principal: Admin, svc: Svc, session: DB) -> dict[str, Any]:
    """Save the definition as the application's next version (validated first)."""
    loaded = svc.apps.get(name)
    _application(body.definition)
    path = save_version(loaded, body.definition, svc.settings.apps_path)
    saved = svc.apps.get(name).app
    session.add(
        AuditEntry(
            actor=principal.name,
            action="app.version",
            old={"app": name, "version": loaded.app.version},
            new={"app": name, "version": saved.version},
            detail=str(path),
        )
    )
    session.commit()
    return {"name": name, "version": saved.version}


@router.get(
    "/apps/{name}/yaml",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "The application file."}},
)
def download(name: str, _: Admin, svc: Svc) -> Response:
    """The application's YAML as saved (to keep, diff or edit by hand)."""
    loaded = svc.apps.get(name)
    return Response(
        loaded.path.read_text(encoding="utf-8"),
        media_type="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.v{loaded.app.version}.yaml"'
        },
    )
