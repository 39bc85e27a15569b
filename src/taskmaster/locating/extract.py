"""Template-free field extraction: the page's rows of text -> one value per field.

Each field of a layout page type names its locator in `locate.find` (`company`,
`address`, `date`, `amount`, or `pattern` for a plain regex); the locator returns scored
candidates, and the best becomes the field's value. The confidence combines the
candidate's score, its margin over the best different value and the OCR confidence of
its words, mapped through the field's `locate.calibration` table (fitted on the
development receipts by bench/receipts.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from taskmaster.apps.schema import FieldDef, PageType
from taskmaster.engines.base import Word
from taskmaster.locating.address import find_address
from taskmaster.locating.amounts import find_amounts
from taskmaster.locating.header import find_company
from taskmaster.locating.layout import Line, group_lines, normalise_space
from taskmaster.locating.located import Located, calibrate
from taskmaster.locating.locators import Candidate, Config, _span, find_dates


def find_pattern(lines: list[Line], cfg: Config) -> list[Candidate]:
    """Every match of `locate.regex` (group 1 if it has one), scored `locate.score`."""
    pat = re.compile(cfg["regex"])
    out: list[Candidate] = []
    for ln in lines:
        text = normalise_space(ln.text).upper()
        for m in pat.finditer(text):
            g = 1 if pat.groups else 0
            box, conf = _span(ln, m.start(g), m.end(g))
            out.append(Candidate(m.group(g), float(cfg.get("score", 0.7)), box, conf, ln.index))
    return out


_LOCATORS: dict[str, Callable[[list[Line], Config], list[Candidate]]] = {
    "date": find_dates,
    "amount": find_amounts,
    "company": find_company,
    "pattern": find_pattern,
}


def raw_confidence(cands: list[Candidate]) -> tuple[Candidate | None, float]:
    """The best candidate and an uncalibrated confidence for it."""
    if not cands:
        return None, 0.0
    by_value: dict[str, list[Candidate]] = {}
    for c in cands:
        by_value.setdefault(c.value, []).append(c)
    # Candidates that agree on a value support each other.
    ranked = sorted(
        ((max(c.score for c in cs) + 0.05 * (len(cs) - 1), v) for v, cs in by_value.items()),
        reverse=True,
    )
    score, value = ranked[0]
    best = max(by_value[value], key=lambda c: c.score)
    margin = score - ranked[1][0] if len(ranked) > 1 else score
    raw = 0.5 * min(score, 1.0) + 0.3 * best.ocr_confidence + 0.2 * min(1.0, 2 * margin)
    raw -= best.doubt
    return best, raw


# Confidence cap for values read by another engine than the calibration was fitted on.
UNCALIBRATED_CAP = 0.5


def extract_fields(
    words: list[Word], page_size: tuple[int, int], page_type: PageType, *, ocr: str | None = None
) -> dict[str, Located]:
    """Locate every `kind: layout` field of `page_type` on a page's OCR `words`.

    `page_size` is (width, height) in the words' pixel frame. Fields are located in
    their YAML order, so `address` (which starts below `company`) can refer to it.
    `ocr` names the engine that read `words`: the calibration tables are fitted on the
    words of the page type's `ocr` engine, so values read by another engine are capped
    at a confidence of 0.5 (reviewed) rather than trusted on another engine's record.
    """
    lines = group_lines(words)
    found: dict[str, Located] = {}
    anchor_line: dict[str, int] = {}
    for field in page_type.fields:
        if field.kind != "layout":
            continue
        cfg = field.locate
        kind = str(cfg.get("find", "pattern"))
        if kind == "address":
            after = anchor_line.get(str(cfg.get("after", "company")))
            cands = find_address(lines, cfg, after)
        elif kind in _LOCATORS:
            cands = _LOCATORS[kind](lines, cfg)
        else:
            found[field.name] = Located(None, 0.0, None, (f"unknown locator {kind!r}",))
            continue
        best, raw = raw_confidence(cands)
        found[field.name] = _located(field, best, raw)
        if ocr is not None and page_type.ocr is not None and ocr != page_type.ocr:
            loc = found[field.name]
            why = f"read by {ocr}, calibrated for {page_type.ocr}"
            found[field.name] = Located(
                loc.value, min(loc.confidence, UNCALIBRATED_CAP), loc.bbox, (*loc.messages, why)
            )
        if best is not None:
            anchor_line[field.name] = best.line
    return found


def _located(field: FieldDef, best: Candidate | None, raw: float) -> Located:
    if best is None:
        return Located(None, 0.0, None, ("not found on the page",))
    conf = calibrate(raw, field.locate.get("calibration"))
    return Located(best.value, round(conf, 4), best.bbox)
