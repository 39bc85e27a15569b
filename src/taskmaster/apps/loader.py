"""Read an application YAML file and validate it, naming file, line and key on error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from taskmaster.apps import geometry
from taskmaster.apps.schema import Application
from taskmaster.errors import ApplicationError

Loc = tuple[str | int, ...]
# libyaml's parser where PyYAML has it (its wheels do): the application file is parsed
# by every process at start-up, ~10x faster than the pure-Python parser.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _line_map(node: yaml.Node, path: Loc = (), out: dict[Loc, int] | None = None) -> dict[Loc, int]:
    """Map every key path of a YAML document to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            out[sub] = key.start_mark.line + 1
            _line_map(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)
    return out


def _lines(text: str) -> dict[Loc, int]:
    """The line map of a document that parsed: made only to name a line in an error."""
    node = yaml.compose(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    return {} if node is None else _line_map(node)


def _nearest_line(lines: dict[Loc, int], loc: Loc) -> int | None:
    while True:
        if loc in lines:
            return lines[loc]
        if not loc:
            return None
        loc = loc[:-1]


def load_application(path: Path) -> Application:
    """Parse and validate one application file; raise ApplicationError with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ApplicationError(f"cannot read: {exc.strerror}", file=str(path)) from exc
    try:
        data: Any = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ApplicationError(f"invalid YAML: {problem}", file=str(path), line=line) from exc
    if not isinstance(data, dict):
        raise ApplicationError(
            "expected a mapping with name, page_types and document_types", file=str(path), line=1
        )
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        lines = _lines(text)
        err = exc.errors()[0]
        loc: Loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        msg = err["msg"].removeprefix("Value error, ")
        key = ".".join(str(p) for p in loc) or None
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ApplicationError(
            msg + more, file=str(path), line=_nearest_line(lines, loc), key=key
        ) from exc
    for page in app.page_types:
        if page.reference and not (path.parent / page.reference).is_file():
            lines = _lines(text)
            idx = app.page_types.index(page)
            loc = ("page_types", idx, "reference")
            raise ApplicationError(
                f"reference image {page.reference!r} not found next to the application file",
                file=str(path),
                line=_nearest_line(lines, loc),
                key=".".join(map(str, loc)),
            )
    for loc, message in geometry.problems(app, path.parent):
        raise ApplicationError(
            message,
            file=str(path),
            line=_nearest_line(_lines(text), loc),
            key=".".join(map(str, loc)),
        )
    return app
