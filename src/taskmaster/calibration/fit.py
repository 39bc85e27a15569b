"""A calibration fit of one application: build it from labels, and use it.

The fit is a JSON document (`Fit.data`): per field the figures `taskmaster calibrate`
prints and, per style (how the page was filled in: typed, hand), its figures, calibrated
curves and accept thresholds per source; the certified bound of each group of fields
sharing a `max_error`, per style; and the labels it was fitted on (so a shipped fit can
seed a refit). A fit made before styles (no `styles` key) has one curve and threshold
per field and source, which it applies to every style.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from taskmaster.apps.schema import Application
from taskmaster.calibration.certify import certify
from taskmaster.calibration.procedure import (
    EDGES,
    FOLDS,
    UNJUDGED,
    Key,
    Label,
    accepted,
    bin_of,
    clopper_pearson_upper,
    fit_curves,
)

METHOD = (
    f"learn-then-test, fixed sequence, {FOLDS}-fold cross-fitted; one-sided Clopper-Pearson bound"
)


def source_key(source: str | None, value: Any) -> str:
    """The pool a reading belongs to: its engine, or `empty` when nothing was read."""
    return "empty" if value is None else (source or "ocr")


def style_key(style: str | None) -> str:
    """The style a reading is calibrated as: how its page was filled in (`typed`,
    `hand`), or `unjudged` when the readers did not judge it (a layout page, a reading
    stored before styles)."""
    return style or UNJUDGED


@dataclass(frozen=True)
class Fit:
    """A fitted calibration, as stored."""

    data: dict[str, Any]

    @property
    def app(self) -> str:
        return str(self.data["app"])

    def _of(self, name: str, style: str) -> dict[str, Any]:
        """A field's curves and thresholds for readings of a style (a fit made before
        styles: the field's own, for every style)."""
        f: dict[str, Any] = self.data["fields"].get(name, {})
        if "styles" not in f:
            return f
        mine: dict[str, Any] = f["styles"].get(style, {})
        return mine

    def threshold(self, name: str, source: str, style: str = UNJUDGED) -> float | None:
        """Lowest score accepted without a person (None: the field always goes to review)."""
        t = self._of(name, style).get("thresholds", {}).get(source)
        return None if t is None else float(t)

    def probability(
        self, name: str, source: str, score: float, style: str = UNJUDGED
    ) -> float | None:
        """P(right) of a reading with this score, or None without a curve."""
        curve = self._of(name, style).get("curves", {}).get(source)
        return None if curve is None else float(curve[bin_of(score)])

    def labels(self) -> list[Label]:
        return decode_labels(self.data.get("labels", []))


def encode_labels(labels: list[Label]) -> dict[str, Any]:
    """Labels stored compactly (a shipped fit holds tens of thousands, about 6 bytes
    each): the documents once; per field, kind, source and style the steps between
    document indexes, the scores as three digits of thousandths each (rounded down, 1.0
    as 999: every bin edge is a whole thousandth under 1, so no label changes bin) and
    the verdicts as one digit each (1 right, 0 wrong). An unjudged style is left out of
    the group's key (`field|kind|source`, as fits made before styles store it)."""
    docs: dict[str, int] = {}
    groups: dict[str, tuple[list[int], list[str], list[str]]] = {}
    for lab in labels:
        key = f"{lab.field}|{lab.kind}|{lab.source}"
        if lab.style != UNJUDGED:
            key += f"|{lab.style}"
        index, scores, right = groups.setdefault(key, ([], [], []))
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
    [field, kind, source, score, right, doc] rows; a label stored without a style is
    unjudged."""
    if isinstance(data, list):
        return [
            Label(field=f, kind=k, source=s, score=float(sc), right=bool(r), doc=d)
            for f, k, s, sc, r, d in data
        ]
    docs = data["docs"]
    out = []
    for key, g in data["groups"].items():
        name, kind, source, *style = key.split("|")
        index = list(itertools.accumulate(g["doc"]))
        scores = [int(g["score"][i : i + 3]) / 1000 for i in range(0, len(g["score"]), 3)]
        out += [
            Label(name, kind, source, sc, r == "1", docs[d], style[0] if style else UNJUDGED)
            for d, sc, r in zip(index, scores, g["right"], strict=True)
        ]
    return out


def _field_max_error(app: Application) -> dict[str, float]:
    return {name: f.max_error or app.max_error for name, f in app.all_fields().items()}


def _figures(
    labels: list[Label], thresholds: dict[Key, float], confidence: float
) -> dict[str, Any]:
    """Labels, wrong ones, accepted ones and errors among them, and the bound."""
    hits = [lab for lab in labels if accepted(lab, thresholds)]
    errors = sum(not lab.right for lab in hits)
    return {
        "labels": len(labels),
        "wrong": sum(not lab.right for lab in labels),
        "accepted": len(hits),
        "errors": errors,
        "bound": round(clopper_pearson_upper(errors, len(hits), confidence), 5),
    }


def build(
    app: Application,
    labels: list[Label],
    *,
    verified_documents: int = 0,
    sources: dict[str, int] | None = None,
) -> Fit:
    """Fit curves on all labels, certify a level per group of fields sharing one
    max_error and per style by the cross-fitted test, and summarise every field on all
    its labels and on each style's."""
    defs = app.all_fields()
    known = [lab for lab in labels if lab.field in defs]
    kinds = {name: f.kind for name, f in defs.items()}
    curves = fit_curves(known, kinds)
    styles = sorted({lab.style for lab in known})
    budgets = _field_max_error(app)
    choices, thresholds = certify(known, kinds, budgets, app.error_confidence, curves)
    by_field: dict[str, list[Label]] = defaultdict(list)
    for lab in known:
        by_field[lab.field].append(lab)
    c = app.error_confidence
    fields: dict[str, Any] = {}
    for name, fdef in defs.items():
        mine = by_field.get(name, [])
        fields[name] = {
            "kind": fdef.kind,
            "max_error": budgets[name],
            **_figures(mine, thresholds, c),
            "styles": {
                style: {
                    **_figures([lab for lab in mine if lab.style == style], thresholds, c),
                    "thresholds": {
                        s: t
                        for (n, s, st), t in sorted(thresholds.items())
                        if (n, st) == (name, style)
                    },
                    "curves": {
                        s: v
                        for (n, s, st), v in sorted(curves.curves.items())
                        if (n, st) == (name, style)
                    },
                }
                for style in styles
            },
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
            "styles": {style: sum(lab.style == style for lab in known) for style in styles},
            "groups": [
                {
                    "max_error": ch.max_error,
                    "style": ch.style,
                    "level": ch.level,
                    "test_accepted": ch.accepted,
                    "test_errors": ch.errors,
                    "bound": round(ch.bound, 5),
                    "tested": [list(t) for t in ch.tested],
                }
                for ch in choices
            ],
            "fields": fields,
            "labels": encode_labels(known),
        }
    )


def _sums(figures: list[dict[str, Any]], groups: list[dict[str, Any]]) -> dict[str, Any]:
    labels = sum(x["labels"] for x in figures)
    acc = sum(x["accepted"] for x in figures)
    err = sum(x["errors"] for x in figures)
    wrong = sum(x["wrong"] for x in figures)
    return {
        "labels": labels,
        "accepted": acc,
        "errors": err,
        "accepted_share": acc / labels if labels else 0.0,
        "correction_rate": wrong / labels if labels else 0.0,
        "error": err / acc if acc else 0.0,
        # A group that certified nothing accepts nothing: no error of its own to bound.
        "bound": max((g["bound"] for g in groups if g["level"] is not None), default=1.0),
    }


def totals(fit: Fit) -> dict[str, Any]:
    """Application-wide figures of a fit: labels, accepted, errors among them, the
    certified bound (the largest of its groups'); and the same per style."""
    fields = list(fit.data["fields"].values())
    groups = fit.data["groups"]
    out = _sums(fields, groups)
    out["styles"] = {
        style: _sums(
            [f["styles"][style] for f in fields if style in f.get("styles", {})],
            [g for g in groups if g.get("style", UNJUDGED) == style],
        )
        for style in fit.data.get("styles", {})
    }
    return out
