"""A calibration fit of one application: build it from labels, and use it.

The fit is a JSON document (`Fit.data`): per field its calibrated curves and accept
thresholds per source, the figures `taskmaster calibrate` prints, the certified bound of
each group of fields sharing a `max_error`, and the labels it was fitted on (so a
shipped fit can seed a refit).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from taskmaster.apps.schema import Application
from taskmaster.calibration.procedure import (
    EDGES,
    FOLDS,
    Choice,
    Label,
    accepted,
    bin_of,
    choose_level,
    clopper_pearson_upper,
    cross_fit,
    fit_curves,
    thresholds_at,
)

METHOD = (
    f"learn-then-test, fixed sequence, {FOLDS}-fold cross-fitted; one-sided Clopper-Pearson bound"
)


def source_key(source: str | None, value: Any) -> str:
    """The pool a reading belongs to: its engine, or `empty` when nothing was read."""
    return "empty" if value is None else (source or "ocr")


@dataclass(frozen=True)
class Fit:
    """A fitted calibration, as stored."""

    data: dict[str, Any]

    @property
    def app(self) -> str:
        return str(self.data["app"])

    def threshold(self, name: str, source: str) -> float | None:
        """Lowest score accepted without a person (None: the field always goes to review)."""
        t = self.data["fields"].get(name, {}).get("thresholds", {}).get(source)
        return None if t is None else float(t)

    def probability(self, name: str, source: str, score: float) -> float | None:
        """P(right) of a reading with this score, or None without a curve."""
        curve = self.data["fields"].get(name, {}).get("curves", {}).get(source)
        return None if curve is None else float(curve[bin_of(score)])

    def labels(self) -> list[Label]:
        return decode_labels(self.data.get("labels", []))


def encode_labels(labels: list[Label]) -> dict[str, Any]:
    """Labels stored compactly (a shipped fit holds tens of thousands, about 6 bytes
    each): the documents once; per field, kind and source the steps between document
    indexes, the scores as three digits of thousandths each (rounded down, 1.0 as 999:
    every bin edge is a whole thousandth under 1, so no label changes bin) and the
    verdicts as one digit each (1 right, 0 wrong)."""
    docs: dict[str, int] = {}
    groups: dict[str, tuple[list[int], list[str], list[str]]] = {}
    for lab in labels:
        index, scores, right = groups.setdefault(
            f"{lab.field}|{lab.kind}|{lab.source}", ([], [], [])
        )
        index.append(docs.setdefault(lab.doc, len(docs)))
        scores.append(f"{min(999, max(0, math.floor(lab.score * 1000 + 1e-6))):03d}")
        right.append("1" if lab.right else "0")
    return {
        "docs": list(docs),
        "groups": {
            key: {
                "doc": [b - a for a, b in zip([0, *index], index, strict=False)],
                "score": "".join(scores),
                "right": "".join(right),
            }
            for key, (index, scores, right) in groups.items()
        },
    }


def decode_labels(data: Any) -> list[Label]:
    """The labels of `encode_labels`, or of the older list of
    [field, kind, source, score, right, doc] rows."""
    if isinstance(data, list):
        return [
            Label(field=f, kind=k, source=s, score=float(sc), right=bool(r), doc=d)
            for f, k, s, sc, r, d in data
        ]
    docs = data["docs"]
    out = []
    for key, g in data["groups"].items():
        name, kind, source = key.split("|")
        index = list(itertools.accumulate(g["doc"]))
        scores = [int(g["score"][i : i + 3]) / 1000 for i in range(0, len(g["score"]), 3)]
        out += [
            Label(field=name, kind=kind, source=source, score=sc, right=r == "1", doc=docs[d])
            for d, sc, r in zip(index, scores, g["right"], strict=True)
        ]
    return out


def _field_max_error(app: Application) -> dict[str, float]:
    return {name: f.max_error or app.max_error for name, f in app.all_fields().items()}


def build(
    app: Application,
    labels: list[Label],
    *,
    verified_documents: int = 0,
    sources: dict[str, int] | None = None,
) -> Fit:
    """Fit curves on all labels, certify a level per group of fields sharing one
    max_error by the cross-fitted test, and summarise every field on all its labels."""
    defs = app.all_fields()
    known = [lab for lab in labels if lab.field in defs]
    kinds = {name: f.kind for name, f in defs.items()}
    curves = fit_curves(known, kinds)
    folds = cross_fit(known, kinds)
    budgets = _field_max_error(app)
    groups: dict[float, list[str]] = defaultdict(list)
    for name, me in budgets.items():
        groups[me].append(name)
    thresholds: dict[tuple[str, str], float] = {}
    choices: list[Choice] = []
    for me, names in sorted(groups.items()):
        mine = set(names)
        choice = choose_level(
            [(c, [lab for lab in test if lab.field in mine]) for c, test in folds],
            me,
            app.error_confidence,
        )
        choices.append(choice)
        if choice.level is not None:
            thresholds |= {
                k: t for k, t in thresholds_at(curves, choice.level).items() if k[0] in mine
            }
    by_field: dict[str, list[Label]] = defaultdict(list)
    for lab in known:
        by_field[lab.field].append(lab)
    fields: dict[str, Any] = {}
    for name, fdef in defs.items():
        mine_labels = by_field.get(name, [])
        hits = [lab for lab in mine_labels if accepted(lab, thresholds)]
        errors = sum(not lab.right for lab in hits)
        fields[name] = {
            "kind": fdef.kind,
            "max_error": budgets[name],
            "labels": len(mine_labels),
            "wrong": sum(not lab.right for lab in mine_labels),
            "accepted": len(hits),
            "errors": errors,
            "bound": round(clopper_pearson_upper(errors, len(hits), app.error_confidence), 5),
            "thresholds": {s: t for (n, s), t in sorted(thresholds.items()) if n == name},
            "curves": {s: c for (n, s), c in sorted(curves.curves.items()) if n == name},
        }
    return Fit(
        {
            "app": app.name,
            "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "method": METHOD,
            "max_error": app.max_error,
            "confidence": app.error_confidence,
            "edges": list(EDGES),
            "verified_documents": verified_documents,
            "label_sources": sources or {},
            "labels_total": len(known),
            "groups": [
                {
                    "max_error": c.max_error,
                    "level": c.level,
                    "test_accepted": c.accepted,
                    "test_errors": c.errors,
                    "bound": round(c.bound, 5),
                    "tested": [list(t) for t in c.tested],
                }
                for c in choices
            ],
            "fields": fields,
            "labels": encode_labels(known),
        }
    )


def totals(fit: Fit) -> dict[str, Any]:
    """Application-wide figures of a fit: labels, accepted, errors among them, bound."""
    f = fit.data["fields"].values()
    labels = sum(x["labels"] for x in f)
    acc = sum(x["accepted"] for x in f)
    err = sum(x["errors"] for x in f)
    wrong = sum(x["wrong"] for x in f)
    return {
        "labels": labels,
        "accepted": acc,
        "errors": err,
        "accepted_share": acc / labels if labels else 0.0,
        "correction_rate": wrong / labels if labels else 0.0,
        "error": err / acc if acc else 0.0,
        "bound": max((g["bound"] for g in fit.data["groups"]), default=1.0),
    }
