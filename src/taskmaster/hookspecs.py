"""Every extension point of Taskmaster, in one place.

Plugins are modules registered in the `taskmaster` entry-point group of their package
(`[project.entry-points.taskmaster]`). The built-in engines and exporters are plugins of
exactly this kind. A plugin implements any of these hooks with `@hookimpl`:

    from taskmaster.hookspecs import hookimpl

    @hookimpl
    def taskmaster_ocr_engines():
        return {"myocr": MyOcrEngine}
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("taskmaster")
hookimpl = pluggy.HookimplMarker("taskmaster")


@hookspec
def taskmaster_ocr_engines() -> dict[str, Any]:  # type: ignore[empty-body]
    """Machine-print OCR engines: name -> factory returning an `OcrEngine`."""


@hookspec
def taskmaster_icr_engines() -> dict[str, Any]:  # type: ignore[empty-body]
    """Hand-print engines: name -> factory returning an `IcrEngine`."""


@hookspec
def taskmaster_barcode_engines() -> dict[str, Any]:  # type: ignore[empty-body]
    """Barcode engines: name -> factory returning a `BarcodeEngine`."""


@hookspec
def taskmaster_omr_engines() -> dict[str, Any]:  # type: ignore[empty-body]
    """Checkbox/signature engines: name -> factory returning an `OmrEngine`."""


@hookspec
def taskmaster_exporters() -> dict[str, Any]:  # type: ignore[empty-body]
    """Exporters: name (the `kind` of an application's export) -> factory of `Exporter`."""
