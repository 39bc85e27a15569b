"""imaging.quantiles gives exactly what numpy gives (value and rounding), on the kinds
of arrays the readers pass: grey zones, flattened float zones, odd and even sizes."""

from __future__ import annotations

import numpy as np
import pytest

from taskmaster.imaging.quantiles import median, median_distance, percentile

QS = (0.0, 0.5, 1.0, 5.0, 25.0, 50.0, 75.0, 90.0, 99.5, 100.0)


def _arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(15)
    out: list[np.ndarray] = [np.array([[7]], np.uint8), np.array([[3, 250]], np.uint8)]
    for shape in [(1, 1), (1, 2), (3, 5), (17, 31), (64, 200), (118, 1048)]:
        paper = rng.integers(180, 256, shape).astype(np.uint8)
        ink = rng.random(shape) < 0.05
        paper[ink] = rng.integers(0, 120, int(ink.sum()))
        out.append(paper)
        out.append(np.full(shape, 255, np.uint8))
        out.append(rng.integers(0, 256, shape).astype(np.uint8)[:, ::-1])  # a strided view
        bg = np.maximum(paper, rng.integers(200, 256, shape).astype(np.uint8))
        norm = paper.astype(np.float32) * 255.0 / np.maximum(bg.astype(np.float32), 1.0)
        out.append(norm)
        out.append(norm.astype(np.float64) * 1.7 - 60.0)  # outside 0..255 too
    return out


@pytest.mark.parametrize("index", range(len(_arrays())))
def test_percentile_is_numpys(index: int) -> None:
    a = _arrays()[index]
    for q in QS:
        want = float(np.percentile(a, q))
        got = percentile(a, q)
        assert got == want, (a.dtype, a.shape, q, got, want)


@pytest.mark.parametrize("index", range(len(_arrays())))
def test_median_and_its_spread_are_numpys(index: int) -> None:
    a = _arrays()[index]
    if a.dtype != np.uint8:
        return
    level = float(np.median(a))
    assert median(a) == level
    want = float(np.median(np.abs(a.astype(np.float32) - level)))
    assert median_distance(a, level) == want
