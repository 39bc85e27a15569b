"""`taskmaster calibrate APP [--truth DIR] [--json]`: refit an application's calibration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from taskmaster.calibration.fit import Fit, totals
from taskmaster.calibration.refit import refit
from taskmaster.calibration.store import home_fit
from taskmaster.cli.progress import batch_progress, wanted
from taskmaster.pipeline.services import Services
from taskmaster.settings import Settings


def _no_curves(f: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in f.items() if k not in ("curves", "styles")}
    if "styles" in f:
        out["styles"] = {s: _no_curves(v) for s, v in f["styles"].items()}
    return out


def summary(fit: Fit) -> dict[str, Any]:
    """What `--json` prints: the fit without its curves and labels."""
    data = {k: v for k, v in fit.data.items() if k not in ("labels", "fields")}
    data["fields"] = {name: _no_curves(f) for name, f in fit.data["fields"].items()}
    data["totals"] = totals(fit)
    return data


def _thresholds(f: dict[str, Any]) -> str:
    return " ".join(f"{s}>={t:g}" for s, t in f.get("thresholds", {}).items()) or "review"


def _row(name: str, kind: str, style: str, f: dict[str, Any], threshold: str) -> str:
    share = f["accepted"] / f["labels"] if f["labels"] else 0.0
    err = f["errors"] / f["accepted"] if f["accepted"] else 0.0
    return (
        f"{name:<24}{kind:<10}{style:<9}{f['labels']:>7}{f['wrong']:>6}{share:>10.1%}"
        f"{f['errors']:>7}{err:>8.2%}{f['bound']:>8.2%}  {threshold}"
    )


def print_table(fit: Fit, path: Path) -> None:
    """Per field its figures on all its labels, then per style (how the page was filled
    in) with that style's thresholds; per style the totals; each group's certified level."""
    out = Console(width=150)
    d = fit.data
    out.print(
        f"[bold]{d['app']}[/]: max_error {d['max_error']:g} at "
        f"{d['confidence']:.0%} confidence; {d['labels_total']} labels "
        f"({', '.join(f'{k} {v}' for k, v in d['label_sources'].items())}; by style: "
        f"{', '.join(f'{k} {v}' for k, v in d.get('styles', {}).items()) or 'none'}); "
        f"{d['verified_documents']} verified documents",
        highlight=False,
    )
    out.print(
        f"{'field':<24}{'kind':<10}{'style':<9}{'labels':>7}{'wrong':>6}{'accepted':>10}"
        f"{'errors':>7}{'error':>8}{'bound':>8}  threshold",
        highlight=False,
    )
    for name, f in d["fields"].items():
        styles = f.get("styles")
        out.print(
            _row(name, f["kind"], "all", f, "" if styles else _thresholds(f)), highlight=False
        )
        for style, s in (styles or {}).items():
            if s["labels"] or s["thresholds"]:
                out.print(_row("", "", style, s, _thresholds(s)), highlight=False)
    t = totals(fit)
    for style, st in [("all", t), *t["styles"].items()]:
        out.print(
            f"{'all fields':<34}{style:<9}{st['labels']:>7}{'':>6}{st['accepted_share']:>10.1%}"
            f"{st['errors']:>7}{st['error']:>8.2%}",
            highlight=False,
        )
    for g in d["groups"]:
        level = "none: every field goes to review" if g["level"] is None else f"{g['level']:g}"
        style = f" on {g['style']} pages" if "style" in g else ""
        out.print(
            f"certified (max_error {g['max_error']:g}){style}: level {level}; cross-fitted "
            f"test: {g['test_errors']} wrong of {g['test_accepted']} accepted, bound "
            f"{g['bound']:.2%} ({d['method']})",
            highlight=False,
        )
    out.print(f"fit stored in {path}", highlight=False)


def calibrate(
    app: str = typer.Argument(..., help="The application to refit."),
    truth: list[Path] = typer.Option(
        None,
        "--truth",
        help="A folder of samples with ground truth in the intake samples' format (repeatable).",
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Leave out the labels of the fit the application ships with."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the fit's figures as JSON."),
) -> None:
    """Refit APP's calibration from everything verified so far (and truth folders)."""
    settings = Settings()
    svc = Services.create(settings)
    try:
        svc.apps.get(app)  # an unknown name fails here, before any work
        fit = refit(
            svc,
            app,
            list(truth or []),
            fresh=fresh,
            watch=lambda db, batch: batch_progress(
                db, batch, "reading the truth set", wanted(as_json)
            ),
        )
    finally:
        svc.close()
    if as_json:
        sys.stdout.write(json.dumps(summary(fit), indent=1) + "\n")
    else:
        print_table(fit, home_fit(settings.home, app))
