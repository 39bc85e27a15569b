"""Small fillable test forms, written with pikepdf: the cases real forms have and the W-9
lacks (letter combs, a date split over widgets with MM DD YYYY hints, a radio group,
checkboxes sharing a name with export values, a lone checkbox, a signature widget,
tooltips missing, "undefined" or right, labels before, above and below their boxes).

`FIELDS` is the truth: PDF name -> (kind, rect in points, extra). `blank_pdf` writes the
form (drawn boxes and printed labels, with or without its widgets); `filled_pdf` writes
a typed copy (values printed in Courier where a filler would type them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

PAGE = (612, 792)
COMB = 1 << 24

# pdf name -> (kind, rect, options); rect = x0, y0, x1, y1 in points, PDF y up
FIELDS: dict[str, dict[str, Any]] = {
    "f1_1[0]": {"kind": "text", "rect": (160, 696, 420, 716)},  # label before
    "Text2": {"kind": "text", "rect": (72, 630, 540, 654), "tooltip": "undefined"},  # above
    "f1_3[0]": {"kind": "comb", "rect": (160, 588, 520, 608), "maxlen": 20},  # letter comb
    "Text7[0]": {"kind": "comb", "rect": (170, 546, 206, 566), "maxlen": 2},  # MM
    "Text8[0]": {"kind": "comb", "rect": (218, 546, 254, 566), "maxlen": 2},  # DD
    "Text9[0]": {"kind": "comb", "rect": (266, 546, 338, 566), "maxlen": 4},  # YYYY
    "RadioButton1": {
        "kind": "radio",
        "options": {"M": (130, 500, 142, 512), "F": (180, 500, 192, 512)},
    },
    "CheckBox3": {
        "kind": "checkboxes",
        "options": {"Phone": (330, 500, 342, 512), "Post": (400, 500, 412, 512)},
    },
    "c1_1[0]": {"kind": "checkbox", "rect": (72, 460, 84, 472), "export": "Yes"},
    "f1_9[0]": {
        "kind": "comb",
        "rect": (72, 404, 322, 424),
        "maxlen": 10,
        "tooltip": "Phone number",
    },  # label below
    "ZipCode": {"kind": "comb", "rect": (400, 404, 490, 424), "maxlen": 5},
    "f2_1[0]": {"kind": "text", "rect": (160, 350, 460, 370)},  # e-mail
    "Sig1": {"kind": "signature", "rect": (72, 200, 320, 240)},
}

LABELS = [  # (x, y, size, text): printed text
    (72, 700, 10, "Last name"),
    (72, 660, 9, "Street address (number and street)"),
    (72, 594, 10, "First name"),
    (72, 552, 10, "Date of birth"),
    (181, 536, 7, "MM"),
    (229, 536, 7, "DD"),
    (290, 536, 7, "YYYY"),
    (72, 503, 10, "Sex:"),
    (146, 503, 10, "M"),
    (196, 503, 10, "F"),
    (250, 503, 10, "Contact by:"),
    (346, 503, 10, "Phone"),
    (416, 503, 10, "Post"),
    (90, 463, 10, "I agree to the terms above"),
    (72, 392, 8, "Daytime phone"),
    (400, 392, 8, "ZIP"),
    (72, 356, 10, "E-mail address"),
    (72, 186, 9, "Signature of applicant"),
    (72, 120, 8, "Office use only"),
]


def _content(values: dict[str, str] | None) -> bytes:
    ops = ["0.8 w"]
    for spec in FIELDS.values():
        kind = spec["kind"]
        if kind in ("text", "comb"):
            x0, y0, x1, y1 = spec["rect"]
            if kind == "comb":
                step = (x1 - x0) / spec["maxlen"]
                ops += [
                    f"{x0 + i * step:.2f} {y0} {step:.2f} {y1 - y0} re S"
                    for i in range(spec["maxlen"])
                ]
            else:
                ops.append(f"{x0} {y0} {x1 - x0} {y1 - y0} re S")
        elif kind in ("radio", "checkboxes"):
            ops += [
                f"{r[0]} {r[1]} {r[2] - r[0]} {r[3] - r[1]} re S" for r in spec["options"].values()
            ]
        elif kind == "checkbox":
            r = spec["rect"]
            ops.append(f"{r[0]} {r[1]} {r[2] - r[0]} {r[3] - r[1]} re S")
        elif kind == "signature":
            x0, y0, x1, _ = spec["rect"]
            ops.append(f"{x0} {y0} m {x1} {y0} l S")
    ops.append("72 100 200 40 re S")  # an office-use box
    for x, y, size, text in LABELS:
        ops.append(f"BT /F1 {size} Tf {x} {y} Td ({text}) Tj ET")
    for name, value in (values or {}).items():
        spec = FIELDS[name]
        if spec["kind"] in ("radio", "checkboxes"):
            r = spec["options"][value]
            ops.append(
                f"2 w {r[0] + 2} {r[1] + 2} m {r[2] - 2} {r[3] - 2} l S "
                f"{r[0] + 2} {r[3] - 2} m {r[2] - 2} {r[1] + 2} l S 0.8 w"
            )
        elif spec["kind"] == "checkbox":
            r = spec["rect"]
            ops.append(f"2 w {r[0] + 2} {r[1] + 2} m {r[2] - 2} {r[3] - 2} l S 0.8 w")
        elif spec["kind"] == "comb":
            x0, y0, x1, _ = spec["rect"]
            step = (x1 - x0) / spec["maxlen"]
            for i, ch in enumerate(value):
                ops.append(
                    f"BT /F2 12 Tf {x0 + i * step + step / 2 - 3.6:.2f} {y0 + 5} Td ({ch}) Tj ET"
                )
        elif spec["kind"] == "text":
            x0, y0, _, _ = spec["rect"]
            ops.append(f"BT /F2 12 Tf {x0 + 4} {y0 + 5} Td ({value}) Tj ET")
    return "\n".join(ops).encode()


def _widget(pdf: pikepdf.Pdf, rect: tuple[float, ...], **keys: Any) -> Dictionary:
    return pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Widget, Rect=Array(list(rect)), **keys)
    )


def _states(pdf: pikepdf.Pdf, on: str) -> Dictionary:
    blank = pdf.make_stream(b"")
    return Dictionary(N=Dictionary({"/" + on: blank, "/Off": blank}))


def _page(pdf: pikepdf.Pdf, values: dict[str, str] | None) -> pikepdf.Page:
    fonts = Dictionary(
        F1=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica),
        F2=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Courier),
    )
    page = pikepdf.Page(
        Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, *PAGE]),
            Resources=Dictionary(Font=fonts),
            Contents=pdf.make_stream(_content(values)),
        )
    )
    pdf.pages.append(page)
    return pdf.pages[-1]


def blank_pdf(path: Path, *, widgets: bool = True) -> Path:
    """Write the blank form (fillable unless `widgets` is False)."""
    pdf = pikepdf.new()
    page = _page(pdf, None)
    if not widgets:
        pdf.save(path)
        return path
    annots, fields = [], []
    for name, spec in FIELDS.items():
        kind = spec["kind"]
        tip = {"TU": pikepdf.String(spec["tooltip"])} if "tooltip" in spec else {}
        if kind in ("text", "comb"):
            extra = {"Ff": COMB, "MaxLen": spec["maxlen"]} if kind == "comb" else {}
            w = _widget(pdf, spec["rect"], FT=Name.Tx, T=pikepdf.String(name), **extra, **tip)
            annots.append(w)
            fields.append(w)
        elif kind in ("radio", "checkboxes"):
            flags = (1 << 15) if kind == "radio" else 0
            parent = pdf.make_indirect(
                Dictionary(FT=Name.Btn, T=pikepdf.String(name), Ff=flags, Kids=Array([]))
            )
            for value, rect in spec["options"].items():
                w = _widget(pdf, rect, Parent=parent, AP=_states(pdf, value))
                parent.Kids.append(w)
                annots.append(w)
            fields.append(parent)
        elif kind == "checkbox":
            w = _widget(
                pdf,
                spec["rect"],
                FT=Name.Btn,
                T=pikepdf.String(name),
                AP=_states(pdf, spec["export"]),
            )
            annots.append(w)
            fields.append(w)
        elif kind == "signature":
            w = _widget(pdf, spec["rect"], FT=Name.Sig, T=pikepdf.String(name))
            annots.append(w)
            fields.append(w)
    page.obj.Annots = Array(annots)
    pdf.Root.AcroForm = Dictionary(Fields=Array(fields))
    pdf.save(path)
    return path


def filled_pdf(path: Path, values: dict[str, str]) -> Path:
    """Write a typed copy: the blank's drawing with `values` printed (no widgets)."""
    pdf = pikepdf.new()
    _page(pdf, values)
    pdf.save(path)
    return path


def to_px(rect: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """A rect in points (PDF y up) as 300 dpi pixels, origin top left."""
    s = 300 / 72
    return (
        round(rect[0] * s),
        round((PAGE[1] - rect[3]) * s),
        round(rect[2] * s),
        round((PAGE[1] - rect[1]) * s),
    )
