"""OMR on generated checkbox marks: six ways of marking, three pens, clean, faxed and
photographed; crossed-out and half-filled boxes go to review, never read at 0.99."""

from __future__ import annotations

import random

import numpy as np
import pytest

from taskmaster.engines.omr import InkOmrEngine
from taskmaster.reading.checkbox import BOX_MARGIN
from tests.marks import AMBIGUOUS, MARKED, PENS, draw_mark, fax, photo, printed_box

SIDE = 44  # the intake form's printed squares at 300 dpi
DEGRADE = {
    "clean": lambda img, rng: img,
    "fax": lambda img, rng: fax(img, rng.randint(140, 190)),
    "photo": photo,
}


def marks(kind: str, seed: int, n: int = 4) -> list[tuple[str, str, np.ndarray]]:
    """`n` boxes per pen and degradation, cropped as the checkbox reader crops them
    (square plus BOX_MARGIN) with a few pixels of misregistration."""
    rng = random.Random(seed)
    out = []
    for pen in PENS:
        for name, degrade in DEGRADE.items():
            for _ in range(n):
                img, box = printed_box(
                    SIDE, SIDE + 2 * BOX_MARGIN + 4, (rng.randint(-3, 3), rng.randint(-3, 3))
                )
                if kind != "empty":
                    draw_mark(img, box, kind, rng, pen)
                out.append((pen, name, degrade(img, rng)))
    return out


@pytest.fixture(scope="module")
def omr() -> InkOmrEngine:
    return InkOmrEngine()


@pytest.mark.parametrize("kind", MARKED)
def test_marks_read_as_marked(omr: InkOmrEngine, kind: str) -> None:
    results = [(pen, deg, omr.mark(img)) for pen, deg, img in marks(kind, seed=len(kind))]
    misses = [(pen, deg, m) for pen, deg, m in results if m.state != "marked"]
    # A light pen's single short slash, faxed, may fade to almost nothing: it may go to
    # review, but nothing else may be missed, and no miss is a sure "empty".
    assert all(kind == "partial" and pen == "light" and deg == "fax" for pen, deg, _ in misses), (
        misses
    )
    assert all(m.confidence < 0.9 for *_, m in misses), misses
    assert all(m.confidence >= 0.85 for *_, m in results if m.state == "marked")


def test_solid_fill_with_light_pen_is_not_paper(omr: InkOmrEngine) -> None:
    # Otsu splits the black printed line from a grey fill and calls the fill paper.
    img, box = printed_box(SIDE, SIDE + 2 * BOX_MARGIN)
    x0, y0, x1, y1 = box
    img[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3] = 120
    m = omr.mark(img)
    assert (m.state, m.kind) == ("marked", "fill") and m.ink > 0.9


@pytest.mark.parametrize("kind", AMBIGUOUS)
def test_crossed_out_and_half_filled_go_to_review(omr: InkOmrEngine, kind: str) -> None:
    for pen, deg, img in marks(kind, seed=7):
        m = omr.mark(img)
        assert m.state == "ambiguous" and m.confidence <= 0.5, (pen, deg, m)


def test_empty_boxes_stay_empty(omr: InkOmrEngine) -> None:
    results = [omr.mark(img) for *_, img in marks("empty", seed=3)]
    assert not [m for m in results if m.state == "marked"]
    assert sum(m.state == "empty" for m in results) >= len(results) - 1
