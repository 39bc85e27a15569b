"""`taskmaster process` (one-shot capture) and `taskmaster import` (queue files)."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import overload

import typer
from rich.console import Console
from sqlalchemy import select

from taskmaster.cli.output import emit_json, json_option
from taskmaster.cli.progress import bar, batch_progress, err, wanted
from taskmaster.db.models import Batch, Document, InputFile
from taskmaster.db.status import BatchStatus, FieldStatus, FileStatus
from taskmaster.logs import escape
from taskmaster.pipeline.results import document_result
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.queue.claim import Claim, Policy, worker_name
from taskmaster.queue.runner import run_claimed
from taskmaster.settings import Settings


class OnDisk(Sequence[tuple[str, bytes]]):
    """Input files as (name, content), each read when it is taken: the batch stores them
    one at a time, so a run of 500 scans never holds them all in memory."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, i: int) -> tuple[str, bytes]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, bytes]]: ...

    def __getitem__(self, i: int | slice) -> tuple[str, bytes] | list[tuple[str, bytes]]:
        if isinstance(i, slice):
            return [(p.name, p.read_bytes()) for p in self.paths[i]]
        return self.paths[i].name, self.paths[i].read_bytes()


def _read_inputs(files: list[Path], show: bool = False) -> tuple[OnDisk, int]:
    """The files that can be read (opened, not yet read), and how many cannot."""
    readable, failed = [], 0
    with bar(show) as progress:
        for path in progress.track(files, description="reading files"):
            try:
                with path.open("rb") as fh:
                    fh.read(1)  # a folder opens on some systems, and fails only here
                readable.append(path)
            except OSError as exc:
                err.print(
                    f"{escape(str(path))}: cannot read: {exc.strerror}",
                    highlight=False,
                    markup=False,
                )
                failed += 1
    return OnDisk(readable), failed


def process(
    files: list[Path] = typer.Argument(
        ..., help="PDF, TIFF, PNG, JPEG, WebP, BMP, GIF, JPEG 2000 or HEIC files."
    ),
    app: list[str] = typer.Option(
        None,
        "--app",
        "-a",
        help="Application(s) to identify pages against (repeatable; default: all installed).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON array to stdout."),
) -> None:
    """Capture files in-process, without a server, and print the documents found."""
    settings = Settings()
    svc = Services.create(settings)
    apps = list(app) if app else svc.apps.names()
    show = wanted(as_json)
    inputs, failed = _read_inputs(files, show)
    results: list[dict[str, object]] = []
    if inputs:
        svc.decoder.prestart(1)  # the decoder process starts while the batch is set up
        # What start-up made (modules, settings, the applications) lives as long as the
        # process: the cyclic collector's full passes need not walk it again and again.
        gc.freeze()
        # Leased to this process from birth, so a server's pool sharing the database
        # never claims it; if this process dies the lease runs out and a server resumes it.
        policy, owner = Policy(), worker_name("cli")
        batch_id = create_batch(
            svc, inputs, apps, origin="cli", actor="cli", lease_owner=owner, lease_s=policy.lease_s
        )
        claim = Claim(batch_id=batch_id, owner=owner, attempt=1)
        with batch_progress(svc.db, batch_id, f"{len(inputs)} file(s)", show):
            outcome = run_claimed(svc, claim, policy)
        if outcome.retry_in is not None and outcome.error is not None:
            # The runner left the batch pending for a retry (a server's workers sharing
            # the database take it after the backoff); this one-shot run ends with the
            # error, as before: its message and exit code.
            svc.close()
            raise outcome.error
        with svc.db.session() as session:
            batch = session.get_one(Batch, batch_id)
            for f in session.scalars(
                select(InputFile).where(InputFile.batch_id == batch_id).order_by(InputFile.seq)
            ):
                if f.status == FileStatus.FAILED:
                    # a name may hold a newline: it must not start a line of its own
                    err.print(
                        f"{escape(f.name)}: {escape(f.error or '')}",
                        highlight=False,
                        soft_wrap=True,
                        markup=False,
                    )
                    failed += 1
            if batch.status == BatchStatus.FAILED:
                err.print(f"batch {batch_id} failed: {batch.error}", highlight=False)
                failed += 1
            docs = session.scalars(
                select(Document).where(Document.batch_id == batch_id).order_by(Document.seq)
            )
            results = [document_result(d) for d in docs]
    svc.close()
    if as_json:
        sys.stdout.write(json.dumps(results, indent=1) + "\n")
    else:
        _print_table(results)
    raise typer.Exit(2 if failed else 0)


def _print_table(results: list[dict[str, object]]) -> None:
    out = Console()
    for doc in results:
        out.print(f"[bold]{doc['document']}[/] {doc['type'] or 'unidentified'} ({doc['status']})")
        fields = doc["fields"]
        assert isinstance(fields, dict)
        for name, f in fields.items():
            mark = "" if f["status"] == FieldStatus.OK else f"  [yellow]{f['status']}[/]"
            out.print(
                f"  {name:<24} {f['value']!s:<30} {f['confidence']:.2f}{mark}", highlight=False
            )


def import_(
    path: Path = typer.Argument(..., help="A file, or a folder of files, to queue."),
    app: list[str] = typer.Option(..., "--app", "-a", help="Application(s) for the batch."),
    priority: int = typer.Option(0, help="Higher runs first."),
    as_json: bool = json_option(),
) -> None:
    """Queue files as a batch for the server's workers; prints the batch id."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    inputs, failed = _read_inputs(files, wanted(as_json))
    svc = Services.create(Settings())
    batch_id = create_batch(svc, inputs, list(app), priority=priority, origin="cli", actor="cli")
    svc.close()
    if as_json:
        emit_json({"batch": batch_id, "files": len(inputs), "unreadable": failed})
    else:
        typer.echo(batch_id)
    raise typer.Exit(2 if failed else 0)
