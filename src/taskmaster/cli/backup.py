"""`taskmaster backup DEST`: a consistent copy of the data directory while it serves.

SQLite is copied with its online backup API (a consistent snapshot even while the
server writes, WAL included), then every other file of the data directory (page images,
input files, applications, exports, the session key) is copied. The database goes first,
so every file it names is in the backup; a file written after the snapshot is copied too
and is harmless. Caches are left out: they are rebuilt on demand.

PostgreSQL is not copied here (`pg_dump`, docs/operations.md), nor is an S3 store's
bucket: the command says so and copies the data directory's files.

Restore: stop the server, copy the backup into an empty data directory, start it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from taskmaster.cli.output import emit_json, json_option
from taskmaster.errors import ConfigError, InputError
from taskmaster.settings import Settings

SKIPPED = ("cache", "backups")  # rebuilt on demand; earlier backups (<home>/backups/DATE)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ConfigError(f"cannot back up the in-memory database {url!r}")
    return Path(parsed.database)


def backup_sqlite(source: Path, dest: Path) -> None:
    """An online, consistent copy of the SQLite database `source` at `dest`."""
    if not source.exists():
        raise ConfigError(f"no database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(dest)
        try:
            src.backup(out)
        finally:
            out.close()
    finally:
        src.close()


def copy_files(home: Path, dest: Path, skip: set[Path]) -> tuple[int, int]:
    """Copy the data directory's files (not `skip`, not caches); (files, bytes) copied."""
    files = size = 0
    for folder, dirs, names in os.walk(home):
        here = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if (here / d).resolve() != dest.resolve() and not (here == home and d in SKIPPED)
        ]
        target = dest / here.relative_to(home)
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = here / name
            if path in skip or path.is_symlink():
                continue
            shutil.copy2(path, target / name)
            files, size = files + 1, size + path.stat().st_size
    return files, size


def backup(
    dest: Path = typer.Argument(..., help="A new or empty folder for the backup."),
    as_json: bool = json_option(),
) -> None:
    """Copy the database (SQLite, online) and the data directory's files to DEST."""
    settings = Settings()
    home = settings.home
    if not home.is_dir():
        raise ConfigError(f"no data directory at {home}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(f"{dest} exists and is not an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    database = _sqlite_path(settings.db_url)
    skip: set[Path] = set()
    if database is not None:
        backup_sqlite(
            database,
            dest / "taskmaster.db"
            if database.parent.resolve() == home.resolve()
            else dest / database.name,
        )
        skip = {database.with_name(database.name + s) for s in ("", "-wal", "-shm", "-journal")}
    else:
        notes.append("the database is PostgreSQL: back it up with pg_dump (docs/operations.md)")
    if settings.store == "s3":
        notes.append(
            f"page images and input files are in bucket {settings.s3_bucket!r}: "
            "back it up with the object store's tools"
        )
    files, size = copy_files(home, dest, skip)
    summary = {
        "backup": str(dest),
        "database": str(database) if database else None,
        "files": files,
        "bytes": size,
        "notes": notes,
    }
    if as_json:
        emit_json(summary)
        return
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    db_part = "database and " if database else ""
    typer.echo(f"backed up {db_part}{files} files ({size / 2**20:.1f} MiB) to {dest}")
