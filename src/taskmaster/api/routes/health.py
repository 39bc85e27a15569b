"""`/healthz` (the process answers), `/readyz` (the database answers), `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from taskmaster.api.deps import Anyone, Svc
from taskmaster.api.schemas import ErrorBody, Status

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Status)
def healthz() -> Status:
    """Liveness: no credentials needed."""
    return Status(status="ok")


@router.get(
    "/readyz",
    response_model=Status,
    responses={503: {"model": Status, "description": "The database is unreachable."}},
)
def readyz(svc: Svc) -> Status | JSONResponse:
    """Readiness: the database answers. No credentials needed."""
    try:
        with svc.db.session() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return Status(status="ok", database="ok")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text format.",
        },
        401: {"model": ErrorBody},
    },
)
def metrics(request: Request, _: Anyone) -> Response:
    """Prometheus metrics (any valid token or session)."""
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
