"""Straight-through processing earned on the intake samples, through a live server.

Round A (every other sample of samples + samples_more, in manifest order) is uploaded
and every document waiting for review is verified through /api/v1/verify (next, batch
view, submit with the ground truth, as an operator would); then `taskmaster calibrate
intake`; then round B (the other samples) is uploaded and scored before anyone verifies
it: straight-through rate and wrong values among `ok` fields, typed and hand-printed.

    .venv/bin/python bench/stp.py [--strict-app] [--max-error 0.005] [--confidence 0.95]
        [--round-a DIR --round-b DIR]

`--strict-app` installs a copy of intake without its shipped fit (a new application:
everything from round A alone); by default the built-in intake and its shipped fit are
used. `--round-a/--round-b` take the rounds from folders in the samples' format (pages
the shipped fit never saw, e.g. `bench/fresh_forms.py DIR --pages 48 --seed 6001`);
without them the rounds are the development samples (which the shipped fit was made
from, so round B is then not unseen).
Results go to bench/results/stp.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from taskmaster.apps.registry import BUILTIN, AppRegistry  # noqa: E402
from taskmaster.apps.schema import Application  # noqa: E402
from taskmaster.calibration.labels import field_name, same  # noqa: E402
from taskmaster.calibration.store import SHIPPED  # noqa: E402

SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
FORM = SHARED / "forms" / "intake"
FINISHED = ("done", "needs_review", "failed", "cancelled")


@dataclass(frozen=True)
class Sample:
    file: Path
    style: str  # typed | hand
    noise: str
    truth: list[dict[str, Any]]  # one entry per page


def load_samples(folders: list[Path]) -> list[Sample]:
    out = []
    for folder in folders:
        rows = csv.DictReader((folder / "manifest.tsv").read_text().splitlines(), delimiter="\t")
        for row in rows:
            f = folder / row["file"]
            one = folder / f"{f.stem}.json"
            pages = [one] if one.is_file() else sorted(folder.glob(f"{f.stem}_p*.json"))
            out.append(
                Sample(f, row["style"], row["noise"], [json.loads(p.read_text()) for p in pages])
            )
    return out


def truth_of(app: Application, sample: Sample) -> dict[str, Any]:
    """The application's field name -> true value, over the sample's pages."""
    out = {}
    for page in sample.truth:
        for key, value in page["fields"].items():
            name = field_name(app, page["form"], key)
            if name:
                out[name] = value
    return out


def install_strict_app(home: Path, max_error: float, confidence: float) -> None:
    """A copy of intake with its own error budget and no shipped fit: it starts strict."""
    target = home / "apps" / "intake"
    shutil.copytree(BUILTIN / "intake", target, ignore=shutil.ignore_patterns(SHIPPED))
    text = (target / "app.yaml").read_text()
    text = text.replace("max_error: 0.005", f"max_error: {max_error}")
    text = text.replace("error_confidence: 0.95", f"error_confidence: {confidence}")
    (target / "app.yaml").write_text(text)


def upload(c: httpx.Client, samples: list[Sample], app: str = "intake") -> list[str]:
    """Upload the samples in batches of ten; the batch ids."""
    ids = []
    for i in range(0, len(samples), 10):
        files = [("file", (s.file.name, s.file.read_bytes())) for s in samples[i : i + 10]]
        r = c.post("/api/v1/batches", files=files, data={"app": app})
        r.raise_for_status()
        ids.append(r.json()["id"])
    return ids


def wait(c: httpx.Client, batch_ids: list[str], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    for b in batch_ids:
        while c.get(f"/api/v1/batches/{b}").json()["status"] not in FINISHED:
            if time.monotonic() > deadline:
                raise TimeoutError(f"batch {b} did not finish")
            time.sleep(1)


def documents(c: httpx.Client, batch_ids: list[str]) -> list[dict[str, Any]]:
    return [d for b in batch_ids for d in c.get(f"/api/v1/batches/{b}/documents").json()]


def sample_of(doc: dict[str, Any], by_name: dict[str, Sample]) -> Sample | None:
    return by_name.get(doc["pages"][0]["source"].split("#")[0]) if doc["pages"] else None


def score(app: Application, docs: list[dict[str, Any]], samples: list[Sample]) -> dict[str, Any]:
    """Straight through (done, or a QA sample that would have been) and wrong among ok,
    per fill style, before anyone verifies the round."""
    by_name = {s.file.name: s for s in samples}
    out: dict[str, Any] = {}
    for style in ("typed", "hand"):
        mine = [(d, s) for d in docs if (s := sample_of(d, by_name)) and s.style == style]
        ok = wrong = 0
        wrong_list = []
        held: Counter[str] = Counter()  # fields that kept a document from going through
        for d, s in mine:
            truth = truth_of(app, s)
            held.update(name for name, f in d["fields"].items() if f["status"] != "ok")
            for name, f in d["fields"].items():
                if f["status"] == "ok" and name in truth:
                    ok += 1
                    if not same(f["value"], truth[name]):
                        wrong += 1
                        wrong_list.append(
                            f"{s.file.name}:{name}: {f['value']!r} (truth {truth[name]!r})"
                        )
        out[style] = {
            "documents": len(mine),
            "straight_through": sum(d["status"] == "done" for d, _ in mine),
            "qa_samples": sum(bool(d.get("qa_sample")) for d, _ in mine),
            "ok_fields": ok,
            "wrong_among_ok": wrong,
            "wrong_rate": round(wrong / ok, 5) if ok else None,
            "wrong": wrong_list,
            "held_by": dict(held.most_common(10)),
        }
    return out


def _edit(fdef_required: bool, kind: str, machine: Any, truth: Any) -> dict[str, Any]:
    value = machine if same(machine, truth) else truth
    empty = truth is None or (truth is False and kind in ("checkbox", "signature"))
    return {"value": value, "touched": True, "override": bool(fdef_required and empty)}


def verify_all(c: httpx.Client, app: Application, samples: list[Sample]) -> int:
    """Verify every waiting document with its true values; how many were submitted."""
    by_name = {s.file.name: s for s in samples}
    defs = app.all_fields()
    done = 0
    while True:
        r = c.post("/api/v1/verify/next")
        if r.status_code == 204:
            return done
        r.raise_for_status()
        batch = c.get(f"/api/v1/verify/batches/{r.json()['batch']}").json()
        for doc in batch["documents"]:
            sample = sample_of(doc, by_name)
            truth = truth_of(app, sample) if sample else {}
            edits = {
                f["name"]: _edit(
                    defs[f["name"]].required,
                    f["kind"],
                    f["value"],
                    truth.get(f["name"], f["value"]),
                )
                for f in doc["fields"]
            }
            res = c.post(f"/api/v1/verify/documents/{doc['id']}/submit", json={"fields": edits})
            if res.status_code == 422:  # what the truth says is not valid: accept as is
                for name in res.json().get("fields", {}):
                    edits[name]["override"] = True
                res = c.post(f"/api/v1/verify/documents/{doc['id']}/submit", json={"fields": edits})
            res.raise_for_status()
            done += 1


def run(srv: Any, round_a: list[Sample], round_b: list[Sample]) -> dict[str, Any]:
    """The loop against a running server (tests.e2e.conftest.Server)."""
    app = AppRegistry([srv.home / "apps"]).get("intake").app
    token = srv.user("stp-operator", "operator")
    with srv.client(srv.admin_token) as admin, srv.client(token) as op:
        a_ids = upload(admin, round_a)
        wait(admin, a_ids)
        before = score(app, documents(admin, a_ids), round_a)
        verified = verify_all(op, app, round_a)
        wait(admin, a_ids)
        cal = srv.cli("calibrate", "intake", "--json")
        if cal.returncode != 0:
            raise RuntimeError(f"calibrate failed: {cal.stderr}")
        fit = json.loads(cal.stdout)
        b_ids = upload(admin, round_b)
        wait(admin, b_ids)
        after = score(app, documents(admin, b_ids), round_b)
    return {
        "round_a": before,
        "verified_a": verified,
        "fit": {k: fit[k] for k in ("labels_total", "label_sources", "groups", "totals")},
        "round_b": after,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strict-app", action="store_true")
    ap.add_argument("--max-error", type=float, default=0.005)
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--workers", default="2")
    ap.add_argument(
        "--round-a", type=Path, help="round A's samples (default: every other development sample)"
    )
    ap.add_argument("--round-b", type=Path, help="round B's samples (default: the others)")
    args = ap.parse_args()
    from tests.e2e.conftest import running_server

    if (args.round_a is None) != (args.round_b is None):
        ap.error("--round-a and --round-b go together")
    if args.round_a:
        round_a, round_b = load_samples([args.round_a]), load_samples([args.round_b])
    else:
        samples = load_samples([FORM / "samples", FORM / "samples_more"])
        round_a, round_b = samples[0::2], samples[1::2]
    home = Path(tempfile.mkdtemp(prefix="tm-stp-"))
    if args.strict_app:
        install_strict_app(home, args.max_error, args.confidence)
    start = time.perf_counter()
    with running_server(home, workers=args.workers) as srv:
        result = run(srv, round_a, round_b)
    result["seconds"] = round(time.perf_counter() - start)
    result["command"] = " ".join(["bench/stp.py", *sys.argv[1:]])
    for name in ("round_a", "round_b"):
        for style, r in result[name].items():
            print(
                f"{name} {style:<5}: {r['straight_through']}/{r['documents']} straight "
                f"through (+{r['qa_samples']} QA), wrong among ok {r['wrong_among_ok']}"
                f"/{r['ok_fields']}"
            )
            for line in r["wrong"][:10]:
                print("    wrong but ok:", line)
            print("    held for review by:", r["held_by"])
    print("fit:", json.dumps(result["fit"]["groups"]), json.dumps(result["fit"]["totals"]))
    out = ROOT / "bench" / "results" / "stp.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
