"""Write proposed pages and fields out as an application folder.

`<apps>/<name>/app.yaml` plus one reference PNG per page (300 dpi). Each page is a page
type (a fingerprint: its reference image); the pages form one document type, in order,
the first required and the rest optional (a copy scanned without its instructions page
is still the document). Every field keeps how sure its detector was (`detected`) and
why it is doubtful (`unsure`), for the person who checks the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import yaml

from taskmaster.apps.onboard.model import SURE, Found, FoundPage, union
from taskmaster.apps.schema import Application
from taskmaster.imaging.registration import build_fingerprint

FEW_ANCHORS = 8  # a reference with fewer distinctive corners is hard to recognise


class _Flow(list[Any]):
    """A list written on one line (boxes)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def dump_yaml(data: dict[str, Any], header: str = "") -> str:
    """An application mapping as YAML: keys in their order, every box on one line."""

    def flow(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: flow(v, k) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            if key in ("bbox", "size") or (node and all(isinstance(v, int) for v in node)):
                return _Flow(node)
            if key in ("boxes", "parts", "marks"):
                return [_Flow(b) for b in node]
            return [flow(v) for v in node]
        return node

    return header + yaml.dump(
        flow(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


@dataclass
class Summary:
    """What onboarding found, for the person who runs it."""

    app: str
    pages: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    unsure: list[tuple[str, str]] = field(default_factory=list)  # (field, why)
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # per page: acroform | drawing


def page_type_name(app: str, page: FoundPage, count: int) -> str:
    return app if count == 1 else f"{app}-p{page.number}"


def field_dict(f: Found) -> dict[str, Any]:
    """One field as the application YAML has it."""
    d: dict[str, Any] = {"name": f.name}
    if f.label:
        d["label"] = f.label[:120]
    d["kind"] = f.kind
    d["type"] = f.type
    bbox = union([o.bbox for o in f.options]) if f.options else f.bbox
    d["bbox"] = _Flow(bbox)
    if f.kind == "comb":
        d["boxes"] = [_Flow(b) for b in f.boxes]
    if f.options:
        d["options"] = [
            {"value": o.value, "label": o.label[:80], "bbox": _Flow(o.bbox)} for o in f.options
        ]
    if f.style:
        d["style"] = f.style
    if f.lines > 1:
        d["lines"] = f.lines
    if f.format:
        d["format"] = f.format
    if f.pdf_name:
        d["pdf_name"] = f.pdf_name
    d["detected"] = round(f.confidence, 2)
    if f.confidence < SURE:
        d["unsure"] = "; ".join(f.notes) or "the detector was unsure"
    return d


def app_dict(name: str, title: str, pages: list[FoundPage], refs: list[str]) -> dict[str, Any]:
    """The application as a plain mapping (what `app.yaml` holds)."""
    types = [page_type_name(name, p, len(pages)) for p in pages]
    return {
        "name": name,
        "version": 1,
        "title": title,
        "description": "Made by `taskmaster apps new` from a blank form; check the fields "
        "marked `unsure`.",
        "accept_confidence": 0.9,
        "document_types": [
            {
                "name": name,
                "pages": [
                    {"type": t, **({"optional": True} if i else {})} for i, t in enumerate(types)
                ],
            }
        ],
        "exports": [{"kind": "json"}],
        "page_types": [
            {
                "name": t,
                "reference": ref,
                "size": _Flow([int(p.image.shape[1]), int(p.image.shape[0])]),
                "dpi": 300,
                "fields": [field_dict(f) for f in p.fields],
            }
            for t, ref, p in zip(types, refs, pages, strict=True)
        ],
    }


def write_app(folder: Path, name: str, title: str, pages: list[FoundPage]) -> Summary:
    """Write `folder/app.yaml` and the reference images; validate what was written."""
    refs = [f"{page_type_name(name, p, len(pages))}.png" for p in pages]
    data = app_dict(name, title, pages, refs)
    Application.model_validate(data)  # a bug here must not leave a broken app behind
    folder.mkdir(parents=True, exist_ok=True)
    summary = Summary(app=name, pages=len(pages))
    for p, ref in zip(pages, refs, strict=True):
        cv2.imwrite(str(folder / ref), p.image)
        anchors = len(build_fingerprint(ref, p.image).anchors)
        if anchors < FEW_ANCHORS:
            summary.warnings.append(
                f"page {p.number}: only {anchors} distinctive corners; "
                "filled copies may not be recognised"
            )
        summary.sources.append(p.source)
        for f in p.fields:
            summary.kinds[f.kind] = summary.kinds.get(f.kind, 0) + 1
            if f.confidence < SURE:
                summary.unsure.append((f.name, "; ".join(f.notes) or "unsure"))
    header = (
        f"# {title}\n# Made by `taskmaster apps new` from a blank form. Boxes are pixels "
        "of the reference images (300 dpi, origin top left).\n# `detected` is how sure "
        "the detector was; fields marked `unsure` want a look (designer or editor).\n"
    )
    (folder / "app.yaml").write_text(dump_yaml(data, header), encoding="utf-8")
    return summary
