"""The OpenAPI document and its browsable view, behind credentials like everything else.

Only health checks are open (BRIEF: every endpoint but health needs a session or a
token); a browser with a session reads the docs, a client passes its token.
"""

from __future__ import annotations

import base64
import hashlib
import re
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


CDN = "https://cdn.jsdelivr.net"  # where FastAPI's Swagger UI page loads its bundle


def _docs_policy(html: str) -> str:
    """A Content-Security-Policy for the Swagger UI page: its CDN and its one inline
    script, by hash (the site-wide policy allows neither)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<script>(.*?)</script>", html, flags=re.S))
    return (f"default-src 'self'; script-src {CDN} {hashes}; style-src {CDN} 'unsafe-inline'; "
            f"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


@router.get("/api/v1/docs", response_class=HTMLResponse)
def docs(_: Anyone) -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url=OPENAPI_URL, title="Taskmaster API")
    page.headers["Content-Security-Policy"] = _docs_policy(bytes(page.body).decode())
    return page
