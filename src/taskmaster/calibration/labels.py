"""Labels: machine readings whose rightness is known.

From verification (the audit log): the last `field.verify` (the operator kept the
machine's value: right) or `field.set` (they entered a value: right if it equals the
machine's ignoring case and spacing, line breaks kept; else wrong) of each field, judged
against the machine reading kept at recognition time. From a truth set: sample files
with ground truth in the intake samples' format, read by the workflow in a scratch data
directory and compared the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from taskmaster.apps.schema import Application
from taskmaster.calibration.fit import source_key, style_key
from taskmaster.calibration.procedure import Label
from taskmaster.db.engine import Database
from taskmaster.db.models import AuditEntry, Document, FieldValue, InputFile, Page
from taskmaster.errors import InputError

ACTIONS = ("field.verify", "field.set")
IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf"}


def norm(value: Any) -> Any:
    """Case and spacing folded, line breaks kept (how values are compared)."""
    if isinstance(value, str):
        lines = [" ".join(line.split()) for line in value.lower().split("\n")]
        return "\n".join(line for line in lines if line) or None
    return value


def same(a: Any, b: Any) -> bool:
    return bool(norm(a) == norm(b))


def from_database(db: Database, app: Application) -> tuple[list[Label], int]:
    """Labels of every verified field of the application, and its verified documents."""
    kinds = {n: f.kind for n, f in app.all_fields().items()}
    with db.session() as session:
        verdicts: dict[tuple[str, str], tuple[str, Any]] = {}
        rows = session.execute(
            select(AuditEntry.document_id, AuditEntry.field, AuditEntry.action, AuditEntry.new)
            .join(Document, Document.id == AuditEntry.document_id)
            .where(Document.app == app.name, AuditEntry.action.in_(ACTIONS))
            .order_by(AuditEntry.id)
        )
        for doc_id, name, action, new in rows:
            if doc_id and name:
                verdicts[(doc_id, name)] = (action, new)  # the last word counts
        keys = {
            doc_id: document_key(sha, index)
            for doc_id, sha, index in session.execute(
                select(Page.document_id, InputFile.sha256, Page.page_index)
                .join(InputFile, InputFile.id == Page.file_id)
                .join(Document, Document.id == Page.document_id)
                .where(Document.app == app.name, Page.number == 1)
            )
        }
        fields = session.execute(
            select(
                FieldValue.document_id,
                FieldValue.name,
                FieldValue.machine_source,
                FieldValue.machine_score,
                FieldValue.machine_value,
                FieldValue.machine_style,
            )
            .join(Document)
            .where(Document.app == app.name, FieldValue.machine_score.is_not(None))
        )
        labels = []
        for doc_id, name, source, score, value, style in fields:
            verdict = verdicts.get((doc_id, name))
            if verdict is None or name not in kinds:
                continue
            right = verdict[0] == "field.verify" or same(verdict[1], value)
            labels.append(
                Label(
                    field=name,
                    kind=kinds[name],
                    source=source_key(source, value),
                    score=float(score),
                    right=right,
                    doc=keys.get(doc_id, doc_id),
                    style=style_key(style),
                )
            )
    return labels, verified_documents(db, app.name)


def document_key(sha256: str, page_index: int) -> str:
    """A document's key for the folds: its file's content and first page's index in it,
    so the same scan always lands in the same fold (a refit is reproducible, and a sample
    labelled twice, by truth and by verify, cannot test a rule its twin helped to make)."""
    return f"{sha256[:16]}#{page_index}"


def verified_documents(db: Database, app: str) -> int:
    """How many of the application's documents an operator has verified."""
    with db.session() as session:
        return int(
            session.scalar(
                select(func.count(func.distinct(AuditEntry.document_id)))
                .join(Document, Document.id == AuditEntry.document_id)
                .where(Document.app == app, AuditEntry.action == "document.verify")
            )
            or 0
        )


def truth_files(folder: Path) -> list[tuple[Path, list[dict[str, Any]]]]:
    """(sample file, its pages' ground truth) for every sample of a truth folder."""
    if not folder.is_dir():
        raise InputError(f"truth folder {folder} does not exist")
    manifest = folder / "manifest.tsv"
    if manifest.is_file():
        rows = csv.DictReader(manifest.read_text(encoding="utf-8").splitlines(), delimiter="\t")
        files = [folder / row["file"] for row in rows]
    else:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGES)
    out = []
    for f in files:
        one = folder / f"{f.stem}.json"
        pages = [one] if one.is_file() else sorted(folder.glob(f"{f.stem}_p*.json"))
        if not pages:
            raise InputError(f"{f}: no ground truth ({f.stem}.json or {f.stem}_p1.json)")
        try:
            out.append((f, [json.loads(p.read_text(encoding="utf-8")) for p in pages]))
        except ValueError as exc:
            raise InputError(f"{f}: ground truth is not JSON: {exc}") from exc
    if not out:
        raise InputError(f"truth folder {folder} holds no samples")
    return out


def field_name(app: Application, page_type: str, name: str) -> str | None:
    """The application's field for a truth key on a page: the same name, else the page's
    one field named `<prefix>_<name>` (the consent page's `consent_signature`)."""
    try:
        names = [f.name for f in app.page_type(page_type).fields]
    except KeyError:
        return None
    if name in names:
        return name
    ends = [n for n in names if n.endswith("_" + name)]
    return ends[0] if len(ends) == 1 else None


def compare(
    app: Application, truth: list[dict[str, Any]], fields: Iterable[FieldValue], doc_key: str
) -> list[Label]:
    """Labels of one document's machine readings against its pages' ground truth."""
    kinds = {n: f.kind for n, f in app.all_fields().items()}
    by_name = {f.name: f for f in fields}
    labels = []
    for page in truth:
        for key, want in (page.get("fields") or {}).items():
            name = field_name(app, str(page.get("form")), key)
            fv = by_name.get(name or "")
            if fv is None or fv.machine_score is None:
                continue
            labels.append(
                Label(
                    field=fv.name,
                    kind=kinds[fv.name],
                    source=source_key(fv.machine_source, fv.machine_value),
                    score=float(fv.machine_score),
                    right=same(fv.machine_value, want),
                    doc=doc_key,
                    style=style_key(fv.machine_style),
                )
            )
    return labels
