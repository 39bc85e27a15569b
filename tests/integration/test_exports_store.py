"""File exports go through the configured store: against moto's S3 server on loopback,
whole batches export into the bucket and nothing lands on the worker's disk."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from taskmaster.exporters import ExportTarget
from taskmaster.exporters.csv_export import CsvExporter
from taskmaster.exporters.json_export import JsonExporter
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.runner import run_batch
from taskmaster.pipeline.services import Services
from taskmaster.pipeline.submit import create_batch
from taskmaster.settings import Settings
from taskmaster.store import Change, store_from_settings
from taskmaster.store_s3 import S3Store
from tests.conftest import BLANK
from tests.integration.test_queue import install_mini_app
from tests.integration.test_store_s3 import endpoint, settings  # noqa: F401 (fixtures)
from tests.unit.test_exporters import _result


def _target(store: S3Store, tmp_path: Path) -> ExportTarget:
    return ExportTarget(
        root=tmp_path / "unused", database_url="sqlite://", store=store, prefix="exports/intake"
    )


def _csv(store: S3Store) -> list[dict[str, str]]:
    text = store.get_bytes("exports/intake/intake-v1.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_json_and_csv_land_in_the_bucket(settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    store = store_from_settings(settings)
    assert isinstance(store, S3Store)
    target = _target(store, tmp_path)
    where = JsonExporter().export(_result("d-1", "Łukasz"), target)
    assert where == f"s3://{settings.s3_bucket}/site-a/exports/intake/d-1.json"
    assert json.loads(store.get_bytes("exports/intake/d-1.json"))["document"] == "d-1"
    for doc in ("d-1", "d-2", "d-1"):  # the second d-1 is a retry
        CsvExporter().export(_result(doc, "Łukasz"), target)
    assert [r["document"] for r in _csv(store)] == ["d-1", "d-2"]
    assert _csv(store)[0]["last_name"] == "Łukasz"
    assert not (tmp_path / "unused").exists() and not list(settings.home.iterdir())


def test_a_csv_written_meanwhile_by_another_worker_is_kept(
    settings: Settings,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The conditional PUT fails when the object changed after it was read; the update
    then reads again, so the other worker's row survives."""
    store = store_from_settings(settings)
    assert isinstance(store, S3Store)
    target = _target(store, tmp_path)
    rival = store_from_settings(settings)  # another worker, with its own client
    assert isinstance(rival, S3Store)
    CsvExporter().export(_result("d-1", "A"), target)
    original = store.update_bytes
    calls: list[bytes | None] = []

    def racing_update(rel: str, change: Change) -> None:
        def change_after_a_rival(old: bytes | None) -> bytes | None:
            if not calls:  # the rival's row arrives between our read and our write
                CsvExporter().export(_result("d-rival", "B"), _target(rival, tmp_path))
            calls.append(old)
            return change(old)

        original(rel, change_after_a_rival)

    store.update_bytes = racing_update  # type: ignore[method-assign]
    CsvExporter().export(_result("d-2", "C"), target)
    assert len(calls) == 2  # read, lost the race, read again
    assert [r["document"] for r in _csv(store)] == ["d-1", "d-rival", "d-2"]


def test_a_batch_exports_into_the_bucket(settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    local = tmp_path / "home"
    install_mini_app(local)
    svc = Services.create(settings.model_copy(update={"home": local, "hot_folder": False}))
    try:
        batch = create_batch(svc, [("form.png", BLANK.read_bytes())], ["mini"])
        assert run_batch(svc, TaskContext(batch_id=batch)) == "done"
        exported = svc.store.get_bytes("exports/mini/mini-v1.csv").decode()
        [row] = list(csv.DictReader(io.StringIO(exported)))
        assert (
            json.loads(svc.store.get_bytes(f"exports/mini/{row['document']}.json"))["batch"]
            == batch
        )
        assert not (local / "exports").exists()  # nothing on this worker's disk
    finally:
        svc.close()


def test_the_file_store_keeps_exports_where_they_were(home: Path) -> None:
    install_mini_app(home)
    svc = Services.create(Settings(home=home, hot_folder=False))
    try:
        batch = create_batch(svc, [("form.png", BLANK.read_bytes())], ["mini"])
        assert run_batch(svc, TaskContext(batch_id=batch)) == "done"
        assert len(list((home / "exports" / "mini").glob("d-*.json"))) == 1
        assert (home / "exports" / "mini" / "mini-v1.csv").read_text().count("\n") == 2
    finally:
        svc.close()


@pytest.mark.parametrize(
    "name", ["../x.json", "/etc/x.json", "a/../../x", "", "a//b", "..\\x.csv", "x\x00.json"]
)
def test_export_names_cannot_leave_the_exports_folder(tmp_path: Path, name: str) -> None:
    from taskmaster.errors import ConfigError

    target = ExportTarget(root=tmp_path, database_url="sqlite://")
    with pytest.raises(ConfigError, match="would leave the exports folder"):
        target.put(name, b"x")
    assert not list(tmp_path.iterdir())
