"""Response headers every answer carries: no MIME sniffing, no framing, no referrer leak,
a Content-Security-Policy, HSTS under TLS, and no caching of what shows patient data.

Every answer but the static files is `Cache-Control: no-store` unless the route chose
its own (page images do: `private`, revalidated by ETag, so the verify station stays
fast). The web UI loads only its own scripts and styles (`web/static/`, no inline code),
which is what CSP allows; `/api/v1/docs` sets its own, wider policy (routes/docs.py).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
}
CACHEABLE = ("/static/",)


class SecurityHeaders:
    """ASGI middleware adding ALWAYS, HSTS over HTTPS and `Cache-Control: no-store`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith(CACHEABLE)
        # "https" also behind a trusted proxy that says so (X-Forwarded-Proto).
        tls = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
