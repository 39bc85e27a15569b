"""Server-rendered pages: login, dashboard, batches, a batch, the verify station.

Pages are plain HTML from Jinja2 templates; the station's keyboard handling is one small
script (`static/verify.js`) talking to the JSON routes of `api/routes/verify.py`. An
anonymous visitor is sent to the login page; roles are checked here as in the API.
"""

from __future__ import annotations

import pathlib
import re
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from taskmaster.calibration import stats
from taskmaster.db.models import MAX_ID, AuditEntry, Batch, Page
from taskmaster.errors import AuthError, Conflict, NotFound
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.verify import lease
from taskmaster.security.access import audit_read
from taskmaster.security.principal import Principal, identify
from taskmaster.security.roles import Perm
from taskmaster.web import dashboard, workers
from taskmaster.web.images import page_jpeg

TEMPLATES = Jinja2Templates(directory=str(pathlib.Path(__file__).with_name("templates")))
router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> Services:
    svc: Services = request.app.state.svc
    return svc


MAX_PAGE = 1_000_000
# Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
# `/\t/evil.example` or `/\\evil.example` would leave the site: refuse them outright.
_URL_TRICKS = re.compile(r"[\x00-\x20\x7f\\]")


def safe_next(target: str) -> str:
    """`target` if it is a path on this site, else "/" (no open redirect after login)."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or _URL_TRICKS.search(target)
        or len(target) > 2000
    ):
        return "/"
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else "/"


def _who(request: Request) -> Principal | None:
    """The caller, or None (anonymous, or a session that must change its password first)."""
    with _svc(request).db.session() as session:
        try:
            who = identify(request, session)
        except AuthError:
            return None
    if who.must_change_password:
        request.state.must_change_password = True
        return None
    return who


def _login_redirect(request: Request) -> RedirectResponse:
    if getattr(request.state, "must_change_password", False):
        return RedirectResponse("/password", status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _render(
    request: Request, name: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    context.update(
        user=who,
        can_edit=bool(who and who.can(Perm.EDIT)),
        can_admin=bool(who and who.can(Perm.ADMIN)),
    )
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _forbidden(request: Request, who: Principal, what: str) -> HTMLResponse:
    return _render(
        request,
        "message.html",
        who,
        403,
        title="Not allowed",
        message=f"Your role ({who.role}) may not {what}.",
    )


def allowed(request: Request, perm: Perm, what: str) -> Principal | Response:
    """The caller if they may `perm`; else the answer to give: the login page for nobody
    (or a printed password to change first), 403 naming `what` for a role without it."""
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(perm):
        return _forbidden(request, who, what)
    return who


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return _render(request, "login.html", None, next=safe_next(next))


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request) -> Response:
    """Change one's password (the only page a printed first password may see)."""
    with _svc(request).db.session() as session:
        try:
            who = identify(request, session)
        except AuthError:
            return _login_redirect(request)
    return _render(
        request,
        "password.html",
        None if who.must_change_password else who,
        forced=who.must_change_password,
        account=who.name,
    )


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    who = allowed(request, Perm.READ, "see the dashboard")
    if isinstance(who, Response):
        return who
    with _svc(request).db.session() as session:
        recent = dashboard.batch_list(session, limit=10)[0]
        exception_counts, exception_rows = dashboard.exceptions(session)
        return _render(
            request,
            "dashboard.html",
            who,
            figures=dashboard.summary(session),
            exception_counts=exception_counts,
            exceptions=exception_rows,
            doc_types=_document_types(_svc(request)),
            queues=dashboard.queues(session),
            errors=dashboard.recent_errors(session),
            failed_docs=dashboard.failed_documents(session),
            workers=workers.workers(session),
            in_flight=workers.in_flight(session),
            ago=workers.ago,
            recent=recent,
            failed=dashboard.failed_counts(session, [b.id for b in recent]),
            stp=stats.figures(session, _svc(request).fits, _svc(request).settings.home),
        )


def _document_types(svc: Services) -> list[str]:
    """`app/type` of every document type: what an exception can be assigned to."""
    return [
        f"{name}/{t.name}"
        for name in svc.apps.names()
        for t in svc.apps.get(name).app.document_types
    ]


@router.get("/batches", response_class=HTMLResponse)
def batches_page(
    request: Request,
    status: Annotated[str | None, Query(max_length=32)] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    who = allowed(request, Perm.READ, "list batches")
    if isinstance(who, Response):
        return who
    per_page = 50
    page = max(page, 1)
    with _svc(request).db.session() as session:
        rows, total = dashboard.batch_list(session, status or None, per_page, (page - 1) * per_page)
        return _render(
            request,
            "batches.html",
            who,
            batches=rows,
            total=total,
            failed=dashboard.failed_counts(session, [b.id for b in rows]),
            state=status or "",
            page=page,
            pages=max(1, -(-total // per_page)),
        )


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: Annotated[str, Path(max_length=32)]) -> Response:
    who = allowed(request, Perm.READ, "see batches")
    if isinstance(who, Response):
        return who
    with _svc(request).db.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            return _render(
                request,
                "message.html",
                who,
                404,
                title="No such batch",
                message=f"There is no batch {batch_id}.",
            )
        docs = [document_result(d) for d in batch.documents]
        audit_read(session, who, "batch.read", batch_id=batch_id, detail="batch page")
        audit = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.batch_id == batch_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(200)
            )
        )
        return _render(
            request,
            "batch.html",
            who,
            batch=batch,
            documents=docs,
            pages=list(batch.pages),
            tasks=list(batch.tasks),
            audit=audit,
        )


@router.get("/verify", response_class=HTMLResponse)
def verify_next(request: Request) -> Response:
    """Take the next batch that needs review and open it in the station."""
    who = allowed(request, Perm.EDIT, "verify")
    if isinstance(who, Response):
        return who
    taken = lease.take_next(_svc(request).db, who.name)
    if taken is None:
        return _render(
            request,
            "message.html",
            who,
            title="Nothing to verify",
            message="No batch waits for review. This page checks again every 10 seconds.",
            refresh=10,
        )
    return RedirectResponse(f"/verify/{taken.batch_id}", status_code=303)


@router.get("/verify/{batch_id}", response_class=HTMLResponse)
def verify_page(request: Request, batch_id: Annotated[str, Path(max_length=32)]) -> Response:
    """The station for one batch (taking its lease, or 409 if another operator holds it)."""
    who = allowed(request, Perm.EDIT, "verify")
    if isinstance(who, Response):
        return who
    try:
        taken = lease.take(_svc(request).db, batch_id, who.name)
    except NotFound as exc:
        return _render(
            request, "message.html", who, 404, title="No such batch", message=exc.message
        )
    except Conflict as exc:  # held by another operator, or not waiting for review
        return _render(
            request, "message.html", who, 409, title="Batch not available", message=exc.message
        )
    return _render(request, "verify.html", who, batch_id=batch_id, until=taken.until.isoformat())


@router.get("/ui/pages/{page_id}.jpg")
def page_image(
    request: Request,
    page_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    w: Annotated[int, Query(ge=16, le=4000)] = 1000,
) -> Response:
    """A page scaled for the screen, cached; 304 when the browser has it already."""
    who = _who(request)
    if who is None or not who.can(Perm.READ):
        return Response(status_code=401 if who is None else 403)
    svc = _svc(request)
    data, etag = page_jpeg(svc, page_id, w)
    with svc.db.session() as session:  # the station's views are reads of patient data too
        page = session.get(Page, page_id)
        audit_read(
            session,
            who,
            "page.read",
            batch_id=page.batch_id if page else None,
            document_id=page.document_id if page else None,
            detail=f"page {page_id} image (web, {w} px)",
        )
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, max-age=3600"}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)
