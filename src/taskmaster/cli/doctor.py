"""`taskmaster doctor`: is this installation able to serve?

Checks, one line each: who listens on the port (as `ss -tlnp` would say), the database
(reachable, schema current), the engines and their versions, the data directory, TLS.
Exits 1 if any check fails.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import ssl
from collections.abc import Callable
from pathlib import Path

import tesserocr
import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from taskmaster.cli.output import emit_json, json_option
from taskmaster.cli.ports import listeners
from taskmaster.cli.serve import check_tls
from taskmaster.db.engine import alembic_config, make_engine
from taskmaster.errors import TaskmasterError
from taskmaster.plugins import KINDS, registered
from taskmaster.security.sessions import SECRET_FILE
from taskmaster.settings import Settings

Check = tuple[bool, str]


def check_port(settings: Settings) -> Check:
    held = listeners(settings.port)
    if not held:
        return True, f"nothing listens on port {settings.port} (free for `serve`)"
    return True, "; ".join(h.describe() for h in held)


def check_database(settings: Settings) -> Check:
    url = make_url(settings.db_url).render_as_string(hide_password=True)
    head = ScriptDirectory.from_config(alembic_config(settings.db_url)).get_current_head()
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return False, f"{url}: unreachable ({exc.__class__.__name__}: {exc.args[0]})"
    finally:
        engine.dispose()
    if current != head:
        return (
            False,
            f"{url}: schema at {current or 'none'}, code wants {head} "
            "(run `taskmaster db upgrade`)",
        )
    return True, f"{url}: reachable, schema at {current}"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def check_engines(settings: Settings) -> Check:
    tess = tesserocr.tesseract_version().splitlines()[0]
    versions = [tess] + [
        f"{dist} {_version(dist)}"
        for dist in ("zxing-cpp", "pypdfium2", "onnxruntime", "opencv-python-headless")
    ]
    plugins = {kind: sorted(registered(kind)) for kind in KINDS}
    missing = [k for k in ("ocr_engines", "barcode_engines", "omr_engines") if not plugins[k]]
    names = ", ".join(
        f"{k.removesuffix('s').replace('_', ' ')}: {'/'.join(v) or '-'}" for k, v in plugins.items()
    )
    return not missing, f"{'; '.join(versions)} | {names}"


def check_home(settings: Settings) -> Check:
    home: Path = settings.home
    if not home.exists():
        return True, f"{home} does not exist yet (created on first start)"
    if not os.access(home, os.W_OK):
        return False, f"{home} is not writable"
    free = shutil.disk_usage(home).free / 2**30
    secret = home / SECRET_FILE
    if secret.exists() and secret.stat().st_mode & 0o077:
        return False, f"{secret} is readable by others (chmod 600 it)"
    return free > 1, f"{home}: writable, {free:.1f} GiB free"


def check_tls_files(settings: Settings) -> Check:
    if not check_tls(settings.tls_cert, settings.tls_key):
        where = (
            "loopback only"
            if settings.host in ("127.0.0.1", "::1", "localhost")
            else f"WARNING: plain HTTP on {settings.host}"
        )
        return settings.host in ("127.0.0.1", "::1", "localhost"), f"not configured ({where})"
    info = ssl._ssl._test_decode_cert(str(settings.tls_cert))  # type: ignore[attr-defined]
    return True, f"{settings.tls_cert}: valid pair, expires {info.get('notAfter', '?')}"


CHECKS: list[tuple[str, Callable[[Settings], Check]]] = [
    ("port", check_port),
    ("database", check_database),
    ("engines", check_engines),
    ("data", check_home),
    ("tls", check_tls_files),
]


def doctor(as_json: bool = json_option()) -> None:
    """Check the port, database, engines, data directory and TLS; exit 1 on a failure."""
    settings = Settings()
    results = []
    for name, check in CHECKS:
        try:
            ok, detail = check(settings)
        except (TaskmasterError, OSError, ImportError) as exc:
            ok, detail = False, str(exc)
        results.append({"check": name, "ok": ok, "detail": detail})
        if not as_json:
            typer.echo(f"{'ok  ' if ok else 'FAIL'}  {name:<9} {detail}")
    if as_json:
        emit_json(results)
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)
