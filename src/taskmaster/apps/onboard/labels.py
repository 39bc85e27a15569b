"""Which printed text is a field's label: the nearest text in the directions forms use.

Labels sit left of a box on its line, above it (in the same cell or just over it),
inside its top-left corner, or below it (signature and date lines); a checkbox's label
is the text right of it. Each direction has a weight so that, at equal distance, the
usual place wins. Text without a letter ("–", "▶") is never a label.
"""

from __future__ import annotations

import re

from taskmaster.apps.onboard.model import BBox, Text

MAX_DISTANCE = 260  # px (0.9 in): farther text is not this field's label
HINTS = re.compile(r"^\(?\s*(MM|DD|YY|YYYY|AAAA|JJ|month|day|year|mo|yr)\s*\)?$", re.I)


def _vgap(a: BBox, b: BBox) -> int:
    return max(b[1] - a[3], a[1] - b[3], 0)


def voverlap(a: BBox, b: BBox) -> float:
    """How much of the lower of two boxes their common rows cover (1: same line)."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return inter / max(1, min(a[3] - a[1], b[3] - b[1]))


def _hoverlap(a: BBox, b: BBox) -> int:
    return min(a[2], b[2]) - max(a[0], b[0])


def cost(box: BBox, t: BBox, *, checkbox: bool) -> float | None:
    """How far text box `t` is from being `box`'s label (None: not a candidate)."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    if voverlap(box, t) >= 0.5:  # on the same line
        if t[2] <= x0 + 4:
            return (x0 - t[2]) * (1.4 if checkbox else 1.0)
        if t[0] >= x1 - 4:
            return (t[0] - x1) * (0.6 if checkbox else 3.0) + (0 if checkbox else 20)
        if t[0] >= x0 and t[2] <= x1 and t[1] <= y0 + h // 2:  # inside, at the top
            return 6.0
        return None
    if t[3] <= y0 + 6 and _hoverlap(box, t) > 0:  # above
        shift = abs(t[0] - x0)
        return (y0 - t[3]) * 1.2 + 0.15 * shift + (25 if checkbox else 0)
    if t[1] >= y1 - 6 and _hoverlap(box, t) > 0:  # below
        return (t[1] - y1) * 2.0 + 0.15 * abs(t[0] - x0) + 30
    if t[0] >= x0 and t[2] <= x1 and t[1] >= y0 and t[3] <= y1:
        return 6.0
    return None


def nearest(
    box: BBox, texts: list[Text], *, checkbox: bool = False, exclude: set[Text] | None = None
) -> tuple[Text | None, float]:
    """The label of a field at `box` and its cost (lower is surer)."""
    best: tuple[Text | None, float] = (None, float("inf"))
    for t in texts:
        if exclude and t in exclude:
            continue
        if not any(c.isalpha() for c in t.text) or HINTS.match(t.text.strip()):
            continue
        c = cost(box, t.bbox, checkbox=checkbox)
        if c is not None and c < best[1] and c <= MAX_DISTANCE:
            best = (t, c)
    return best


def hint(box: BBox, texts: list[Text]) -> str | None:
    """A date part's printed hint (MM, DD, YYYY) inside, just above or just below `box`."""
    h = box[3] - box[1]
    for t in texts:
        m = HINTS.match(t.text.strip())
        if not m or _hoverlap(box, t.bbox) < 0.5 * min(box[2] - box[0], t.bbox[2] - t.bbox[0]):
            continue
        if _vgap(box, t.bbox) <= max(30, h):
            return m.group(1).upper()
    return None
