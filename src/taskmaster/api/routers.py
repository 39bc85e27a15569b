"""The REST API's routes, in the order the server mounts them (`taskmaster.server`)."""

from __future__ import annotations

from fastapi import FastAPI

from taskmaster.api.routes import (
    apps,
    audit,
    auth,
    batches,
    designer,
    docs,
    documents,
    health,
    pages,
    text,
    users,
    verify,
)

ROUTES = (health, docs, auth, batches, documents, text, pages, apps, users, audit, designer, verify)


def mount(app: FastAPI) -> None:
    """Add every API router to `app`: /healthz, /readyz, the docs and /api/v1."""
    for module in ROUTES:
        app.include_router(module.router)
