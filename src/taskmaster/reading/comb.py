"""Comb fields: one character per printed box (date of birth, phones, ZIP, state, ids).

The grid is never shown to an engine: each cell is cut inside its box, and for typed
combs the cells are laid side by side on white paper, so Tesseract reads one clean line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.imaging.quantiles import percentile
from taskmaster.reading import combalign, combcell, combdecode, combtyped
from taskmaster.reading.consensus import Consensus, read_typed
from taskmaster.reading.recognise import DISAGREE_CAP, HAND_CAP, TYPED_MIN, calibrate_ocr
from taskmaster.reading.repair import REPAIRED_CAP, state, to_pattern
from taskmaster.reading.result import FieldReading, empty
from taskmaster.reading.zones import (
    despeckle,
    erase_lines,
    flat_crop,
    ink_bbox,
    ink_ratio,
    pad,
    stretch,
)

CELL_INSET = 8  # past the 3 px grid line plus registration slack
# The hand-printed character read by the ICR is cut closer to the box: a wide 0 written
# up to the box line lost its side at CELL_INSET and read 2, 3, 5 or 6 (fresh hand pages,
# tuning seeds 7921 and 8433: 12 of 30 misread comb characters). What is left of the line
# the erasers take (`erase_lines` here, `preprocess.erase_box_lines` in the ICR).
HAND_INSET = 4
CELL_EMPTY_INK = 0.004  # share of ink under which a cell is blank (a thin faint 1: 0.005)
# Darker than the cell's paper by this much is ink too. On 84 fresh pages the 480 empty
# cells (lines erased) hold none; every written cell holds >= 3.5%.
FAINT_CONTRAST = 60
TYPED_JITTER = 3  # px of top/bottom spread typed characters stay within
ACCEPT = 0.9  # the accept threshold: a typed state under it is looked at again (bars)
_GAP = 8  # white px between characters laid side by side (a typed letter gap)
BAR_REACH = 4  # px a light stroke reaches out of a glyph's ink to be the glyph's
_DIGITS = "0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CHARSETS = {
    "date": _DIGITS,
    "phone": _DIGITS,
    "zip": _DIGITS,
    "integer": _DIGITS,
    "state": _UPPER,
    "alnum": _UPPER + _DIGITS,
    "string": _UPPER + _DIGITS,
}


def cells(page: Gray, field: FieldDef, inset: int = CELL_INSET) -> list[Gray]:
    """One cleaned image per box of the comb, `inset` px inside it, grid lines left out."""
    return [
        despeckle(erase_lines(stretch(flat_crop(page, box, inset)), depth=6, row_frac=0.8))
        for box in field.boxes
    ]


def _faint_ink(cell: Gray) -> float:
    """Share of the cell darker than its paper by FAINT_CONTRAST: a light pen's thin 1
    on a scan stays above the fixed ink level (its darkest pixel 115, paper 250)."""
    if cell.size == 0:
        return 0.0
    paper = percentile(cell, 75)
    return ink_ratio(np.where(cell < paper - FAINT_CONTRAST, 0, 255).astype(np.uint8))


def canonical(field: FieldDef, text: str) -> tuple[object, list[str]]:
    """The canonical value of a comb's characters, and what is wrong with them."""
    n = len(field.boxes)
    if field.type == "date":
        if len(text) != 8 or not text.isdigit():
            return text, [f"date of {len(text)} digits, expected DDMMYYYY"]
        try:
            return dt.date(int(text[4:]), int(text[2:4]), int(text[:2])).isoformat(), []
        except ValueError:
            return text, [f"not a valid date: {text[:2]}/{text[2:4]}/{text[4:]}"]
    if len(text) != n:
        return text, [f"{len(text)} characters, expected {n}"]
    return text, []


def read(
    page: Gray, field: FieldDef, engines: Engines, *, typed_page: bool = False
) -> FieldReading:
    """Read a comb (`read_comb`); on a typed page, typed letters read as a lone I are
    read again in their cells (`combcell.lone_i_by_cell`), and score in a bin of their
    own where that does not settle them (`combtyped.lone_i`)."""
    out = read_comb(page, field, engines, typed_page=typed_page)
    if typed_page and out.source == "ocr" and isinstance(out.value, str):
        score, note = combtyped.lone_i(field, out.value, out.confidence)
        if note is None:
            return out
        k = combtyped.letter_count(field, len(out.value))
        fixed = combcell.lone_i_by_cell(out.value, k, _filled(page, field), engines)
        if fixed is not None:
            note = f"a lone I among the letters read again in its cell: {fixed[:k]!r}"
            score = min(out.confidence, combcell.LONE_I_SETTLED)
            out = replace(out, value=fixed, raw=fixed)
        out = replace(out, confidence=score, messages=[*out.messages, note])
    return out


def _cell_charsets(field: FieldDef, charset: str, n: int) -> list[str] | None:
    """The characters each of the comb's `n` filled cells may hold: by its pattern, or
    the field type's for every cell; None where the pattern does not say."""
    if field.pattern:
        return combdecode.position_charsets(field.pattern, n)
    return [charset] * n


def _filled(page: Gray, field: FieldDef) -> list[Gray]:
    """The comb's cells that hold a character."""
    return [c for c in cells(page, field) if max(ink_ratio(c), _faint_ink(c)) >= CELL_EMPTY_INK]


def read_comb(
    page: Gray, field: FieldDef, engines: Engines, *, typed_page: bool = False
) -> FieldReading:
    """Read a comb: typed -> Tesseract on the cells side by side (per cell if that
    disagrees with the count of filled cells); hand print -> ICR per cell.
    `typed_page`: the rest of the page is machine print, so the comb is read as typed
    even where a glyph sits off the line (a typed J hangs below it, a fax loses a pixel
    row), and reads that agree score by their agreement (`agreement_score`): not on
    other pages, where Tesseract can agree with itself on neat hand print."""
    assert field.bbox is not None
    imgs = cells(page, field)
    filled = [max(ink_ratio(c), _faint_ink(c)) >= CELL_EMPTY_INK for c in imgs]
    if not any(filled):
        return empty(field.bbox, "ocr")
    charset = CHARSETS.get(field.type, CHARSETS["string"])
    used = [c for c, f in zip(imgs, filled, strict=True) if f]
    looks = typed_page or looks_typed(used)
    if not looks and engines.icr is not None:
        # The filled boxes (decided above, on the cells as cut for every engine) read
        # from cells cut closer to the box (`HAND_INSET`).
        near = [c for c, f in zip(cells(page, field, HAND_INSET), filled, strict=True) if f]
        ir = combdecode.read_cells(field, near, engines.icr, charset)
        return _finish(field, filled, ir.text, list(ir.char_confidences), ir.confidence, "icr", [])
    if looks:
        valid, key = combtyped.length(len(used)), combtyped.form(field, len(used))
        line = _side_by_side(used)
        vote = read_typed(line, engines, charset=charset, valid=valid, key=key, min_reads=2)
        done = combtyped.settle(field, vote, valid, key, line, engines) if typed_page else None
        if typed_page and field.type == "state" and (done is None or done.score < ACCEPT):
            done = combtyped.state_with_bars(vote, used) or done
        if typed_page and done is None:
            done = combtyped.without_ghost(field, vote, len(used), line, engines)
        per = _cell_charsets(field, charset, len(used))
        if typed_page and done is None and per is not None:
            done = combcell.settle_by_cell(vote, valid, key, used, engines, per, _side_by_side)
            if done is None:
                done = combalign.settle_by_cells(vote, key, used, engines, per, _side_by_side)
        if typed_page and done is None:
            done = combcell.settle_blank(vote, valid, key, line, engines, charset)
        if done is not None:
            return _finish(field, filled, done.text, done.confs, done.score, "ocr", done.messages)
    else:  # hand print and no ICR: one read, for the person who will check it
        one = engines.ocr.read_zone(pad(_side_by_side(used)), charset=charset)
        vote = Consensus(one, 1, 1, (one.text,))
    if looks and len("".join(vote.reading.text.split())) != len(used):
        # The line reads split or merged a glyph ("J" -> "3I"): one cell at a time cannot.
        vote = Consensus(_cell_by_cell(used, engines, charset), 0, 1, (*vote.texts, "cell by cell"))
    r = vote.reading
    text = "".join(r.text.split())
    confs = [c for c, ch in zip(r.char_confidences, r.text, strict=False) if not ch.isspace()]
    source, messages = "ocr", []
    typed = r.confidence >= TYPED_MIN and len(text) == len(used) and looks
    if typed and not vote.agreed:
        messages.append("reads disagree: " + " | ".join(vote.texts))
    icr = (
        combdecode.read_cells(field, used, engines.icr, charset)
        if not typed and engines.icr
        else None
    )
    if icr is not None and (icr.confidence > calibrate_ocr(r.confidence) or not text):
        # Typed-looking but not read with confidence: the engine surer of its reading
        # wins (the ICR is near 0 on typed glyphs, Tesseract low on neat hand print).
        text, confs, source = icr.text, list(icr.char_confidences), "icr"
        confidence = icr.confidence
        if "".join(r.text.split()) != text:
            confidence = min(confidence, DISAGREE_CAP)
            messages.append(f"engines differ: {r.text!r} / {icr.text!r}")
    else:
        confidence = calibrate_ocr(r.confidence)
        if not vote.agreed:
            confidence = min(confidence, DISAGREE_CAP)
        if len(text) != len(used):
            confidence = min(confidence, 0.3)
        if not typed:
            confidence = min(confidence, HAND_CAP)
            messages.append("hand-print: low confidence")
    return _finish(field, filled, text, confs, confidence, source, messages)


def _finish(
    field: FieldDef,
    filled: list[bool],
    text: str,
    confs: list[float],
    confidence: float,
    source: str,
    messages: list[str],
) -> FieldReading:
    """The reading of a comb from its characters: pattern repair, canonical value."""
    assert field.bbox is not None
    if not all(filled):
        messages.append(f"{len(filled) - sum(filled)} of {len(filled)} boxes empty")
        confidence = min(confidence, 0.5)
    if field.type == "state" and source == "ocr":
        fixed, repaired = state(text)
        if repaired:
            messages.append(f"repaired from {text!r}")
            text, confidence = fixed, min(confidence, REPAIRED_CAP)
    if field.pattern and source == "ocr":
        fixed, repaired = to_pattern(text, field.pattern)
        if repaired:
            messages.append(f"repaired from {text!r}")
            confidence = min(confidence, combtyped.repaired_cap(text, fixed, REPAIRED_CAP))
            text = fixed
    value, problems = canonical(field, text)
    if problems:
        confidence = min(confidence, 0.3)
    return FieldReading(
        value=value,
        raw=text,
        confidence=round(confidence, 4),
        source=source,
        bbox=field.bbox,
        messages=messages + problems,
        char_confidences=tuple(confs) if len(confs) == len(text) else (),
    )


def _cell_by_cell(imgs: list[Gray], engines: Engines, charset: str) -> Reading:
    """Each cell read on its own (a glyph on white paper); confidence the lowest."""
    reads = [engines.ocr.read_zone(pad(img), charset=charset) for img in imgs]
    text = "".join("".join(r.text.split())[:1] or "?" for r in reads)
    confs = tuple(r.confidence if r.text.strip() else 0.0 for r in reads)
    return Reading(text, min(confs), confs, engines.ocr.name)


def looks_typed(imgs: list[Gray]) -> bool:
    """Whether the characters sit as a typewriter sets them: same top, same bottom.

    Typed digits and capitals share one height and baseline (within 3 px, fax jitter
    included, on the intake samples); hand-printed ones wander by 4-15 px. Tesseract
    reads clear hand-printed digits with a typed-level confidence, so its confidence
    alone cannot tell the two apart.
    """
    boxes = [b for b in (ink_bbox(i) for i in imgs) if b is not None]
    if len(boxes) < 2:
        return True
    tops = [b[1] for b in boxes]
    bottoms = [b[3] for b in boxes]
    heights = [b[3] - b[1] for b in boxes]
    return (
        max(tops) - min(tops) <= TYPED_JITTER
        and max(bottoms) - min(bottoms) <= TYPED_JITTER
        and max(heights) - min(heights) <= TYPED_JITTER + 1
    )


def _side_by_side(imgs: list[Gray]) -> Gray:
    """The cells' characters set as one word: each cut to its ink columns and placed a
    normal letter-gap apart, on the cells' common rows (so the baseline survives).
    Wide white gaps make Tesseract's LSTM repeat or invent characters. A light stroke
    reaching out of the ink (`BAR_REACH`: a blurred serif T's bar, an E's arms) is kept,
    or the T is cut down to an I; a blur's grey rim is not (its 1-2 px made the LSTM
    see a ghost 6 between a 9 and a 0)."""
    h = max(i.shape[0] for i in imgs)
    parts: list[Gray] = []
    for img in imgs:
        col = np.full((h, img.shape[1]), 255, np.uint8)
        col[: img.shape[0]] = img
        box = ink_bbox(col)
        if box is not None:
            x0, x1 = box[0], box[2]
            grey = ink_bbox(col, glyphs=True)
            if grey is not None:
                x0 = grey[0] if x0 - grey[0] >= BAR_REACH else x0
                x1 = grey[2] if grey[2] - x1 >= BAR_REACH else x1
            col = col[:, max(0, x0 - 2) : x1 + 2]
        parts += [col, np.full((h, _GAP), 255, np.uint8)]
    return np.hstack(parts[:-1])
