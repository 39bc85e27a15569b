"""The form designer's pages (admin): the list of applications with an upload form for a
blank, and the editor of one application. The editing happens in `static/designer.js`
against the JSON routes of `taskmaster.api.routes.designer`."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response

from taskmaster.errors import NotFound
from taskmaster.security.roles import Perm
from taskmaster.web.pages import _render, _svc, allowed

router = APIRouter(include_in_schema=False)


@router.get("/designer")
def designer_home(request: Request) -> Response:
    """Applications to open, and a form to make one from a blank."""
    who = allowed(request, Perm.ADMIN, "design forms")
    if isinstance(who, Response):
        return who
    apps = _svc(request).apps
    rows = [apps.get(n).app for n in apps.names()]
    return _render(request, "designer.html", who, apps=rows, app=None)


@router.get("/designer/{name}")
def designer_app(request: Request, name: str) -> Response:
    """The editor: zones over the reference pages, field properties, try, save."""
    who = allowed(request, Perm.ADMIN, "design forms")
    if isinstance(who, Response):
        return who
    try:
        app = _svc(request).apps.get(name).app
    except NotFound as exc:
        return _render(
            request, "message.html", who, 404, title="No such application", message=exc.message
        )
    definition = json.dumps(app.model_dump(mode="json", exclude_defaults=False))
    return _render(
        request, "designer.html", who, apps=[], app=app, definition=definition.replace("</", "<\\/")
    )
