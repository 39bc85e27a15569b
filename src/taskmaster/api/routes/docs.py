"""The OpenAPI document and its browsable view, behind credentials like everything else.

Only health checks are open (BRIEF: every endpoint but health needs a session or a
token); a browser with a session reads the docs, a client passes its token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from taskmaster.api.deps import Anyone

OPENAPI_URL = "/api/v1/openapi.json"
router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_URL)
def openapi(request: Request, _: Anyone) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/api/v1/docs", response_class=HTMLResponse)
def docs(_: Anyone) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="Taskmaster API")
