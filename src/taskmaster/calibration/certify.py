"""Certify accept levels: one per group of fields sharing a `max_error` and per style.

A style is how the page was filled in (typed, by hand; `unjudged` where the readers did
not judge). Each (group, style) is tested on that style's labels only, so the bound is
kept for each kind of paper, not only on their mix: pooled, a level can hold on the
mixture while hand-printed pages, the harder ones, carry more than their share of the
errors and typed pages are held back by them. A style with no labels of a group has no
level: its fields go to review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from taskmaster.calibration.procedure import (
    Choice,
    Curves,
    Key,
    Label,
    choose_level,
    cross_fit,
    fit_curves,
    thresholds_at,
)


def certify(
    labels: Sequence[Label],
    kinds: Mapping[str, str],
    budgets: Mapping[str, float],
    confidence: float,
    curves: Curves | None = None,
) -> tuple[list[Choice], dict[Key, float]]:
    """The level of every (group of fields sharing a max_error, style seen in the
    labels), by the cross-fitted learn-then-test, and the thresholds of every level
    kept, read off `curves` (by default fitted on all labels). `kinds`: field -> kind;
    `budgets`: field -> max_error."""
    curves = curves or fit_curves(labels, kinds)
    folds = cross_fit(labels, kinds)
    styles = sorted({lab.style for lab in labels})
    groups: dict[float, set[str]] = defaultdict(set)
    for name, me in budgets.items():
        groups[me].add(name)
    thresholds: dict[Key, float] = {}
    choices: list[Choice] = []
    for me, mine in sorted(groups.items()):
        for style in styles:
            choice = choose_level(
                [
                    (c, [lab for lab in test if lab.field in mine and lab.style == style])
                    for c, test in folds
                ],
                me,
                confidence,
                style,
            )
            choices.append(choice)
            if choice.level is not None:
                thresholds |= {
                    k: t
                    for k, t in thresholds_at(curves, choice.level).items()
                    if k[0] in mine and k[2] == style
                }
    return choices, thresholds
