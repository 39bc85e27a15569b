"""Calibration in the pipeline, on a real SQLite database: validate applies the current
fit (re-read when its file changes), a new application starts strict, rules that must
hold keep a document in review, QA samples, labels from the audit log, server refits.

Documents are written as recognize leaves them (machine reading in its own columns) and
run through the real validate stage; fits are written by the real `save_fit`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskmaster.calibration.fit import Fit, build
from taskmaster.calibration.labels import from_database, same
from taskmaster.calibration.procedure import EDGES, Label
from taskmaster.calibration.refit import AutoRefit, gather
from taskmaster.calibration.store import SHIPPED, home_fit, save_fit
from taskmaster.db.models import AuditEntry, Batch, Document, FieldValue, InputFile, Page
from taskmaster.pipeline import validate
from taskmaster.pipeline.context import TaskContext
from taskmaster.pipeline.services import Services
from taskmaster.reading.result import PROPOSED
from taskmaster.settings import Settings
from tests.conftest import BLANK

TINY = """\
name: tiny
document_types:
  - name: tiny-v1
    pages: [{type: tiny-v1}]
page_types:
  - name: tiny-v1
    reference: form.png
    fields:
      - {name: last_name, kind: text, required: true, bbox: [170, 598, 1180, 672]}
      - name: consent
        kind: checkbox
        type: boolean
        required: true
        bbox: [170, 2760, 1093, 2804]
        options: [{value: true, bbox: [170, 2760, 214, 2804]}]
      - {name: signature, kind: signature, type: boolean, required: true,
         bbox: [210, 2892, 1420, 3002]}
"""
GOOD = {
    "last_name": ("KOWALSKI", "ocr", 0.95),
    "consent": (True, "omr", 0.99),
    "signature": (True, "omr", 0.99),
}


def _services(home: Path, qa_share: float = 0.0) -> Services:
    return Services.create(Settings(home=home, hot_folder=False, workers=1, qa_share=qa_share))


@pytest.fixture
def svc(home: Path) -> Iterator[Services]:
    (home / "apps" / "tiny").mkdir(parents=True)
    (home / "apps" / "tiny" / "app.yaml").write_text(TINY)
    shutil.copy(BLANK, home / "apps" / "tiny" / "form.png")
    services = _services(home)
    yield services
    services.close()


def _fit(thresholds: dict[str, float], app: str = "tiny") -> Fit:
    curve = [0.5 + 0.49 * i / (len(EDGES) - 1) for i in range(len(EDGES))]
    fields = {
        name: {
            "kind": "text",
            "max_error": 0.005,
            "labels": 50,
            "wrong": 1,
            "accepted": 40,
            "errors": 0,
            "bound": 0.07,
            "thresholds": {src: thresholds[name]},
            "curves": {src: curve},
        }
        for name, (_, src, _) in GOOD.items()
        if name in thresholds
    }
    return Fit(
        {
            "app": app,
            "fitted_at": "2026-11-30T12:00:00+00:00",
            "method": "test",
            "max_error": 0.005,
            "confidence": 0.95,
            "verified_documents": 0,
            "groups": [{"max_error": 0.005, "level": 0.99, "bound": 0.004}],
            "fields": fields,
        }
    )


def _styled(fit: Fit, style: str) -> Fit:
    """The fit as one made with styles, whose every threshold is of one style's pages."""
    data = json.loads(json.dumps(fit.data))
    for f in data["fields"].values():
        figures = {k: f[k] for k in ("labels", "wrong", "accepted", "errors", "bound")}
        f["styles"] = {
            style: figures | {"thresholds": f.pop("thresholds"), "curves": f.pop("curves")}
        }
    data["groups"] = [g | {"style": style} for g in data["groups"]]
    data["styles"] = {style: 0}
    return Fit(data)


def _document(
    svc: Services, readings: dict[str, tuple[Any, str, float]], style: str | None = None
) -> tuple[str, str]:
    with svc.db.session() as s:
        batch = Batch(apps=["tiny"], status="running", task="validate")
        s.add(batch)
        s.flush()
        doc = Document(batch_id=batch.id, seq=1, app="tiny", type="tiny-v1")
        for i, (name, (value, source, score)) in enumerate(readings.items()):
            doc.fields.append(
                FieldValue(
                    name=name,
                    position=i,
                    kind="text",
                    type="string",
                    page=1,
                    value=value,
                    confidence=score,
                    source=source,
                    machine_value=value,
                    machine_score=score,
                    machine_source=source,
                    machine_style=style,
                    messages=[],
                )
            )
        s.add(doc)
        s.commit()
        return batch.id, doc.id


def _validated(
    svc: Services, readings: dict[str, tuple[Any, str, float]], style: str | None = None
) -> Document:
    batch_id, doc_id = _document(svc, readings, style)
    validate.run(TaskContext(batch_id=batch_id), svc)
    with svc.db.session() as s:
        doc = s.get_one(Document, doc_id)
        doc.fields  # noqa: B018 (loaded before the session closes)
        s.expunge_all()
        return doc


def _status(doc: Document) -> dict[str, str]:
    return {f.name: f.status for f in doc.fields}


def test_a_new_application_starts_strict(svc: Services) -> None:
    doc = _validated(svc, GOOD)
    assert doc.status == "needs_review"
    assert set(_status(doc).values()) == {"needs_review"}
    assert {f.name: f.machine_status for f in doc.fields} == _status(doc)


def test_the_fit_decides_and_a_new_fit_applies_to_the_next_batch(svc: Services) -> None:
    save_fit(svc.settings.home, _fit({"last_name": 0.9, "consent": 0.94, "signature": 0.94}))
    doc = _validated(svc, GOOD)
    assert doc.status == "done" and set(_status(doc).values()) == {"ok"}
    last = next(f for f in doc.fields if f.name == "last_name")
    assert last.confidence == pytest.approx(0.5 + 0.49 * 10 / 15)  # the fit's P(right)
    assert last.machine_score == 0.95  # the reader's own score is kept
    save_fit(svc.settings.home, _fit({"last_name": 0.97, "consent": 0.94, "signature": 0.94}))
    doc = _validated(svc, GOOD)  # same process, no restart
    assert _status(doc)["last_name"] == "needs_review" and doc.status == "needs_review"
    assert (
        len(
            (home_fit(svc.settings.home, "tiny").parent / "tiny.history.jsonl")
            .read_text()
            .splitlines()
        )
        == 2
    )


def test_a_fit_with_styles_accepts_only_the_pages_of_a_style_it_certified(
    svc: Services,
) -> None:
    """Typed pages are certified: accepted; hand-printed and unjudged ones have no level
    of their own: to review. A fit made before styles accepts every style alike."""
    old = _fit({"last_name": 0.9, "consent": 0.94, "signature": 0.94})
    save_fit(svc.settings.home, _styled(old, "typed"))
    assert _validated(svc, GOOD, "typed").status == "done"
    for style in ("hand", None):
        doc = _validated(svc, GOOD, style)
        assert set(_status(doc).values()) == {"needs_review"}, style
        # No curve of its style: the reader's own score stands as its confidence.
        assert next(f for f in doc.fields if f.name == "last_name").confidence == 0.95
    save_fit(svc.settings.home, old)
    assert {_validated(svc, GOOD, s).status for s in ("typed", "hand", None)} == {"done"}


def test_a_field_the_fit_has_no_threshold_for_goes_to_review(svc: Services) -> None:
    save_fit(svc.settings.home, _fit({"consent": 0.5, "signature": 0.5}))
    assert _status(_validated(svc, GOOD))["last_name"] == "needs_review"


def test_a_value_a_rule_proposed_waits_for_a_person_whatever_its_score(svc: Services) -> None:
    # A fit learnt from generated pages can rate a rule's proposals as always right.
    save_fit(svc.settings.home, _fit({"last_name": 0.5, "consent": 0.5, "signature": 0.5}))
    batch_id, doc_id = _document(svc, GOOD)
    with svc.db.session() as s:
        fv = next(f for f in s.get_one(Document, doc_id).fields if f.name == "last_name")
        fv.messages = [PROPOSED + "taken from the other field"]
        s.commit()
    validate.run(TaskContext(batch_id=batch_id), svc)
    with svc.db.session() as s:
        doc = s.get_one(Document, doc_id)
        assert _status(doc) == {"last_name": "needs_review", "consent": "ok", "signature": "ok"}
        assert doc.status == "needs_review"


@pytest.mark.parametrize("field", ["consent", "signature"])
def test_unticked_consent_or_missing_signature_keeps_the_document_in_review(
    svc: Services, field: str
) -> None:
    save_fit(svc.settings.home, _fit({"last_name": 0.5, "consent": 0.5, "signature": 0.5}))
    readings = GOOD | {field: (False, "omr", 0.999)}
    doc = _validated(svc, readings)
    assert _status(doc)[field] == "missing"
    assert doc.status == "needs_review"


def test_qa_samples_go_to_verify_and_are_marked(home: Path, svc: Services) -> None:
    save_fit(home, _fit({"last_name": 0.5, "consent": 0.5, "signature": 0.5}))
    everyone = _services(home, qa_share=1.0)
    try:
        doc = _validated(everyone, GOOD)
    finally:
        everyone.close()
    assert doc.qa_sample and doc.status == "needs_review"
    assert set(_status(doc).values()) == {"ok"}  # nothing to fix: a check, not a repair
    assert not _validated(svc, GOOD).qa_sample  # qa_share 0
    ids = [f"d-{i:012x}" for i in range(4000)]
    picked = [i for i in ids if validate.qa_sampled(i, 0.03)]
    assert picked == [i for i in ids if validate.qa_sampled(i, 0.03)]  # stable
    assert 0.02 < len(picked) / len(ids) < 0.04


def test_same_ignores_case_and_spacing_but_not_line_breaks() -> None:
    assert same("5761  Pine ct", "5761 PINE CT")
    assert same("ASPIRIN\n  IBUPROFEN ", "aspirin\nibuprofen")
    assert not same("ASPIRIN IBUPROFEN", "ASPIRIN\nIBUPROFEN")
    assert not same("60687", "60681") and same(None, None) and not same(True, False)


def test_labels_come_from_verify_and_set_against_the_machine_reading(svc: Services) -> None:
    _, doc_id = _document(
        svc,
        {
            "last_name": ("kowalski", "ocr", 0.8),
            "consent": (True, "omr", 0.99),
            "signature": (False, "omr", 0.7),
        },
        "hand",
    )
    with svc.db.session() as s:
        doc = s.get_one(Document, doc_id)
        for f in doc.fields:  # what verify leaves: the human's value, the machine's kept
            f.value, f.source = (
                {"last_name": "KOWALSKI ", "signature": True}.get(f.name, f.value),
                "human",
            )
        scan = InputFile(
            batch_id=doc.batch_id, seq=1, name="scan.tif", path="x", size=1, sha256="ab" * 32
        )
        s.add(scan)
        s.flush()
        s.add(
            Page(
                batch_id=doc.batch_id,
                document_id=doc_id,
                file_id=scan.id,
                seq=3,
                number=1,
                source="scan.tif#3",
                page_index=3,
                image="x",
            )
        )
        base = {"actor": "op", "batch_id": doc.batch_id, "document_id": doc_id}
        s.add_all(
            [
                AuditEntry(
                    action="field.set", field="last_name", old="kowalski", new="KOWALSKI ", **base
                ),
                AuditEntry(action="field.verify", field="consent", old=True, new=True, **base),
                AuditEntry(action="field.set", field="signature", old=False, new=True, **base),
                AuditEntry(action="document.verify", **base),
            ]
        )
        s.commit()
    app = svc.apps.get("tiny").app
    labels, verified = from_database(svc.db, app)
    assert verified == 1
    assert {lab.field: lab.right for lab in labels} == {
        "last_name": True,
        "consent": True,
        "signature": False,
    }
    assert {lab.field: lab.score for lab in labels}["signature"] == 0.7
    assert {lab.style for lab in labels} == {"hand"}  # the judgement kept at recognition
    # The fold key is the scan's content and page: the same on every refit.
    assert {lab.doc for lab in labels} == {"abababababababab#3"}
    # A shipped label of the same scan's field gives way to the verified one.
    shipped = [
        Label("last_name", "text", "ocr", 0.8, False, "abababababababab#3"),
        Label("last_name", "text", "ocr", 0.9, True, "cdcdcdcdcdcdcdcd#1"),
    ]
    (svc.apps.get("tiny").folder / SHIPPED).write_text(json.dumps(build(app, shipped).data))
    got = gather(svc, "tiny")
    assert got.sources == {"shipped": 2, "verified": 3, "duplicates": 1}
    assert sorted(
        (lab.doc, lab.field, lab.right) for lab in got.labels if lab.field == "last_name"
    ) == [("abababababababab#3", "last_name", True), ("cdcdcdcdcdcdcdcd#1", "last_name", True)]


def test_the_server_refits_after_enough_verified_documents(svc: Services) -> None:
    home = svc.settings.home
    refits = AutoRefit(svc, every=1)
    assert refits.check() == []  # nothing verified yet
    assert not home_fit(home, "tiny").exists()
    _, doc_id = _document(svc, GOOD)
    with svc.db.session() as s:
        s.add(AuditEntry(actor="op", action="document.verify", document_id=doc_id))
        s.commit()
    assert "tiny" in refits.check()
    fit = svc.fits.get("tiny")
    assert fit is not None and fit.data["verified_documents"] == 1
    assert refits.check() == []  # up to date until the next verified document


def test_build_certifies_nothing_without_enough_labels(svc: Services) -> None:
    app = svc.apps.get("tiny").app
    labels = [Label("last_name", "text", "ocr", 0.99, True, f"d{i}") for i in range(100)]
    fit = build(app, labels)
    assert fit.data["groups"][0]["level"] is None
    assert fit.threshold("last_name", "ocr") is None
    assert fit.data["fields"]["last_name"]["labels"] == 100
