"""Fields of a fillable PDF (AcroForm): every widget is a field at its rectangle.

    text widget                      -> text field (multi-line: `lines` from its height)
    text widget, comb flag + MaxLen  -> comb field with MaxLen equal cells
    text widget with MaxLen 1        -> comb field of one cell
    buttons sharing one fully qualified name (radio group or checkboxes)
                                     -> one checkbox field, options = the widgets'
                                        export values (their "on" appearance states)
    a lone checkbox                  -> a checkbox field of one option (a boolean)
    signature widget                 -> signature field
    choice widget (list, combo)      -> text field (what was written in its box)

"Sharing a name" means one fully qualified name (`a.b.c1_1[0]`): `c1_1[0]` and
`c1_1[1]` are two fields. Push buttons are not data and are left out.
"""

from __future__ import annotations

import io
from collections import defaultdict

import pikepdf

from taskmaster.apps.onboard.model import BBox, Found, FoundPage, Option, union
from taskmaster.apps.onboard.source import PdfFrame
from taskmaster.errors import CorruptFile, UnsupportedFormat

_MULTILINE = 1 << 12
_PUSHBUTTON = 1 << 16
_COMB = 1 << 24
_HIDDEN = 1 << 1  # annotation flag
LINE_PX = 55  # height of one written line at 300 dpi (about 13 pt)


def find_widgets(data: bytes, frames: list[PdfFrame], pages: list[FoundPage]) -> int:
    """Add the AcroForm's fields to `pages` (in place); the number of widgets found."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise UnsupportedFormat("password-protected PDF") from exc
    except pikepdf.PdfError as exc:
        raise CorruptFile(f"damaged PDF: {exc}") from exc
    with pdf:
        # fully qualified name -> [(page index, widget dict, field dict)]
        groups: dict[str, list[tuple[int, pikepdf.Dictionary, pikepdf.Dictionary]]] = defaultdict(
            list
        )
        order: list[str] = []
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots") or []:
                if not isinstance(annot, pikepdf.Dictionary):
                    continue
                if annot.get("/Subtype") != "/Widget" or "/Rect" not in annot:
                    continue
                if _int(annot.get("/F")) & _HIDDEN:  # never shown, never filled in
                    continue
                parent = annot.get("/Parent")
                fld = (
                    parent
                    if "/T" not in annot and isinstance(parent, pikepdf.Dictionary)
                    else annot
                )
                name = qualified_name(fld)
                if name not in groups:
                    order.append(name)
                groups[name].append((index, annot, fld))
        count = 0
        for name in order:
            found = _field(name, groups[name], frames)
            if found is not None:
                page_index, f = found
                pages[page_index].fields.append(f)
                pages[page_index].source = "acroform"
                count += len(groups[name])
        return count


def qualified_name(fld: pikepdf.Dictionary) -> str:
    """The field's fully qualified name: its /T and its parents', joined by dots."""
    parts: list[str] = []
    node: pikepdf.Object | None = fld
    seen = 0
    while isinstance(node, pikepdf.Dictionary) and seen < 64:
        if "/T" in node:
            parts.append(str(node.get("/T")))
        node = node.get("/Parent")
        seen += 1
    return ".".join(reversed(parts))


def _inherited(fld: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    node: pikepdf.Object | None = fld
    for _ in range(64):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node.get(key)
        node = node.get("/Parent")
    return None


def _int(obj: pikepdf.Object | None) -> int:
    try:
        return int(obj) if obj is not None else 0
    except (TypeError, ValueError):
        return 0


def on_state(widget: pikepdf.Dictionary) -> str | None:
    """A button widget's export value: the name of its appearance state other than Off."""
    ap = widget.get("/AP")
    normal = ap.get("/N") if isinstance(ap, pikepdf.Dictionary) else None
    if isinstance(normal, pikepdf.Dictionary):
        for key in normal:
            if key != "/Off":
                return str(key).lstrip("/")
    return None


def _field(
    name: str,
    widgets: list[tuple[int, pikepdf.Dictionary, pikepdf.Dictionary]],
    frames: list[PdfFrame],
) -> tuple[int, Found] | None:
    page_index, first, fld = widgets[0]
    ft = str(_inherited(fld, "/FT") or "")
    flags = _int(_inherited(fld, "/Ff"))
    tooltip = _tooltip(fld)
    boxes = [frames[i].to_px(_rect(w)) for i, w, _ in widgets if i == page_index]
    box = boxes[0]
    if ft == "/Btn":
        if flags & _PUSHBUTTON:
            return None
        options: list[Option] = []
        for (_, w, _), b in zip([x for x in widgets if x[0] == page_index], boxes, strict=True):
            value = on_state(w) or str(len(options) + 1)
            options.append(Option(value=value, bbox=b))
        group = len(options) > 1
        return page_index, Found(
            "checkbox",
            union(boxes),
            options=options,
            pdf_name=name,
            tooltip=tooltip,
            notes=[] if group else ["lone checkbox: a boolean"],
        )
    if ft == "/Sig":
        return page_index, Found("signature", box, pdf_name=name, tooltip=tooltip)
    maxlen = _int(_inherited(fld, "/MaxLen")) or None
    # A box that holds one character is read as one (a one-cell comb): a whole-line
    # reader takes "C" in a wide box for "Cc".
    if ft == "/Tx" and (flags & _COMB or maxlen == 1) and maxlen and not flags & _MULTILINE:
        return page_index, Found(
            "comb", box, boxes=cells(box, maxlen), pdf_name=name, tooltip=tooltip, maxlen=maxlen
        )
    if ft in ("/Tx", "/Ch"):
        lines = max(1, round((box[3] - box[1]) / LINE_PX)) if flags & _MULTILINE else 1
        return page_index, Found(
            "text", box, lines=lines, pdf_name=name, tooltip=tooltip, maxlen=maxlen
        )
    return None


def _rect(widget: pikepdf.Dictionary) -> tuple[float, float, float, float]:
    r = [float(v) for v in widget.get("/Rect") or [0, 0, 0, 0]]
    return r[0], r[1], r[2], r[3]


def _tooltip(fld: pikepdf.Dictionary) -> str | None:
    tu = _inherited(fld, "/TU")
    text = " ".join(str(tu).split()) if tu is not None else ""
    return text or None


def cells(box: BBox, n: int) -> list[BBox]:
    """`box` cut into `n` equal cells side by side."""
    x0, y0, x1, y1 = box
    step = (x1 - x0) / n
    return [(round(x0 + i * step), y0, round(x0 + (i + 1) * step), y1) for i in range(n)]
