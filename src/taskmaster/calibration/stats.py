"""Straight-through figures for the dashboard and /metrics.

Live from the database: per application the share of documents whose every field
validate accepted, and per field the share accepted. From the application's current fit
(its labels): per field the correction rate (operators changed the machine's value), the
measured error among accepted fields and its upper bound; per style (how the pages were
filled in: typed, hand) the share of labels accepted, the error among them and the
certified bound. From the fit history: the same over time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from taskmaster.calibration.fit import totals
from taskmaster.calibration.store import Fits, history
from taskmaster.db.models import Document, FieldValue
from taskmaster.db.status import FieldStatus
from taskmaster.errors import TaskmasterError

BOUND_SCALE = 0.02  # the error bound at the top of the plot


@dataclass
class FieldFigures:
    name: str
    read: int = 0  # machine readings validated
    accepted: int = 0  # of them accepted without a person
    labels: int = 0  # in the fit
    corrected: int = 0
    errors: int = 0  # accepted and wrong, in the fit's labels
    fit_accepted: int = 0
    bound: float | None = None

    @property
    def stp_rate(self) -> float:
        return self.accepted / self.read if self.read else 0.0

    @property
    def correction_rate(self) -> float:
        return self.corrected / self.labels if self.labels else 0.0

    @property
    def error(self) -> float:
        return self.errors / self.fit_accepted if self.fit_accepted else 0.0


@dataclass
class StyleFigures:
    """A fit's figures on the labels of one style (how the page was filled in)."""

    style: str
    labels: int
    accepted_share: float
    error: float
    bound: float  # certified (1.0: nothing of this style is accepted)


@dataclass
class AppFigures:
    app: str
    documents: int = 0
    straight: int = 0
    fitted_at: str | None = None
    bound: float | None = None
    fields: dict[str, FieldFigures] = field(default_factory=dict)
    styles: list[StyleFigures] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stp_rate(self) -> float:
        return self.straight / self.documents if self.documents else 0.0

    @property
    def accepted_points(self) -> str:
        """The plot's line of fields accepted over the fits (0-100%)."""
        return polyline([float(h.get("accepted_share", 0)) for h in self.history])

    @property
    def bound_points(self) -> str:
        """The plot's line of the error bound over the fits (0-2% full height)."""
        return polyline([float(h.get("bound", 1)) / BOUND_SCALE for h in self.history])


def _ok() -> Any:
    return case((FieldValue.machine_status == FieldStatus.OK, 1), else_=0)


def figures(session: Session, fits: Fits, home: Path) -> list[AppFigures]:
    """Every application that has documents or a fit, with its straight-through figures."""
    apps: dict[str, AppFigures] = {}
    per_doc = (
        select(
            Document.app,
            Document.id,
            func.min(_ok()).label("all_ok"),
            func.max(case((Document.qa_sample, 1), else_=0)).label("qa"),
        )
        .join(FieldValue)
        .where(Document.app.is_not(None), FieldValue.machine_status.is_not(None))
        .group_by(Document.app, Document.id)
        .subquery()
    )
    for app, docs, straight in session.execute(
        select(
            per_doc.c.app,
            func.count(),
            func.sum(case(((per_doc.c.all_ok == 1) & (per_doc.c.qa == 0), 1), else_=0)),
        ).group_by(per_doc.c.app)
    ):
        apps[app] = AppFigures(app, int(docs), int(straight or 0))
    for app, name, read, ok in session.execute(
        select(Document.app, FieldValue.name, func.count(), func.sum(_ok()))
        .join(Document)
        .where(FieldValue.machine_status.is_not(None))
        .group_by(Document.app, FieldValue.name)
    ):
        apps[app].fields[name] = FieldFigures(name, int(read), int(ok or 0))
    for name in fits.apps.names():
        try:
            fit = fits.get(name)
        except TaskmasterError:  # a broken app or fit shows as none; validate reports it
            fit = None
        if fit is None:
            continue
        fig = apps.setdefault(name, AppFigures(name))
        sums = totals(fit)
        fig.fitted_at, fig.bound = fit.data.get("fitted_at"), sums["bound"]
        fig.styles = [
            StyleFigures(style, t["labels"], t["accepted_share"], t["error"], t["bound"])
            for style, t in sums["styles"].items()
        ]
        for fname, f in fit.data["fields"].items():
            ff = fig.fields.setdefault(fname, FieldFigures(fname))
            ff.labels, ff.corrected, ff.errors = f["labels"], f["wrong"], f["errors"]
            ff.fit_accepted, ff.bound = f["accepted"], f["bound"]
        fig.history = history(home, name)
    return [apps[a] for a in sorted(apps)]


def polyline(values: list[float], width: int = 240, height: int = 48) -> str:
    """SVG polyline points of values in [0, 1], left to right."""
    if not values:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - max(0.0, min(1.0, v)) * height:.1f}"
        for i, v in enumerate(values)
    )
