"""The OpenAPI document and its browsable view, behind credentials like everything else.

Only health checks are open (BRIEF: every endpoint but health needs a session or a
token); a browser with a session reads the docs, a client passes its token. Swagger UI
is served from the `swagger-ui-bundle-v2` wheel, never from a CDN: on an air-gapped
hospital network a CDN page is blank.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from taskmaster.api.deps import Anyone
from taskmaster.errors import NotFound

OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_URL)
def openapi(request: Request, _: Anyone) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


def _docs_policy(html: str) -> str:
    """A Content-Security-Policy for the Swagger UI page: our own assets plus the page's
    one inline start-up script, by hash (the site-wide policy allows no inline script;
    Swagger UI sets inline styles)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


@router.get(DOCS_URL, response_class=HTMLResponse)
def docs(_: Anyone) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="Taskmaster API",
        swagger_js_url=f"{DOCS_URL}/assets/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_URL}/assets/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_URL}/assets/favicon-32x32.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )
    page.headers["Content-Security-Policy"] = _docs_policy(bytes(page.body).decode())
    return page


@router.get(DOCS_URL + "/assets/{name}")
def asset(name: str, _: Anyone) -> FileResponse:
    """Swagger UI's script, style sheet and icon, from the installed package."""
    if name not in ASSETS:
        raise NotFound(f"no asset {name!r}")
    return FileResponse(
        str(swagger_ui_path / name),
        media_type=ASSETS[name],
        headers={"Cache-Control": "private, max-age=86400"},
    )
