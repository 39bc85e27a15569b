"""The REST API under `/api/v1` (FastAPI), its security and its OpenAPI document.

    app.py        create_app(settings): services, lifespan (first admin, workers), routers
    deps.py       who is asking (token or session + CSRF) and what their role allows
    errors.py     the one HTTP error handler: {"error": {"code", "message"}}
    schemas.py    request and response models
    uploads.py    body-size cap and the synchronous check of every uploaded file
    metrics.py    Prometheus metrics read from the database
    background.py the embedded workers, when taskmaster.queue provides them
    routes/       one router per resource
"""

from taskmaster.api.app import create_app

__all__ = ["create_app"]
