"""Scoring `taskmaster process --app intake --json` output against intake ground truth.

Shared by bench/intake.py (one folder) and bench/generalisation.py (development samples
and fresh pages side by side). Text is compared case-insensitively with whitespace
normalised, as the samples' README says.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

CONSENT_NAMES = {
    "patient_id": "consent_patient_id",
    "signature": "consent_signature",
    "signature_date": "consent_signature_date",
}
DIGIT_COMBS = ("date_of_birth", "zip", "phone_mobile", "phone_home", "emergency_phone")


def norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.replace("\n", " \n ").split()).replace(" \n ", "\n").lower()
    return value


def load_truth(folder: Path, limit: int | None) -> list[dict[str, Any]]:
    """One entry per input file: its style/noise and the truth of each of its pages."""
    text = (folder / "manifest.tsv").read_text().splitlines()
    rows = list(csv.DictReader(text, delimiter="\t"))[:limit]
    out = []
    for row in rows:
        stem = Path(row["file"]).stem
        pages = (
            [json.loads((folder / f"{stem}.json").read_text())]
            if (folder / f"{stem}.json").exists()
            else [json.loads(p.read_text()) for p in sorted(folder.glob(f"{stem}_p*.json"))]
        )
        out.append(
            {
                "file": folder / row["file"],
                "style": row["style"],
                "noise": row["noise"],
                "pages": pages,
            }
        )
    return out


def field_kinds(fields_json: dict[str, Any]) -> dict[str, str]:
    kinds = {f["name"]: f["kind"] for f in fields_json["fields"]}
    kinds |= {
        CONSENT_NAMES.get(f["name"], f["name"]): f["kind"]
        for f in fields_json["consent_page"]["fields"]
    }
    return kinds


def kind_of(field: str, kinds: dict[str, str], style: str) -> str:
    k = kinds[field]
    if style == "hand" and k in ("text", "comb", "date"):
        return "hand-print"
    return {"text": "typed text"}.get(k, k)


def comb_chars(name: str, value: Any) -> str:
    """The characters written in a digit comb (a date comb holds DDMMYYYY)."""
    if value is None:
        return ""
    s = str(value)
    if name == "date_of_birth" and len(s) == 10 and s[4] == "-":
        return s[8:10] + s[5:7] + s[0:4]
    return s


def score(
    items: list[dict[str, Any]], docs: list[dict[str, Any]], kinds: dict[str, str]
) -> dict[str, Any]:
    """Accuracy by kind, digit-comb characters on hand pages, identification, STP, wrong
    among `ok`, and every wrong field."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    chars = [0, 0]
    ok_total = ok_wrong = ident_ok = stp = 0
    wrong_ok: list[str] = []
    errors: list[str] = []
    by_file = defaultdict(list)
    for d in docs:
        by_file[d["pages"][0]["source"].split("#")[0]].append(d)
    n_pages = sum(len(it["pages"]) for it in items)
    for it in items:
        mine = by_file.get(it["file"].name, [])
        truth_types = [p["form"] for p in it["pages"]]
        got_types = [p["type"] for d in mine for p in d["pages"]]
        ident_ok += sum(1 for a, b in zip(truth_types, got_types, strict=False) if a == b)
        if len(mine) != 1:
            errors.append(f"{it['file'].name}: {len(mine)} documents")
            continue
        doc = mine[0]
        stp += doc["status"] == "done"
        for page in it["pages"]:
            rename = CONSENT_NAMES if page["form"].endswith("consent") else {}
            for name, want in page["fields"].items():
                name = rename.get(name, name)
                got = doc["fields"].get(name, {})
                right = norm(got.get("value")) == norm(want)
                k = kind_of(name, kinds, it["style"])
                acc[k][0] += right
                acc[k][1] += 1
                if it["style"] == "hand" and name in DIGIT_COMBS and want is not None:
                    w, g = comb_chars(name, want), comb_chars(name, got.get("value"))
                    chars[0] += sum(a == b for a, b in zip(w, g, strict=False))
                    chars[1] += len(w)
                line = (
                    f"{it['file'].name}:{name} [{k}, {it['noise']}]: {got.get('value')!r} "
                    f"(truth {want!r}, {got.get('status')} {got.get('confidence')})"
                )
                if not right:
                    errors.append(line)
                if got.get("status") == "ok":
                    ok_total += 1
                    if not right:
                        ok_wrong += 1
                        wrong_ok.append(line)
    return {
        "pages": n_pages,
        "documents": len(items),
        "field_accuracy": {k: round(v[0] / v[1], 4) for k, v in sorted(acc.items())},
        "field_counts": {k: v[1] for k, v in sorted(acc.items())},
        "hand_comb_digits_by_char": round(chars[0] / chars[1], 4) if chars[1] else None,
        "hand_comb_digit_chars": chars[1],
        "identification": round(ident_ok / n_pages, 4) if n_pages else None,
        "stp_rate": round(stp / len(items), 4) if items else None,
        "ok_fields": ok_total,
        "ok_wrong": ok_wrong,
        "ok_error_rate": round(ok_wrong / ok_total, 4) if ok_total else None,
        "wrong_but_ok": wrong_ok,
        "errors": errors,
    }
