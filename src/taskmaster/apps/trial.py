"""Try an application definition on a filled copy before saving it (the designer's
"try it"): identify the page among the definition's page types, register it onto the
reference, read every field and validate it, without a batch or a database row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np

from taskmaster.apps.registry import LoadedApp
from taskmaster.apps.schema import Application
from taskmaster.engines.base import Engines
from taskmaster.errors import ConfigError
from taskmaster.imaging.loader import PageImage
from taskmaster.imaging.prepare import prepare
from taskmaster.imaging.registration import (
    Fingerprint,
    build_fingerprint,
    identify,
    warp_to_reference,
)
from taskmaster.reading import read_page
from taskmaster.validation import check_value, field_status


def fingerprints(loaded: LoadedApp, app: Application) -> list[Fingerprint]:
    """Fingerprints of the definition's page types (their references live with `loaded`)."""
    out = []
    for pt in app.page_types:
        if not pt.reference:
            continue
        image = cv2.imread(str(loaded.folder / pt.reference), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ConfigError(f"reference image {pt.reference!r} is unreadable")
        out.append(
            build_fingerprint(pt.name, np.asarray(image, np.uint8), marks=list(pt.marks) or None)
        )
    return out


def try_definition(
    loaded: LoadedApp, app: Application, pages: Iterable[PageImage], engines: Engines
) -> list[dict[str, Any]]:
    """Per page of a filled copy (decoded by the caller, in the sandbox): the page type it
    matched (or None) and each field's reading."""
    fps = fingerprints(loaded, app)
    out: list[dict[str, Any]] = []
    for page in pages:
        image = prepare(page).image
        match = identify(image, fps)
        entry: dict[str, Any] = {
            "source": page.source,
            "type": match.page_type,
            "score": round(match.score, 3),
            "fields": {},
        }
        if match.page_type is not None:
            fp = next(f for f in fps if f.page_type == match.page_type)
            registered = warp_to_reference(image, match, fp)
            fields = app.page_type(match.page_type).fields
            readings = read_page(registered, fields, engines)
            for f in fields:
                r = readings[f.name]
                problems = check_value(f, r.value) if r.value is not None else []
                status = field_status(f, r.value, r.confidence, app.accept_confidence, problems)
                entry["fields"][f.name] = {
                    "value": r.value,
                    "confidence": round(r.confidence, 3),
                    "status": status,
                    "bbox": list(r.bbox),
                    "messages": [*r.messages, *problems],
                }
        out.append(entry)
    return out
