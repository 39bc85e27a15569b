"""Applications installed on this server (read-only here; `taskmaster apps` manages them)."""

from __future__ import annotations

from fastapi import APIRouter

from taskmaster.api.deps import Reader, Svc
from taskmaster.api.schemas import AppDetail, AppSummary, ErrorBody
from taskmaster.apps.schema import Application

router = APIRouter(
    prefix="/api/v1/apps",
    tags=["applications"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
)


def _summary(app: Application) -> dict[str, object]:
    return {
        "name": app.name,
        "version": app.version,
        "title": app.title,
        "document_types": [d.name for d in app.document_types],
    }


@router.get("", response_model=list[AppSummary])
def list_apps(_: Reader, svc: Svc) -> list[AppSummary]:
    """Every application, by name."""
    return [AppSummary.model_validate(_summary(svc.apps.get(n).app)) for n in svc.apps.names()]


@router.get("/{name}", response_model=AppDetail, responses={404: {"model": ErrorBody}})
def get_app(name: str, _: Reader, svc: Svc) -> AppDetail:
    """One application with its full definition."""
    app = svc.apps.get(name).app
    return AppDetail.model_validate({**_summary(app), "definition": app.model_dump(mode="json")})
