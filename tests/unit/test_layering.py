"""The house's layering, read from the source: which package may import which, and no
`taskmaster` import hidden inside a function (where it would hide an import cycle).

See docs/architecture.md ("Layers"). The table lists edges that must not exist; every
one holds today, so a new import that crosses a layer fails here with its file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "taskmaster"

FACES = {"api", "web", "cli"}  # the ways in: HTTP, the UI, the command line
WORK = {"pipeline", "queue"}   # the workflow and what runs it
FORBIDDEN: dict[str, set[str]] = {
    # the capture parts know nothing of the workflow, its runners or its faces
    "engines": FACES | WORK | {"db", "imaging", "reading", "extraction", "apps"},
    "imaging": FACES | WORK | {"db", "reading", "extraction"},
    "reading": FACES | WORK | {"db"},
    "extraction": FACES | WORK | {"db"},
    "validation": FACES | WORK,
    "exporters": FACES | WORK | {"db"},
    "security": FACES | WORK,
    "calibration": FACES | {"queue"},
    # the workflow does not know who called it; the runners are not faces either
    "pipeline": FACES,
    "queue": FACES,
    # the store layer is the bottom: it imports no other taskmaster package
    "db": FACES | WORK | {"engines", "imaging", "reading", "extraction", "validation",
                          "exporters", "security", "calibration", "apps"},
}

# Function-level imports of taskmaster modules that are allowed, and why. cli/lazy.py
# loads commands by name (importlib), which is not an import statement.
ALLOWED_LOCAL = {
    # boto3 (the `s3` extra) loads only when the S3 store is chosen
    ("store.py", "store_from_settings", "taskmaster.store_s3"),
    # procrastinate and psycopg load only with the procrastinate queue (0.15 s of every
    # `taskmaster process` start-up otherwise)
    ("pipeline/submit.py", "make_runnable", "taskmaster.queue.distributed"),
}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return []


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def test_no_forbidden_package_edges() -> None:
    crossings = []
    for path, tree in _modules():
        own = _package(path)
        for node in ast.walk(tree):
            for target in _targets(node):
                parts = target.split(".")
                if parts[0] != "taskmaster" or len(parts) < 2:
                    continue
                if parts[1] in FORBIDDEN.get(own, set()):
                    crossings.append(f"{path.relative_to(SRC)}:{node.lineno}: {own} "
                                     f"imports {target}")
    assert not crossings, "layering broken:\n" + "\n".join(crossings)


def test_no_taskmaster_import_inside_a_function() -> None:
    found = set()
    for path, tree in _modules():
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                for target in _targets(node):
                    if target == "taskmaster" or target.startswith("taskmaster."):
                        found.add((path.relative_to(SRC).as_posix(), fn.name, target))
    hidden = sorted(found - ALLOWED_LOCAL)
    assert not hidden, ("function-level imports of taskmaster (a cycle to untangle, or an "
                        f"exception to list here with its reason): {hidden}")
    assert found >= ALLOWED_LOCAL, f"stale exceptions: {sorted(ALLOWED_LOCAL - found)}"


def test_api_routes_do_not_import_the_web_ui() -> None:
    """The verify service is in the workflow (pipeline/verify): API routes call it there."""
    crossings = [f"{path.relative_to(SRC)}:{node.lineno}: {target}"
                 for path, tree in _modules() if path.is_relative_to(SRC / "api" / "routes")
                 for node in ast.walk(tree) for target in _targets(node)
                 if target == "taskmaster.web" or target.startswith("taskmaster.web.")]
    assert not crossings, crossings


def test_the_table_sees_imports() -> None:
    """The checks above read real imports: the runner's own edges are found."""
    edges = {(_package(p), t) for p, tree in _modules() for n in ast.walk(tree)
             for t in _targets(n)}
    assert ("queue", "taskmaster.pipeline.runner") in edges
    assert ("cli", "taskmaster.queue.runner") in edges
