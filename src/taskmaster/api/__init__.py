"""The REST API under `/api/v1` (FastAPI), its security and its OpenAPI document.

The server (`taskmaster.server`) mounts it beside the web UI; `api` and `web` do not
import each other.

    routers.py    every router, in order: `mount(app)`
    deps.py       request dependencies: services, a session, who is asking and their role
    errors.py     the one HTTP error handler: {"error": {"code", "message"}}
    schemas.py    request and response models
    uploads.py    body-size cap and the synchronous check of every uploaded file
    metrics.py    Prometheus metrics read from the database
    headers.py    security headers; requestlog.py the access log line
    background.py the embedded workers, when taskmaster.queue provides them
    routes/       one router per resource (verify.py: the station's JSON routes)
"""
