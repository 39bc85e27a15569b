"""Signature fields: is the zone signed? (OMR engine's `signature_present`)."""

from __future__ import annotations

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import Engines, Gray
from taskmaster.reading.result import FieldReading
from taskmaster.reading.zones import crop

_SLACK = 4  # px kept clear of the zone's edges (registration error)


def read(page: Gray, field: FieldDef, engines: Engines) -> FieldReading:
    """True when signed, False when blank."""
    assert field.bbox is not None
    zone = crop(page, field.bbox, _SLACK)
    r = engines.omr.signature_present(zone)
    signed = r.text.strip().lower() == "true"
    return FieldReading(
        value=signed,
        raw=r.text,
        confidence=round(r.confidence, 4),
        source="omr",
        bbox=field.bbox,
        messages=[] if r.confidence >= 0.9 else ["signature: unclear"],
    )
