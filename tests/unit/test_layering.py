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
ROOT = {"server"}  # server.py composes the API and the UI into one app
WORK = {"pipeline", "queue"}  # the workflow and what runs it
FORBIDDEN: dict[str, set[str]] = {
    # the two HTTP faces share security/principal.py and meet only in server.py
    "api": {"web", "cli"} | ROOT,
    "web": {"api", "cli"} | ROOT,
    # the capture parts know nothing of the workflow, its runners or its faces
    "engines": FACES | ROOT | WORK | {"db", "imaging", "reading", "locating", "apps"},
    "imaging": FACES | ROOT | WORK | {"db", "reading", "locating"},
    "reading": FACES | ROOT | WORK | {"db"},
    "locating": FACES | ROOT | WORK | {"db"},
    "validation": FACES | ROOT | WORK,
    "exporters": FACES | ROOT | WORK | {"db"},
    "security": FACES | ROOT | WORK,
    "calibration": FACES | ROOT | {"queue"},
    # the workflow does not know who called it; the runners are not faces either
    "pipeline": FACES | ROOT,
    "queue": FACES | ROOT,
    # the store layer is the bottom: it imports no other taskmaster package
    "db": FACES
    | ROOT
    | WORK
    | {
        "engines",
        "imaging",
        "reading",
        "locating",
        "validation",
        "exporters",
        "security",
        "calibration",
        "apps",
    },
}

# Function-level imports of taskmaster modules that are allowed, and why. cli/lazy.py
# loads commands by name (importlib), which is not an import statement.
ALLOWED_LOCAL = {
    # boto3 (the `s3` extra) loads only when the S3 store is chosen
    ("store.py", "store_from_settings", "taskmaster.store_s3"),
    # procrastinate and psycopg load only with the procrastinate queue (0.15 s of every
    # `taskmaster process` start-up otherwise)
    ("pipeline/submit.py", "make_runnable", "taskmaster.queue.distributed"),
    # OCRmyPDF and pikepdf load only when a PDF/A is written (0.12 s of every start-up:
    # every exporter plugin is loaded, and most applications export no PDF)
    ("exporters/pdfa_export.py", "export", "taskmaster.exporters.pdf_export"),
}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module == "taskmaster" and node.level == 0:
        return [f"taskmaster.{a.name}" for a in node.names]  # `from taskmaster import web`
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
                    crossings.append(
                        f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}: {own} "
                        f"imports {target}"
                    )
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
    assert not hidden, (
        "function-level imports of taskmaster (a cycle to untangle, or an "
        f"exception to list here with its reason): {hidden}"
    )
    assert found >= ALLOWED_LOCAL, f"stale exceptions: {sorted(ALLOWED_LOCAL - found)}"


def test_api_and_web_do_not_import_each_other() -> None:
    """The verify service is in the workflow (pipeline/verify), who is asking in
    security/principal.py: the API and the UI call those, and server.py mounts both."""
    crossings = [
        f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}: {target}"
        for path, tree in _modules()
        for own, other in (("api", "web"), ("web", "api"))
        if _package(path) == own
        for node in ast.walk(tree)
        for target in _targets(node)
        if target.startswith(f"taskmaster.{other}") and target.split(".")[1] == other
    ]
    assert not crossings, crossings


def test_batch_updates_are_named_queries() -> None:
    """Claiming, leasing and releasing a batch (worker and review leases) are the named
    queries of db/queries.py: no `update(Batch)` anywhere else."""
    found = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in _modules()
        if _package(path) != "db"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "update"
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "Batch"
    ]
    assert not found, f"UPDATE batches outside db/queries.py: {found}"
    queries = ast.parse((SRC / "db" / "queries.py").read_text(encoding="utf-8"))
    assert any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "update"
        for n in ast.walk(queries)
    )  # the check sees them


def test_the_table_sees_imports() -> None:
    """The checks above read real imports: the runner's own edges are found."""
    edges = {
        (_package(p), t) for p, tree in _modules() for n in ast.walk(tree) for t in _targets(n)
    }
    assert ("queue", "taskmaster.pipeline.runner") in edges
    assert ("cli", "taskmaster.queue.runner") in edges
    assert ("server", "taskmaster.api") in edges and ("server", "taskmaster.web") in edges
