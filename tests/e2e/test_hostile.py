"""The hostile-file corpus against `taskmaster process` and a real server (issue 14).

tests/data/hostile/ holds public broken files from Pillow's, pdf.js's and OCRmyPDF's test
suites; tests/hostile.py makes the crafted attacks. Decoder limits are set small so the
attacks cross them quickly; what is checked is that every file gets a clean answer and
nothing else is lost: the good files' documents, JSON on stdout, no traceback, no 5xx.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pillow_heif
import pytest
from PIL import Image

from tests import hostile
from tests.conftest import BIN, BLANK, ROOT
from tests.e2e.conftest import Server, running_server

CORPUS = ROOT / "tests" / "data" / "hostile"
LIMITS = {"decode_cpu_seconds": "2", "decode_memory_mb": "300"}
# Files that must be refused, whatever else the corpus does.
MUST_FAIL = (
    "nested-xobjects.pdf",
    "scans-60000.jpg",
    "bomb-16bit.png",
    "lying-tree.pdf",
    "dot-1x1.png",
)


def crafted(folder: Path) -> list[Path]:
    """The attacks of issue 14, written to `folder`."""
    made = {
        "nested-xobjects.pdf": hostile.nested_xobject_pdf(12, 10),
        "scans-60000.jpg": hostile.many_scans_jpeg(60_000, 2000),
        "bomb-16bit.png": hostile.png_bomb(6000, 6000, 16),
        "inflates-1gib.pdf": hostile.inflating_pdf(1024),
        "lying-tree.pdf": hostile.lying_page_tree_pdf(5),
        "looping-tree.pdf": hostile.looping_page_tree_pdf(),
        "dot-1x1.png": hostile.one_pixel_png(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in made]


def corpus(tmp: Path) -> list[Path]:
    stored = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(stored) >= 50
    return stored + crafted(tmp / "crafted")


def _new_formats(folder: Path) -> list[Path]:
    """One small page in each format accepted since issue 16, named by its format."""
    pillow_heif.register_heif_opener()  # Pillow writes HEIC through pillow-heif
    page = Image.open(BLANK).convert("L").resize((850, 1100))
    paths = []
    formats: list[tuple[str, str, dict[str, Any]]] = [
        ("WEBP", "page.webp", {"lossless": True}),
        ("BMP", "page.bmp", {}),
        ("GIF", "page.gif", {}),
        ("JPEG2000", "page.jp2", {}),
        ("TIFF", "page-big.tif", {"big_tiff": True}),
        ("HEIF", "page.heic", {"quality": -1}),
    ]
    for fmt, name, options in formats:
        page.save(folder / name, fmt, **options)
        paths.append(folder / name)
    return paths


def test_process_json_over_the_corpus_keeps_the_good_documents(home: Path, tmp_path: Path) -> None:
    first, last = tmp_path / "good-first.png", tmp_path / "good-last.png"
    shutil.copy(BLANK, first)
    shutil.copy(BLANK, last)
    formats = _new_formats(tmp_path)  # good files too, in every format of issue 16
    files = [first, *corpus(tmp_path), *formats, last]
    env = {**os.environ, **{f"TASKMASTER_{k.upper()}": v for k, v in LIMITS.items()}}
    # The wrapper reports the largest process of the run (the CLI or a decoder child).
    wrapper = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "file=sys.stderr); sys.exit(r.returncode)"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            wrapper,
            str(BIN / "taskmaster"),
            "process",
            "--app",
            "intake",
            "--json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    results = json.loads(proc.stdout)  # stdout is pure JSON, whatever a decoder printed
    sources = [p["source"] for d in results for p in d["pages"]]
    assert sources[0] == "good-first.png#1" and sources[-1] == "good-last.png#1"
    assert sources[-1 - len(formats) : -1] == [f"{p.name}#1" for p in formats]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    for name in MUST_FAIL:
        assert sum(line.startswith(f"{name}: ") for line in lines) == 1, proc.stderr
    assert not any(line.startswith(("good-", "page")) for line in lines)
    max_rss_kib = int(next(ln for ln in lines if ln.startswith("maxrss")).split()[1])
    assert max_rss_kib < 3 * 2**20  # the issue's bound: 3 GiB for the whole run


def test_one_bad_pdf_costs_only_itself(home: Path, tmp_path: Path) -> None:
    good_a, bad, good_b = tmp_path / "a.png", tmp_path / "bad.pdf", tmp_path / "b.png"
    shutil.copy(BLANK, good_a)
    shutil.copy(BLANK, good_b)
    bad.write_bytes(hostile.lying_page_tree_pdf(5))
    proc = subprocess.run(
        [str(BIN / "taskmaster"), "process", "--app", "intake", "--json", good_a, bad, good_b],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2
    docs = json.loads(proc.stdout)
    assert [d["pages"][0]["source"] for d in docs] == ["a.png#1", "b.png#1"]
    assert proc.stderr.strip().splitlines() == [
        "bad.pdf: damaged PDF (page 2 of 5 is missing: broken page tree)"
    ]


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("hostile-home")
    with running_server(home, max_upload_bytes=str(3 * 2**20), **LIMITS) as srv:  # type: ignore[arg-type]  # settings, not own_group
        yield srv


def _healthy_now(srv: Server) -> None:
    r = httpx.get(f"{srv.url}/healthz", timeout=5)
    assert r.status_code == 200


def test_every_corpus_file_uploaded_alone_gets_a_clean_answer(
    hardened: Server, tmp_path: Path
) -> None:
    scanner = hardened.user("scan-hostile", "scanner")
    accepted: list[str] = []
    answers: dict[str, int] = {}
    with hardened.client(scanner) as c:
        c.timeout = httpx.Timeout(120)
        for path in corpus(tmp_path):
            r = c.post(
                "/api/v1/batches",
                files={"file": (path.name, path.read_bytes())},
                data={"app": "intake"},
            )
            answers[path.name] = r.status_code
            assert r.status_code in (201, 413, 415, 422), (path.name, r.text)
            if r.status_code == 201:
                accepted.append(r.json()["id"])
            else:
                assert r.json()["error"]["message"].startswith(f"{path.name}: ")
            _healthy_now(hardened)
        for name in MUST_FAIL:
            assert answers[name] in (413, 422), name
        deadline = time.monotonic() + 600
        for batch_id in accepted:
            while (status := c.get(f"/api/v1/batches/{batch_id}").json()["status"]) in (
                "pending",
                "running",
            ):
                assert time.monotonic() < deadline, f"batch {batch_id} still {status}"
                time.sleep(0.5)
            assert status in ("done", "needs_review"), (batch_id, status)
    assert accepted  # the corpus holds damaged-but-readable files too
    assert "Traceback" not in hardened.log.read_text()


def test_every_new_format_is_accepted_by_upload(hardened: Server, tmp_path: Path) -> None:
    scanner = hardened.user("scan-hostile", "scanner")
    with hardened.client(scanner) as c:
        for path in _new_formats(tmp_path):
            r = c.post(
                "/api/v1/batches",
                files={"file": (path.name, path.read_bytes())},
                data={"app": "intake"},
            )
            assert r.status_code == 201, (path.name, r.text)
            assert r.json()["files"][0]["name"] == path.name


def test_concurrent_slow_uploads_are_bounded_never_a_5xx(hardened: Server) -> None:
    scanner = hardened.user("scan-hostile", "scanner")
    data = hostile.many_scans_jpeg(20_000, 2000)  # about 4 s of CPU, over the 2 s limit

    def upload(i: int) -> int:
        with hardened.client(scanner) as c:
            c.timeout = httpx.Timeout(120)
            return c.post(
                "/api/v1/batches", files={"file": (f"s{i}.jpg", data)}, data={"app": "intake"}
            ).status_code

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(upload, range(4)))
    assert set(statuses) <= {413, 429}, statuses  # over the CPU limit, or busy
    _healthy_now(hardened)
