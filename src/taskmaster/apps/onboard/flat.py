"""Fields found in the drawing of a flat form (a PDF without widgets, a scan, a photo).

The page's ink is split into rules (long thin horizontal and vertical runs) and the
closed cells they draw (`drawing`). From those:

- a small square cell, alone on its row, is a checkbox; the text beside it is its label
  and value. Boxes on one row after a question ("Sex: [] M [] F") or a Yes/No pair form
  one group; boxes each with a long label of their own stay separate fields;
- a run of equal cells side by side is a comb (one character per cell); runs drawn
  apart (month, day, year; the parts of an SSN) are separate fields;
- a larger cell with room below or beside its printed label is a text box;
- a rule with free paper above it is a fill-in line: its label is the text before it
  (or in the space above it); a printed hint (MM, DD, YYYY) makes it a date part, and a
  label that says "signature" a signature line.

Each proposal carries how sure the detector was (`Found.confidence`): a fill-in area
without a label nearby, a lone box without text, a box in an "office use" area, are
doubtful and marked for the person who checks the form.
"""

from __future__ import annotations

import re

from taskmaster.apps.onboard import labels
from taskmaster.apps.onboard.drawing import Cell, Drawing, Rule
from taskmaster.apps.onboard.model import BBox, Found, Option, Text, union

LINE_H = 60  # px: one written line at 300 dpi
MIN_FREE = 45  # px of free paper above a rule for it to be written on (a line of hand print)
MIN_FILL_W = 90  # px: a shorter rule is a dash or an underlined word
_OFFICE = re.compile(r"(?i)office use|official use|do not write|for (?:internal|bank) use")
_SIGN = re.compile(r"(?i)\bsignature\b|\bsign here\b|\bsigned\b")
_YESNO = {"yes", "no", "y", "n", "true", "false", "oui", "non", "ja", "nein", "si"}


def find_fields(d: Drawing, texts: list[Text]) -> list[Found]:
    """Every field the drawing of a page suggests, with the detector's confidence."""
    boxes = [c for c in d.cells if c.kind == "checkbox"]
    texts[:] = [t for t in texts if not any(_inside(t.bbox, b.bbox, 0.5) for b in boxes)]
    fields = _checkboxes(boxes, texts)
    sides: list[BBox] = [c.bbox for c in boxes]
    bottoms: list[BBox] = []
    for run in d.combs:
        cells = [_on_lines(c.bbox) for c in run]
        sides.append(union(cells))
        sure = (
            len(run) >= 3
            or labels.hint(union(cells), texts) is not None
            or _has_row_mate(run, d.combs)
        )
        fields.append(
            Found(
                "comb",
                union(cells),
                boxes=cells,
                confidence=0.95 if sure else 0.75,
                notes=[] if sure else ["two equal cells: a comb?"],
            )
        )
    for cell in d.cells:
        if cell.kind == "box":
            f = _text_box(cell, texts)
            if f is not None:
                fields.append(f)
                sides.append(cell.bbox)  # written inside: its top is no fill-in line
            else:
                bottoms.append(cell.bbox)
    for rule in d.rules:
        f = _fill_in(rule, d, texts, sides, bottoms)
        if f is not None:
            fields.append(f)
    for f in fields:
        around = labels.nearest(f.bbox, texts)[0]
        if around is not None and _OFFICE.search(around.text):
            f.confidence = min(f.confidence, 0.3)
            f.notes.append("in an office-use area: probably not for the form's filler")
    return fields


def _has_row_mate(run: list[Cell], runs: list[list[Cell]]) -> bool:
    """Whether another comb run continues this one's row a little apart (the parts of
    an SSN, a phone number or a date): two equal cells are then a part, not chance."""
    a0, a1 = run[0].bbox, run[-1].bbox
    for other in runs:
        if other is run:
            continue
        b0, b1 = other[0].bbox, other[-1].bbox
        gap = max(b0[0] - a1[2], a0[0] - b1[2])
        if abs(a0[1] - b0[1]) <= 6 and abs(a0[3] - b0[3]) <= 6 and 0 < gap < 3 * run[0].w:
            return True
    return False


def _inside(a: BBox, b: BBox, share: float) -> bool:
    """Whether at least `share` of box `a` lies inside box `b`."""
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    area = max(1, (a[2] - a[0]) * (a[3] - a[1]))
    return ix > 0 and iy > 0 and ix * iy >= share * area


def _on_lines(b: BBox, grow: int = 2) -> BBox:
    """A cell's inside grown onto the middle of its drawn lines (as a widget's rectangle)."""
    return b[0] - grow, b[1] - grow, b[2] + grow, b[3] + grow


# --- checkboxes ----------------------------------------------------------------------


def _checkboxes(boxes: list[Cell], texts: list[Text]) -> list[Found]:
    """Checkboxes with the text beside them, grouped where the form asks one question."""
    opts = []
    for c in boxes:
        t, dist = labels.nearest(c.bbox, texts, checkbox=True)
        label = t.text if t is not None else ""
        opts.append((c, Option(value=_value(label), bbox=_on_lines(c.bbox), label=label), dist))
    taken = {o.label for _, o, _ in opts}
    others = [t for t in texts if t.text not in taken]
    rows: list[list[tuple[Cell, Option, float]]] = []
    for item in sorted(opts, key=lambda o: (o[0].bbox[1], o[0].bbox[0])):
        for row in rows:
            last = row[-1][0].bbox
            if (
                abs(item[0].bbox[1] - last[1]) <= 10
                and 0 < item[0].bbox[0] - last[2] < 700
                and not _text_between(last, item[0].bbox, others)
            ):
                row.append(item)
                break
        else:
            rows.append([item])
    out: list[Found] = []
    for row in rows:
        row.sort(key=lambda o: o[0].bbox[0])
        if len(row) > 1 and _one_question(row, [t for t in texts if t.text not in taken]):
            options = [o for _, o, _ in row]
            out.append(
                Found(
                    "checkbox",
                    union([o.bbox for o in options]),
                    options=options,
                    confidence=min(c.confidence for c, _, _ in row),
                )
            )
            continue
        for c, o, _ in row:
            f = Found("checkbox", o.bbox, options=[o], confidence=c.confidence)
            if not o.label:
                f.confidence = min(f.confidence, 0.6)
                f.notes.append("a small square without text beside it")
            out.append(f)
    return out


def _text_between(a: BBox, b: BBox, texts: list[Text]) -> bool:
    """Whether some text (a new question) stands between boxes `a` and `b` of a row."""
    return any(
        t.bbox[0] >= a[2] and t.bbox[2] <= b[0] and labels.voverlap(a, t.bbox) >= 0.5 for t in texts
    )


def _value(label: str) -> str:
    """An option's value from its printed text: the text itself, kept short."""
    words = re.sub(r"[^\w/&+-]+", " ", label).split()
    return " ".join(words[:4]) or "X"


def _one_question(row: list[tuple[Cell, Option, float]], texts: list[Text]) -> bool:
    """Boxes of one row answer one question: a Yes/No pair, or short option labels
    after a question printed before the first box (`texts` holds no option's label)."""
    words = [o.label.strip().lower().rstrip(".:") for _, o, _ in row]
    if set(words) <= _YESNO and len(set(words)) == len(words):
        return True
    if any(len(w) > 12 or not w for w in words):
        return False
    first = row[0][0].bbox
    before = [
        t
        for t in texts
        if t.bbox[2] <= first[0]
        and first[0] - t.bbox[2] < 300
        and labels.voverlap(first, t.bbox) >= 0.5
    ]
    return bool(before)


# --- boxes and fill-in lines ---------------------------------------------------------


def _text_box(cell: Cell, texts: list[Text]) -> Found | None:
    """A text field in a drawn box: the room below (or right of) the label inside it."""
    x0, y0, x1, y1 = cell.bbox
    inner = [t for t in texts if _inside(t.bbox, cell.bbox, 0.6)]
    if not inner:
        return Found("text", _on_lines(cell.bbox), confidence=0.85, notes=["an empty box"])
    top = max(t.bbox[3] for t in inner) + 4
    if y1 - top >= MIN_FREE and all(t.bbox[1] < y0 + (y1 - y0) * 0.5 for t in inner):
        lines = max(1, round((y1 - top) / LINE_H))
        return Found("text", (x0 - 2, top, x1 + 2, y1 + 2), lines=lines, confidence=0.9)
    right = max(t.bbox[2] for t in inner) + 8
    if len(inner) == 1 and x1 - right >= 2 * (y1 - y0) and y1 - y0 >= MIN_FREE:
        return Found("text", (right, y0 - 2, x1 + 2, y1 + 2), confidence=0.85)
    return None


def _fill_in(
    rule: Rule, d: Drawing, texts: list[Text], sides: list[BBox], bottoms: list[BBox]
) -> Found | None:
    """A field written on `rule`, if there is room above it and it is not the side of a
    cell written in (`sides`: top or bottom) or the bottom of another cell. The field
    ends on the rule and short of the lines standing on it: writing sits on the line."""
    x0, y, x1 = rule.x0, rule.y, rule.x1
    if x1 - x0 < MIN_FILL_W:
        return None

    def along(b: BBox) -> bool:
        return min(x1, b[2]) - max(x0, b[0]) > 0.5 * (x1 - x0)

    if any((abs(y - b[3]) <= 8 or abs(y - b[1]) <= 8) and along(b) for b in sides):
        return None
    if any(abs(y - b[3]) <= 8 and along(b) for b in bottoms):
        return None
    free = d.free_above(x0 + 6, x1 - 6, y)
    before = _label_before(rule, texts)
    sign = any(_SIGN.search(t.text) for t in _near_texts(rule, texts))
    if free < MIN_FREE:
        return None
    if sign:
        return Found("signature", (x0, y - min(free, 2 * LINE_H), x1, y + 2), confidence=0.8)
    if before is not None:
        height = min(free, max(50, round(1.8 * (before.bbox[3] - before.bbox[1]))))
        return Found("text", (x0 + 3, y - height, x1 - 3, y - 2), confidence=0.9)
    height = min(free, 4 * LINE_H)
    lines = max(1, round(height / LINE_H))
    found = Found("text", (x0 + 3, y - height, x1 - 3, y - 2), lines=lines, confidence=0.8)
    if labels.nearest(found.bbox, texts)[0] is None:
        found.confidence = 0.5
        found.notes.append("a line with room above it but no label near it")
    return found


def _label_before(rule: Rule, texts: list[Text]) -> Text | None:
    """Text ending just before the rule's start, on its baseline."""
    for t in texts:
        if (
            0 <= rule.x0 - t.bbox[2] <= 60
            and abs(t.bbox[3] - rule.y) <= 25
            and any(c.isalpha() for c in t.text)
        ):
            return t
    return None


def _near_texts(rule: Rule, texts: list[Text]) -> list[Text]:
    box = (rule.x0, rule.y - LINE_H, rule.x1, rule.y + 4)
    t, _ = labels.nearest(box, texts)
    return [t] if t is not None else []
