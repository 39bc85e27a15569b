"""Onboarding: an application made from a blank form (`taskmaster apps new --from`).

    source    the blank's pages: 300 dpi reference images and printed text lines
    acroform  a fillable PDF's widgets -> fields at their rectangles
    flat      a flat PDF or scan: fields found in the drawing (boxes, combs, checkboxes,
              fill-in lines, date parts, signature lines)
    naming    labels, names and types for the fields found
    build     the application folder: app.yaml and reference images

A page with widgets is read from them; a page without (a flat PDF page, a scan) from
its drawing.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from taskmaster.apps.onboard import flat
from taskmaster.apps.onboard.acroform import find_widgets
from taskmaster.apps.onboard.build import Summary, write_app
from taskmaster.apps.onboard.drawing import analyse, text_style
from taskmaster.apps.onboard.model import BBox, Found, FoundPage, union
from taskmaster.apps.onboard.naming import name_page
from taskmaster.apps.onboard.source import Decode, ocr_lines, pdf_text, read_blank
from taskmaster.engines.base import OcrEngine
from taskmaster.errors import Conflict, InputError

NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def propose(data: bytes, filename: str, ocr: OcrEngine, decode: Decode) -> list[FoundPage]:
    """The pages of a blank form with their fields found, named and typed; `decode` turns
    the file into page images (`Services.decode_pages`: in the sandbox)."""
    pages, pdf = read_blank(data, filename, decode)
    if pdf is not None:
        frames, _ = pdf_text(pdf)
        find_widgets(pdf, frames, pages)
    fillable = any(p.source == "acroform" for p in pages)
    taken: set[str] = set()
    for page in pages:
        if page.source == "acroform":
            if not page.texts:
                page.texts = ocr_lines(ocr.read_page(page.image))
        elif not fillable:
            drawing = analyse(page.image)
            if not page.texts:
                page.texts = ocr_lines(ocr.read_page(drawing.text_only()))
            page.fields = flat.find_fields(drawing, page.texts)
        # (a fillable PDF's pages without widgets are its instructions: no fields)
        page.fields = [f for f in page.fields if clip(f, page.image.shape[1], page.image.shape[0])]
        for f in page.fields:
            if f.kind == "text":
                f.style = text_style(page.image, f.bbox)
        page.fields.sort(key=lambda f: (f.bbox[1] // 20, f.bbox[0]))
        name_page(page, taken)
    return pages


def onboard(
    data: bytes,
    filename: str,
    name: str,
    apps_dir: Path,
    ocr: OcrEngine,
    *,
    decode: Decode,
    title: str | None = None,
    replace: bool = False,
) -> Summary:
    """Make application `name` from a blank form and install it under `apps_dir`."""
    if not NAME.match(name):
        raise InputError(
            f"application name {name!r}: use lower case letters, digits, "
            "'-' and '_', starting with a letter"
        )
    folder = apps_dir / name
    if (folder / "app.yaml").exists() and not replace:
        raise Conflict(
            f"application {name!r} already exists at {folder} (choose another name, or --replace)"
        )
    pages = propose(data, filename, ocr, decode)
    if replace and folder.exists():
        shutil.rmtree(folder)
    return write_app(folder, name, title or _title(filename), pages)


def clip(f: Found, width: int, height: int) -> bool:
    """Clip a field's boxes to the page (a widget may stick out of it); False when
    nothing of the field is left on the page."""

    def inside(b: BBox) -> BBox:
        return (
            min(max(b[0], 0), width),
            min(max(b[1], 0), height),
            min(max(b[2], 0), width),
            min(max(b[3], 0), height),
        )

    def ok(b: BBox) -> bool:
        return b[2] - b[0] >= 4 and b[3] - b[1] >= 4

    f.bbox = inside(f.bbox)
    f.boxes = [inside(b) for b in f.boxes]
    f.options = [o for o in f.options if ok(inside(o.bbox))]
    for o in f.options:
        o.bbox = inside(o.bbox)
    if f.kind == "comb" and (not f.boxes or not all(ok(b) for b in f.boxes)):
        return False
    if f.kind == "checkbox" and not f.options:
        return False
    if f.options:
        f.bbox = union([o.bbox for o in f.options])
    return ok(f.bbox)


def _title(filename: str) -> str:
    return Path(filename).stem.replace("_", " ").replace("-", " ").strip() or "Form"


__all__ = ["Summary", "onboard", "propose"]
