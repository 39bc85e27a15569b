"""Labels, names and types for proposed fields.

A field's label is the printed text nearest it (`labels`); its name is the PDF's name
when that means something (`FirstName` -> `first_name`), else the label in snake_case,
made unique. Fields drawn apart on one row (the month, day and year of a date, the three
parts of an SSN) share one label and are told apart by their printed hint (`_mm`) or
their place (`_1`, `_2`). Types are inferred from the label and the tooltip, and only
where the reader of the field's kind yields that type's canonical value; anything
unsure stays a plain string.
"""

from __future__ import annotations

import re
import unicodedata

from taskmaster.apps.onboard import labels
from taskmaster.apps.onboard.model import Found, FoundPage, Text, union

FAR_LABEL = 220  # px (0.7 in): a label farther than this is a guess
_OPAQUE = re.compile(
    r"(?i)^(?:f|c|t|cb|tx|txt|text|textfield|text ?field|check ?box|checkbox|field|fill|"
    r"button|radio|radio ?button|group|untitled|undefined|form|topmostsubform|page)?"
    r"[\s_.-]*\d+(?:[\s_.-]\d+)*$"
)
_GENERIC = {"undefined", "untitled", "field", "text", "none", "null"}
_NUMBERING = re.compile(
    r"^(?:part\s+[ivx]+\b|line\s+\d+[a-z]?\b|\(?[0-9]{1,2}[a-z]?[.)]?(?=\s)|"
    r"\(?[a-h][.)](?=\s))\s*",
    re.I,
)
_TRAILING = {
    "or",
    "and",
    "of",
    "the",
    "if",
    "see",
    "to",
    "for",
    "a",
    "an",
    "in",
    "on",
    "your",
    "enter",
    "here",
    "please",
    "print",
}
_DIGITS = re.compile(
    r"(?i)\b(ssn|social security|employer identification|ein|tin|phone|"
    r"telephone|tel|fax|zip|postal code|date|birth|dob|mm|dd|yyyy|yy)\b"
)
_DATE_PART = {
    "MM": "mm",
    "MONTH": "mm",
    "MO": "mm",
    "DD": "dd",
    "JJ": "dd",
    "DAY": "dd",
    "YYYY": "yyyy",
    "AAAA": "yyyy",
    "YY": "yy",
    "YEAR": "yyyy",
    "YR": "yyyy",
}


def opaque(pdf_name: str) -> bool:
    """Whether a PDF field name says nothing a person would use (`f1_1[0]`, `Text3`)."""
    last = re.sub(r"\[\d+\]$", "", pdf_name.rsplit(".", 1)[-1]).strip()
    return len(last) <= 2 or bool(_OPAQUE.match(last)) or last.lower() in _GENERIC


def snake(text: str, max_words: int = 5) -> str:
    """A label or PDF name as a field name: `1 Name (as shown ...)` -> `name`."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"([a-z])([A-Z])", r"\1 \2", t)
    t = _NUMBERING.sub("", t.strip())
    t = re.split(r"[(.;:?▶►\[]", t, maxsplit=1)[0]
    head = t.split(",", 1)[0]
    if len(head.split()) >= 2:
        t = head
    t = re.sub(r"['’]s\b", "s", t)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", t.lower()) if w][:max_words]
    while words and words[-1] in _TRAILING:
        words.pop()
    name = "_".join(words)
    if name and not name[0].isalpha():
        name = "f_" + name
    return name


def tooltip_text(found: Found) -> str:
    """The tooltip if it says something (not missing, "undefined" or the field's name)."""
    tip = (found.tooltip or "").strip()
    if not tip or tip.lower() in _GENERIC or (found.pdf_name and tip in found.pdf_name):
        return ""
    return tip


def infer_type(found: Found) -> str:
    """A conservative type from the label, the tooltip, the kind and the cell count."""
    if found.kind == "checkbox":
        return "enum" if len(found.options) > 1 else "boolean"
    if found.kind == "signature":
        return "boolean"
    said = f"{found.label} {tooltip_text(found)} {found.hint or ''}".lower()
    n = len(found.boxes) if found.kind == "comb" else (found.maxlen or 0)
    if re.search(r"\be-?mail\b", said) and found.kind == "text":
        return "email"
    if re.search(r"\bstate\b", said) and n == 2 and not re.search(r"\bzip\b|\bcity\b", said):
        return "state"
    if found.kind != "comb":
        return "string"
    if re.search(r"\bzip\b|postal code", said) and n == 5:
        return "zip"
    if re.search(r"\bphone\b|\btelephone\b", said) and n == 10:
        return "phone"
    if _DIGITS.search(said) or found.hint:
        return "integer"
    return "string"


def split_groups(fields: list[Found], texts: list[Text]) -> list[list[Found]]:
    """Text and comb fields drawn apart on one row with nothing printed between them
    but dashes, slashes or hints: the parts of one number or date."""
    rowable = sorted((f for f in fields if f.kind in ("text", "comb")), key=lambda f: f.bbox[0])
    groups: list[list[Found]] = []
    for f in rowable:
        for g in groups:
            last = g[-1]
            if _continues_row(last, f, texts):
                g.append(f)
                break
        else:
            groups.append([f])
    return [g for g in groups if len(g) > 1]


def _continues_row(a: Found, b: Found, texts: list[Text]) -> bool:
    ha, hb = a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]
    if abs(ha - hb) > 0.2 * max(ha, hb) or abs(a.bbox[1] - b.bbox[1]) > 0.25 * ha:
        return False
    gap = b.bbox[0] - a.bbox[2]
    if not -4 <= gap <= 1.5 * max(ha, hb):
        return False
    between = (a.bbox[2], min(a.bbox[1], b.bbox[1]), b.bbox[0], max(a.bbox[3], b.bbox[3]))
    for t in texts:
        inside = (
            t.bbox[0] >= between[0] - 2
            and t.bbox[2] <= between[2] + 2
            and t.bbox[1] < between[3]
            and t.bbox[3] > between[1]
        )
        if inside and any(c.isalpha() for c in t.text) and not labels.HINTS.match(t.text):
            return False
    return True


def name_page(page: FoundPage, taken: set[str]) -> None:
    """Give every field of a page a label, a name (unique within `taken`) and a type."""
    texts = page.texts
    for f in page.fields:
        f.hint = f.hint or labels.hint(f.bbox, texts)
        if f.kind == "checkbox":
            _label_options(f, texts)
    grouped: dict[int, tuple[list[Found], int]] = {}
    for g in split_groups(page.fields, texts):
        for i, f in enumerate(g):
            grouped[id(f)] = (g, i)
    done: set[int] = set()
    for f in page.fields:
        if id(f) in done:
            continue
        if id(f) in grouped:
            group, _ = grouped[id(f)]
            _name_group(group, texts, taken)
            done.update(id(g) for g in group)
            continue
        exclude = {Text(o.label, o.bbox) for o in f.options}
        label, dist = labels.nearest(
            f.bbox,
            texts,
            checkbox=f.kind == "checkbox" and len(f.options) == 1,
            exclude=exclude if len(f.options) > 1 else None,
        )
        if len(f.options) > 1:
            label, dist = _group_label(f, texts)
        _apply(f, label, dist, taken)


def _label_options(f: Found, texts: list[Text]) -> None:
    for o in f.options:
        t, _ = labels.nearest(o.bbox, texts, checkbox=True)
        o.label = t.text if t else ""


def _group_label(f: Found, texts: list[Text]) -> tuple[Text | None, float]:
    """A checkbox group's own label: nearest text that is not one of its options'."""
    own = {o.label for o in f.options}
    rest = [t for t in texts if t.text not in own]
    return labels.nearest(f.bbox, rest)


def _apply(f: Found, label: Text | None, dist: float, taken: set[str], suffix: str = "") -> None:
    f.label = label.text if label else ""
    base = ""
    if f.pdf_name and not opaque(f.pdf_name):
        base = snake(re.sub(r"\[\d+\]", "", f.pdf_name.rsplit(".", 1)[-1]), 6)
        suffix = ""  # the PDF already tells the parts apart
    if not base and label is not None:
        base = snake(label.text)
        if dist > FAR_LABEL:
            f.notes.append(f"label {label.text[:40]!r} is {int(dist)} px away")
            f.confidence = min(f.confidence, 0.6)
    if not base and tooltip_text(f):
        base = snake(tooltip_text(f))
        f.label = f.label or tooltip_text(f)
    if not base:
        base = f.kind
        f.notes.append("no printed label found")
        f.confidence = min(f.confidence, 0.5)
    f.type = infer_type(f)
    f.name = unique(base + suffix, taken)


def _name_group(group: list[Found], texts: list[Text], taken: set[str]) -> None:
    box = union([f.bbox for f in group])
    label, dist = labels.nearest(box, texts)
    hints = [f.hint for f in group]
    dated = all(hints) and len(set(hints)) == len(hints)
    for i, f in enumerate(group, start=1):
        part = _DATE_PART.get(f.hint or "", "") if dated else ""
        if part:
            f.format = f.hint  # the printed hint decides the part's format
        _apply(f, label, dist, taken, suffix=f"_{part or i}")
        f.notes.append(f"part {i} of {len(group)} of one entry drawn apart")


def unique(base: str, taken: set[str]) -> str:
    """`base`, or `base_2`, `base_3` ... whichever is not taken yet; then taken."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name
