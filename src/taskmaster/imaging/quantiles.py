"""`np.percentile` and `np.median` of page pixels, bit for bit, at a fraction of the cost.

The readers take a low percentile of every zone they clean (the darkest ink, the paper
level): thousands per page, on arrays of 10-150 thousand pixels. `np.percentile` sorts
its way there through a general partition (and numpy's Python layer), ~1 ms a call. Grey
pixels take only 256 values, so one histogram (`cv2.calcHist`, ~40 us) gives every order
statistic; a float zone is bucketed by its integer part first and only the bucket that
holds the wanted rank is partitioned. The interpolation is numpy's own ("linear", the
default: `_lerp` of the two neighbouring order statistics in the array's dtype), so the
results are identical to `np.percentile(a, q)` and `np.median(a)`, value and type
(tests/unit/test_quantiles.py compares them on random arrays).
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

_HIST_MAX = 1 << 24  # calcHist counts in float32: exact up to 2^24 pixels


def _histogram(a: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Cumulative counts of the values 0..255 of `a`."""
    if a.size < _HIST_MAX:
        # as one row: calcHist walks a 2-D zone row by row, five times slower
        row = np.ascontiguousarray(a).reshape(1, -1)
        hist = cv2.calcHist([row], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    else:
        hist = np.bincount(a.ravel(), minlength=256).astype(np.int64)
    return np.cumsum(hist)


def _ranks(n: int, q: float) -> tuple[int, int, float]:
    """numpy's "linear" neighbours of percentile `q` of `n` values: (lower rank, upper
    rank, weight of the upper), exactly as `numpy.lib._function_base_impl._quantile`."""
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        return n - 1, n - 1, 0.0
    if virtual < 0:
        return 0, 0, 0.0
    lo = math.floor(virtual)
    return lo, lo + 1, virtual - lo


def _lerp(a: np.generic, b: np.generic, t: float) -> float:
    """numpy's `_lerp` (its rounding: from the nearer end), in the values' own dtype."""
    diff = b - a  # type: ignore[operator]
    return float(b - diff * (1 - t) if t >= 0.5 else a + diff * t)


def _order_u8(cum: npt.NDArray[np.int64], rank: int) -> np.uint8:
    """The value of rank `rank` (0: the smallest) of the pixels counted in `cum`."""
    return np.uint8(int(np.searchsorted(cum, rank, side="right")))


def _order_float(a: npt.NDArray[np.floating], ranks: tuple[int, int]) -> list[np.generic]:
    """The values of ranks `ranks` of the finite array `a`: the integer part (clipped to
    0..255) orders the values coarsely; only the buckets holding the ranks are sorted."""
    flat = a.ravel()
    bins = np.clip(flat, 0, 255).astype(np.uint8)
    cum = _histogram(bins)
    first, last = _order_u8(cum, ranks[0]), _order_u8(cum, ranks[1])
    below = int(cum[first - 1]) if first > 0 else 0
    pick = flat[(bins >= first) & (bins <= last)]
    local = [r - below for r in ranks]
    part = np.partition(pick, local)
    return [part[i] for i in local]


def percentile(a: npt.NDArray[Any], q: float) -> float:
    """`float(np.percentile(a, q))` of a non-empty array of grey pixels (uint8) or of
    finite floats."""
    lo, hi, t = _ranks(int(a.size), q)
    if a.dtype == np.uint8:
        cum = _histogram(np.asarray(a, np.uint8))
        return _lerp(_order_u8(cum, lo), _order_u8(cum, hi), t)
    if a.dtype in (np.float32, np.float64):
        low, high = _order_float(np.asarray(a), (lo, hi))
        return _lerp(low, high, t)
    return float(np.percentile(np.asarray(a, np.float64), q))


def median(a: npt.NDArray[np.uint8]) -> float:
    """`float(np.median(a))` of a non-empty array of grey pixels."""
    n = int(a.size)
    cum = _histogram(np.asarray(a, np.uint8))
    high = int(_order_u8(cum, n // 2))
    if n % 2:
        return float(high)
    return (int(_order_u8(cum, n // 2 - 1)) + high) / 2


def median_distance(a: npt.NDArray[np.uint8], level: float) -> float:
    """`float(np.median(np.abs(a.astype(np.float32) - level)))` for a `level` that is a
    median of grey pixels (a whole or half grey level: every distance is exact)."""
    n = int(a.size)
    cum = _histogram(np.asarray(a, np.uint8))
    counts = np.diff(cum, prepend=0)
    values = np.nonzero(counts)[0]
    dist = np.abs(values.astype(np.float64) - level)
    order = np.argsort(dist, kind="stable")
    sorted_cum = np.cumsum(counts[values][order])

    def at(rank: int) -> float:
        return float(dist[order][int(np.searchsorted(sorted_cum, rank, side="right"))])

    if n % 2:
        return at(n // 2)
    return (at(n // 2 - 1) + at(n // 2)) / 2
