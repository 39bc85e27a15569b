"""Checks of an application's zones against its reference images.

Run by the loader after the schema: every box (a field's `bbox`, its comb `boxes`,
date `parts` and checkbox `options`) must have its corners in order and lie inside its
page's reference; a page's `size` must be its reference image's; a field name may
appear once per page type; a text field's `list_format` names a word list there is.
Each problem names the key it is at, so the loader can give the file and the line.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from taskmaster.apps.schema import Application, BBox, FieldDef
from taskmaster.reading.lexicon import LEXICON_DIR

Loc = tuple[str | int, ...]


def _boxes(f: FieldDef) -> Iterator[tuple[Loc, BBox]]:
    if f.bbox is not None:
        yield ("bbox",), f.bbox
    for i, b in enumerate(f.boxes):
        yield ("boxes", i), b
    for i, b in enumerate(f.parts):
        yield ("parts", i), b
    for i, o in enumerate(f.options):
        yield ("options", i, "bbox"), o.bbox


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image file from its header; None if it is not an image.

    A PNG's size is read from its IHDR chunk: Pillow's decompression-bomb limit is a
    process-wide setting the upload loader lowers, and a reference page is no upload."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            width, height = struct.unpack(">II", head[16:24])
            return int(width), int(height)
        with Image.open(path) as im:
            return int(im.size[0]), int(im.size[1])
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def problems(app: Application, folder: Path) -> Iterator[tuple[Loc, str]]:
    """(key path, message) of every geometric problem of `app`, in file order."""
    for p, page in enumerate(app.page_types):
        here: Loc = ("page_types", p)
        size = page.size
        if page.reference:
            actual = image_size(folder / page.reference)
            if actual is None:
                yield (*here, "reference"), f"{page.reference!r} is not a readable image"
                continue
            if size is not None and tuple(size) != actual:
                yield (
                    (*here, "size"),
                    (
                        f"size {list(size)} does not match the reference image "
                        f"{page.reference!r}, which is {list(actual)}"
                    ),
                )
                continue
            size = size or actual
        seen: dict[str, int] = {}
        for i, f in enumerate(page.fields):
            at: Loc = (*here, "fields", i)
            if f.name in seen:
                yield (
                    (*at, "name"),
                    (
                        f"duplicate field name {f.name!r} (also field "
                        f"{seen[f.name] + 1} of page type {page.name!r})"
                    ),
                )
            seen.setdefault(f.name, i)
            if f.list_format is not None:
                yield from _list_problems(f, at)
            for loc, (x0, y0, x1, y1) in _boxes(f):
                if x1 <= x0 or y1 <= y0:
                    yield (
                        (*at, *loc),
                        (
                            f"field {f.name!r}: box [{x0}, {y0}, {x1}, {y1}] is "
                            "inverted or empty (want [x0, y0, x1, y1], x0 < x1, "
                            "y0 < y1)"
                        ),
                    )
                elif size is not None and (x0 < 0 or y0 < 0 or x1 > size[0] or y1 > size[1]):
                    yield (
                        (*at, *loc),
                        (
                            f"field {f.name!r}: box [{x0}, {y0}, {x1}, {y1}] lies "
                            f"outside the page ({size[0]} x {size[1]} px)"
                        ),
                    )


def _list_problems(f: FieldDef, at: Loc) -> Iterator[tuple[Loc, str]]:
    """A `list_format` on a field that is not text, or naming no word list there is."""
    assert f.list_format is not None
    if f.kind != "text":
        yield (*at, "list_format"), f"field {f.name!r}: list_format is for text fields"
    items = f.list_format.items
    if not (LEXICON_DIR / f"{items}.txt").is_file():
        known = ", ".join(sorted(p.stem for p in LEXICON_DIR.glob("*.txt")))
        yield (
            (*at, "list_format", "items"),
            f"field {f.name!r}: no word list {items!r} (there are: {known})",
        )
