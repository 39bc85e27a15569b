"""The web UI: login, dashboard, batches, and the verify station.

    pages.py      server-rendered pages (Jinja2 templates in templates/)
    images.py     scaled, cached page images
    dashboard.py  queue, throughput and error figures; the exceptions queue
    designer.py   the form designer's pages (static/designer.js, api/routes/designer.py)
    static/       the station's scripts and the stylesheet (no CDN, no build step)

`mount(app)` adds the pages and the static files to the server's application
(`taskmaster.server`); the station's scripts talk to the JSON routes of
`taskmaster.api.routes.verify`, over HTTP: `web` and `api` do not import each other.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from taskmaster.web import designer, pages

STATIC = Path(__file__).with_name("static")


def mount(app: FastAPI) -> None:
    """Serve the web UI from `app` (services come from app.state)."""
    app.include_router(pages.router)
    app.include_router(designer.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
