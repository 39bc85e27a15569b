"""The server, composed: `create_app(settings)` is one FastAPI application with the REST
API (`taskmaster.api`) and the web UI (`taskmaster.web`) side by side; neither imports the
other, both ask `security/principal.py` who is calling.

What they share is set up here: the services and the cookie codec on `app.state`, the
one error handler, the middlewares (body limit, security headers, the access log).
Startup (lifespan): create the first admin if there is no user (its random password goes
to stderr, once), start the embedded workers and the refits. Every route except
`/healthz` and `/readyz` requires a token or a session.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from taskmaster import __version__, web
from taskmaster.api import background, errors, routers
from taskmaster.api.headers import SecurityHeaders
from taskmaster.api.metrics import Metrics
from taskmaster.api.requestlog import RequestLog
from taskmaster.api.schemas import COMMON_ERRORS
from taskmaster.api.uploads import BodyLimit, request_limit
from taskmaster.calibration.refit import AutoRefit
from taskmaster.pipeline.services import Services
from taskmaster.security.accounts import ensure_admin
from taskmaster.security.ratelimit import HostThrottle
from taskmaster.security.sessions import SessionCodec, load_secret
from taskmaster.settings import Settings


def announce_admin(password: str) -> None:
    """Print the generated first-admin password once, to stderr."""
    print(
        f"taskmaster: created user 'admin' with password: {password}\n"
        "taskmaster: this password is shown only once; the first login in the browser "
        "asks for a new one (or: `taskmaster users passwd admin`)",
        file=sys.stderr,
        flush=True,
    )


def create_app(settings: Settings, *, embedded_workers: bool = True) -> FastAPI:
    """The server's application for `settings` (database migrated, services opened)."""
    svc = Services.create(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with svc.db.session() as session:
            generated = ensure_admin(session, settings.admin_password)
        if generated:
            announce_admin(generated)
        svc.decoder.prestart()  # upload checks find their decoder processes ready
        bg = background.start(svc) if embedded_workers else None
        app.state.background = bg
        # Refits run in their own thread, never on the event loop.
        refits = AutoRefit(svc, settings.calibrate_every).start()
        try:
            yield
        finally:
            refits.stop()
            if bg is not None:
                bg.stop()
            svc.close()

    app = FastAPI(
        title="Taskmaster",
        version=__version__,
        lifespan=lifespan,
        summary="Open document capture: scans in, validated data out.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,  # see routes/docs.py
        responses=COMMON_ERRORS,
    )
    app.state.svc = svc
    app.state.metrics = Metrics(svc.db, svc.fits)
    app.state.sessions = SessionCodec(load_secret(settings))
    app.state.throttle = HostThrottle()
    errors.install(app)
    app.add_middleware(BodyLimit, limit=request_limit(settings))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)  # outermost: its line covers the whole request
    routers.mount(app)  # the REST API, the verify station's JSON routes included
    web.mount(app)  # the web UI: its pages, the station, the designer, static files
    return app
