"""Fields found in the drawing of a flat form (placeholder)."""

from __future__ import annotations

from taskmaster.apps.onboard.model import Found, Gray, Text


def find_fields(image: Gray, texts: list[Text]) -> list[Found]:
    return []
