"""Why a field waits for the operator, and which of its characters the machine doubted.

The station shows these next to each field so the operator knows what to look at:
`engines disagree` (two readers, or two reads, gave different text), `pattern` (the
value breaks a rule of the form: format, pattern, checksum), `low confidence` (under the
application's threshold) and `missing` (a required field read empty). The reasons are
derived from what recognition and validation stored on the field; nothing is re-read.
"""

from __future__ import annotations

from typing import Any

from taskmaster.apps.schema import FieldDef
from taskmaster.db.models import FieldValue
from taskmaster.db.status import FieldStatus

# Reader messages that mean two engines, or two reads of one engine, did not agree.
_DISAGREE = ("engines differ", "reads disagree")
_INVALID = "invalid: "


# A character read under this is marked as doubtful where the application sets no bare
# accept threshold (its calibration fit decides per field, not per character).
CHAR_DOUBT = 0.9


def char_threshold(fdef: FieldDef | None, accept: float | None) -> float:
    """The confidence under which a character of the raw reading is marked doubtful."""
    limit = threshold_of(fdef, accept)
    return CHAR_DOUBT if limit is None else limit


def threshold_of(fdef: FieldDef | None, accept: float | None) -> float | None:
    """The confidence under which this field is flagged; None where the application's
    calibration fit decides per field and reader (docs/calibration.md)."""
    if fdef is not None and fdef.min_confidence is not None:
        return fdef.min_confidence
    return accept


def reasons(fv: FieldValue, fdef: FieldDef | None, accept: float | None) -> list[dict[str, str]]:
    """Why the field is flagged: `[{"kind", "text"}]`, empty for a field that is ok."""
    if fv.status == FieldStatus.OK:
        return []
    out: list[dict[str, str]] = []
    messages = [str(m) for m in fv.messages or []]
    disagree = [m for m in messages if any(d in m for d in _DISAGREE)]
    if disagree:
        out.append({"kind": "disagree", "text": "engines disagree: " + "; ".join(disagree)})
    problems = [m.removeprefix(_INVALID) for m in messages if m.startswith(_INVALID)]
    if problems:
        out.append({"kind": "pattern", "text": "breaks the form's rule: " + "; ".join(problems)})
    if fv.status == FieldStatus.MISSING:
        out.append({"kind": "missing", "text": "required, but nothing was read"})
    limit = threshold_of(fdef, accept)
    if limit is not None and fv.confidence < limit and fv.status != FieldStatus.MISSING:
        out.append(
            {
                "kind": "low_confidence",
                "text": f"low confidence: {fv.confidence:.0%} (accepted from {limit:.0%})",
            }
        )
    elif limit is None and not out:  # the calibration fit would not accept this reading
        out.append(
            {
                "kind": "low_confidence",
                "text": f"low confidence: {fv.confidence:.0%} right, more than the "
                "application's error budget allows",
            }
        )
    if not out:
        out.append({"kind": "other", "text": "; ".join(messages) or fv.status})
    return out


def characters(fv: FieldValue) -> list[list[Any]] | None:
    """`[[character, confidence], ...]` of the raw reading, when the reader gave them."""
    raw, confs = fv.raw, fv.char_confidences
    if not raw or not confs or len(confs) != len(raw):
        return None
    return [[ch, round(float(c), 2)] for ch, c in zip(raw, confs, strict=True)]
