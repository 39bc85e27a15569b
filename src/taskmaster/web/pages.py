"""Server-rendered pages: login, dashboard, batches, a batch, the verify station.

Pages are plain HTML from Jinja2 templates; the station's keyboard handling is one small
script (`static/verify.js`) talking to the JSON routes of `api/routes/verify.py`. An
anonymous visitor is sent to the login page; roles are checked here as in the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from taskmaster.api.deps import Principal, authenticated
from taskmaster.db.models import AuditEntry, Batch
from taskmaster.errors import AuthError, Conflict, NotFound
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.security.roles import Perm
from taskmaster.web import dashboard, lease, workers
from taskmaster.web.images import page_jpeg

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
router = APIRouter(include_in_schema=False)


def _svc(request: Request) -> Services:
    svc: Services = request.app.state.svc
    return svc


def _who(request: Request) -> Principal | None:
    with _svc(request).db.session() as session:
        try:
            return authenticated(request, session)
        except AuthError:
            return None


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _render(request: Request, name: str, who: Principal | None, status: int = 200,
            **context: Any) -> HTMLResponse:
    context.update(user=who, can_edit=bool(who and who.can(Perm.EDIT)),
                   can_admin=bool(who and who.can(Perm.ADMIN)))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _forbidden(request: Request, who: Principal, what: str) -> HTMLResponse:
    return _render(request, "message.html", who, 403, title="Not allowed",
                   message=f"Your role ({who.role}) may not {what}.")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    safe_next = next if next.startswith("/") and not next.startswith("//") else "/"
    return _render(request, "login.html", None, next=safe_next)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(Perm.READ):
        return _forbidden(request, who, "see the dashboard")
    with _svc(request).db.session() as session:
        recent = dashboard.batch_list(session, limit=10)[0]
        return _render(request, "dashboard.html", who, figures=dashboard.summary(session),
                       queues=dashboard.queues(session),
                       errors=dashboard.recent_errors(session),
                       failed_docs=dashboard.failed_documents(session),
                       workers=workers.workers(session), in_flight=workers.in_flight(session),
                       ago=workers.ago, recent=recent,
                       failed=dashboard.failed_counts(session, [b.id for b in recent]))


@router.get("/batches", response_class=HTMLResponse)
def batches_page(request: Request, status: str | None = None, page: int = 1) -> Response:
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(Perm.READ):
        return _forbidden(request, who, "list batches")
    per_page = 50
    page = max(page, 1)
    with _svc(request).db.session() as session:
        rows, total = dashboard.batch_list(session, status or None, per_page,
                                           (page - 1) * per_page)
        return _render(request, "batches.html", who, batches=rows, total=total,
                       failed=dashboard.failed_counts(session, [b.id for b in rows]),
                       state=status or "", page=page, pages=max(1, -(-total // per_page)))


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, batch_id: str) -> Response:
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(Perm.READ):
        return _forbidden(request, who, "see batches")
    with _svc(request).db.session() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            return _render(request, "message.html", who, 404, title="No such batch",
                           message=f"There is no batch {batch_id}.")
        docs = [document_result(d) for d in batch.documents]
        audit = list(session.scalars(select(AuditEntry).where(AuditEntry.batch_id == batch_id)
                                     .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                     .limit(200)))
        return _render(request, "batch.html", who, batch=batch, documents=docs,
                       pages=list(batch.pages), tasks=list(batch.tasks), audit=audit)


@router.get("/verify", response_class=HTMLResponse)
def verify_next(request: Request) -> Response:
    """Take the next batch that needs review and open it in the station."""
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(Perm.EDIT):
        return _forbidden(request, who, "verify")
    taken = lease.take_next(_svc(request).db, who.name)
    if taken is None:
        return _render(request, "message.html", who, title="Nothing to verify",
                       message="No batch waits for review. This page checks again every "
                               "10 seconds.", refresh=10)
    return RedirectResponse(f"/verify/{taken.batch_id}", status_code=303)


@router.get("/verify/{batch_id}", response_class=HTMLResponse)
def verify_page(request: Request, batch_id: str) -> Response:
    """The station for one batch (taking its lease, or 409 if another operator holds it)."""
    who = _who(request)
    if who is None:
        return _login_redirect(request)
    if not who.can(Perm.EDIT):
        return _forbidden(request, who, "verify")
    try:
        lease.take(_svc(request).db, batch_id, who.name)
    except NotFound as exc:
        return _render(request, "message.html", who, 404, title="No such batch",
                       message=exc.message)
    except Conflict as exc:  # held by another operator, or not waiting for review
        return _render(request, "message.html", who, 409, title="Batch not available",
                       message=exc.message)
    return _render(request, "verify.html", who, batch_id=batch_id)


@router.get("/ui/pages/{page_id}.jpg")
def page_image(request: Request, page_id: int, w: int = 1000) -> Response:
    """A page scaled for the screen, cached; 304 when the browser has it already."""
    who = _who(request)
    if who is None or not who.can(Perm.READ):
        return Response(status_code=401 if who is None else 403)
    data, etag = page_jpeg(_svc(request), page_id, w)
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, max-age=3600"}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)
