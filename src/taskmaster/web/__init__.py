"""The web UI: login, dashboard, batches, and the verify station.

    pages.py      server-rendered pages (Jinja2 templates in templates/)
    lease.py      the verify operator's lease on a batch
    review.py     what the station shows and what an operator's edits do (audited)
    flags.py      why a field is flagged; the characters the machine doubted
    reread.py     not this form, assign a document to a form, rotate (read again)
    entry.py      typed text -> canonical field values, and values as the form shows them
    images.py     scaled, cached page images
    dashboard.py  queue, throughput and error figures; the exceptions queue
    designer.py   the form designer's pages (static/designer.js, api/routes/designer.py)
    static/       the station's scripts and the stylesheet (no CDN, no build step)

`mount(app)` adds the pages, the static files and the station's JSON routes
(`taskmaster.api.routes.verify`) to the API application.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from taskmaster.api.routes import verify
from taskmaster.pipeline.services import Services
from taskmaster.web import designer, pages

STATIC = Path(__file__).with_name("static")


def mount(app: FastAPI, svc: Services | None = None) -> None:
    """Serve the web UI and the verify API from `app` (services come from app.state)."""
    app.include_router(verify.router)
    app.include_router(pages.router)
    app.include_router(designer.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
