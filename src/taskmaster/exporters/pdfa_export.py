"""PDF/A export: `<exports>/<app>/<document>.pdf`, PDF/A-2b for the archive.

Each stored page image under an invisible Unicode text layer of the words Taskmaster
recognised (no second OCR pass), made by OCRmyPDF (see `pdf_export`). Options:
`backend` — `internal` (default: pikepdf, no Ghostscript), `ghostscript` or `auto`
(both need the `gs` program).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from taskmaster.exporters import ExportTarget
from taskmaster.hookspecs import hookimpl


class PdfaExporter:
    name = "pdfa"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        # OCRmyPDF and pikepdf (0.12 s of CPU) load only when a PDF is written: every
        # process loads every exporter plugin, and most applications export no PDF.
        from taskmaster.exporters.pdf_export import write_searchable_pdf

        pages = [(p.image, p.dpi, p.words) for p in target.load_pages()]
        with tempfile.TemporaryDirectory(prefix="taskmaster-pdfa-") as tmp:
            out = Path(tmp) / "document.pdf"
            write_searchable_pdf(
                pages,
                out,
                pdfa=True,
                backend=str(target.options.get("backend", "internal")),
                title=f"{result['type']} {result['document']}",
            )
            data = out.read_bytes()
        return target.put(f"{result['document']}.pdf", data)


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"pdfa": PdfaExporter}
