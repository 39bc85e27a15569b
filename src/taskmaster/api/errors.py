"""The one place HTTP errors are rendered: `{"error": {"code": ..., "message": ...}}`.

TaskmasterError subclasses answer their class's `http_status` with a code derived from
the class name (`CorruptFile` -> `corrupt_file`); Starlette's HTTP errors and request
validation errors get the same shape; anything else is a logged 500 without details.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from taskmaster.errors import AuthError, InputError, TaskmasterError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "auth_error",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "limit_exceeded",
    415: "unsupported_format",
    422: "invalid_request",
    429: "rate_limited",
}


def error_code(exc: TaskmasterError) -> str:
    """`CorruptFile` -> `corrupt_file`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def error_response(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """An error answer in the one shape every client can rely on."""
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    return JSONResponse({"error": jsonable_encoder(body)}, status_code=status, headers=headers)


async def _taskmaster_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TaskmasterError)
    if isinstance(exc, InputError):
        # The log line an operator greps for when a scanner's upload "vanished".
        log.warning(
            "rejected upload %s %s from %s: %s",
            request.method,
            request.url.path,
            request.client.host if request.client else "-",
            exc.message,
        )
    elif exc.http_status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    if exc.http_status == 429:
        headers = {"Retry-After": "60" if isinstance(exc, AuthError) else "5"}
    return error_response(exc.http_status, error_code(exc), exc.message, headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return error_response(exc.status_code, code, message, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    """Every method some route offers for this path (Starlette names only the first
    route's, and one path often has a route per method)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = f"{where}: {first.get('msg', 'invalid')}" if where else "invalid request"
    details = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]
    return error_response(422, "invalid_request", message, details=details)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error (logged on the server)")


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(TaskmasterError, _taskmaster_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
