"""Verify-station service: the review lease (real SQLite), operator entries and how
values are shown, and why a field is flagged."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from taskmaster.apps.schema import FieldDef, Option
from taskmaster.db.engine import Database
from taskmaster.db.models import AuditEntry, Batch, FieldValue
from taskmaster.errors import Conflict, NotFound
from taskmaster.pipeline.verify import flags, lease
from taskmaster.pipeline.verify.entry import display, parse_entry


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'tm.db'}")
    with database.session() as s:
        s.add_all(
            [
                Batch(id="b-1", apps=["intake"], status="needs_review", task="verify"),
                Batch(id="b-2", apps=["intake"], status="needs_review", task="verify"),
                Batch(id="b-3", apps=["intake"], status="running", task="recognize"),
            ]
        )
        s.commit()
    return database


def test_two_operators_get_different_batches(db: Database) -> None:
    a, b = lease.take_next(db, "ann"), lease.take_next(db, "bob")
    assert a and b and a.batch_id != b.batch_id
    assert lease.take_next(db, "cat") is None  # b-3 is not waiting for review
    assert lease.take_next(db, "ann").batch_id == a.batch_id  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="ann"):
        lease.take(db, a.batch_id, "bob")
    with pytest.raises(Conflict):
        lease.require(db, a.batch_id, "bob")
    lease.require(db, a.batch_id, "ann")


def test_an_expired_lease_frees_the_batch(db: Database) -> None:
    lease.take(db, "b-1", "ann", ttl=timedelta(seconds=-1))
    assert lease.take(db, "b-1", "bob").owner == "bob"
    with pytest.raises(Conflict):
        lease.renew(db, "b-1", "ann")
    lease.release(db, "b-1", "ann")  # not the holder: nothing happens
    with pytest.raises(Conflict):
        lease.take(db, "b-1", "ann")
    lease.release(db, "b-1", "bob")
    assert lease.take(db, "b-1", "ann").owner == "ann"


def test_take_names_what_is_wrong(db: Database) -> None:
    with pytest.raises(NotFound):
        lease.take(db, "b-nope", "ann")
    with pytest.raises(Conflict, match="running"):
        lease.take(db, "b-3", "ann")


def fd(**kw: object) -> FieldDef:
    """A field definition with placeholder zones (parsing does not look at them)."""
    zones: dict[str, object] = {"bbox": (0, 0, 1, 1)}
    if kw.get("kind") == "comb":
        zones["boxes"] = [(0, 0, 1, 1)]
    return FieldDef.model_validate({**zones, **kw})


@pytest.mark.parametrize(
    ("field", "typed", "value"),
    [
        (fd(name="d", kind="date", type="date", format="DD/MM/YYYY"), "09/03/1984", "1984-03-09"),
        (fd(name="d", kind="comb", type="date", format="DDMMYYYY"), "09031984", "1984-03-09"),
        (fd(name="d", kind="date", type="date"), "1984-03-09", "1984-03-09"),
        (fd(name="p", kind="comb", type="phone"), "(312) 978-8718", "3129788718"),
        (fd(name="s", kind="comb", type="state"), "il", "IL"),
        (fd(name="t", kind="text"), "  Maria   Kowalski ", "Maria Kowalski"),
        (fd(name="t", kind="text"), "   ", None),
        (
            fd(name="m", kind="text", lines=3),
            " ALBUTEROL  AS NEEDED\n\nASPIRIN ",
            "ALBUTEROL AS NEEDED\nASPIRIN",
        ),
        (
            fd(
                name="b",
                kind="checkbox",
                type="boolean",
                options=[Option(value=True, bbox=(0, 0, 1, 1))],
            ),
            "yes",
            True,
        ),
        (
            fd(
                name="e",
                kind="checkbox",
                type="enum",
                options=[
                    Option(value="female", label="Female", bbox=(0, 0, 1, 1)),
                    Option(value="male", label="Male", bbox=(0, 0, 1, 1)),
                ],
            ),
            "F",
            "female",
        ),
        (
            fd(
                name="e",
                kind="checkbox",
                type="enum",
                options=[
                    Option(value="female", bbox=(0, 0, 1, 1)),
                    Option(value="male", bbox=(0, 0, 1, 1)),
                ],
            ),
            "2",
            "male",
        ),
    ],
)
def test_typed_text_becomes_the_canonical_value(field: FieldDef, typed: str, value: object) -> None:
    assert parse_entry(field, typed) == value


MEDS = fd(name="medications", kind="text", lines=3)


def test_a_multiline_field_keeps_its_line_breaks() -> None:
    assert (
        parse_entry(MEDS, "ASPIRIN  81 MG\r\n\n  METFORMIN 500 MG \n")
        == "ASPIRIN 81 MG\nMETFORMIN 500 MG"
    )
    assert parse_entry(MEDS, " \n ") is None
    # a one-line field still reads a pasted line break as a space
    assert parse_entry(fd(name="t", kind="text"), "A\nB") == "A B"


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        (fd(name="d", kind="date", type="date", format="DD/MM/YYYY"), "2025-10-16", "16/10/2025"),
        (fd(name="d", kind="comb", type="date", format="DDMMYYYY"), "1987-01-07", "07011987"),
        (fd(name="d", kind="date", type="date", format="MM/DD/YYYY"), "2025-10-16", "10/16/2025"),
        (fd(name="d", kind="date", type="date"), "2025-10-16", "2025-10-16"),
        (fd(name="d", kind="date", type="date", format="DD/MM/YYYY"), "31/02/20x", "31/02/20x"),
        (MEDS, "A 1 MG\nB 2 MG", "A 1 MG\nB 2 MG"),
        (
            fd(
                name="b",
                kind="checkbox",
                type="boolean",
                options=[Option(value=True, bbox=(0, 0, 1, 1))],
            ),
            True,
            "yes",
        ),
    ],
)
def test_a_value_is_shown_in_the_forms_format_and_reads_back(
    field: FieldDef, value: object, shown: str
) -> None:
    assert display(value, field) == shown
    if field.type == "date" and "x" in str(value):
        return  # not a date: shown as stored, and validation says what is wrong
    assert parse_entry(field, shown) == value


def test_batch_take_is_audited_once_per_take(db: Database) -> None:
    lease.take(db, "b-1", "ann")
    lease.take(db, "b-1", "ann")  # the station reopened: the same take
    lease.renew(db, "b-1", "ann")
    assert lease.take_next(db, "ann").batch_id == "b-1"  # type: ignore[union-attr]
    lease.release(db, "b-1", "ann")
    lease.take(db, "b-1", "ann")  # a new take
    with db.session() as s:
        takes = s.scalars(select(AuditEntry.action).where(AuditEntry.batch_id == "b-1")).all()
    assert takes == ["batch.take", "batch.release", "batch.take"]


def test_a_closing_page_releases_only_the_lease_it_held(db: Database) -> None:
    old = lease.take(db, "b-1", "ann")
    new = lease.take(db, "b-1", "ann", ttl=timedelta(minutes=11))  # reloaded: taken again
    lease.release(db, "b-1", "ann", until=old.until)  # the old page's beacon
    lease.require(db, "b-1", "ann")  # still hers
    lease.release(db, "b-1", "ann", until=new.until)
    with pytest.raises(Conflict):
        lease.require(db, "b-1", "ann")


def test_flag_reasons_name_what_is_wrong() -> None:
    fv = FieldValue(
        name="state",
        status="needs_review",
        confidence=0.6,
        raw="LL",
        char_confidences=[0.3, 0.95],
        messages=["engines differ: 'LL' / 'IL'"],
    )
    kinds = [r["kind"] for r in flags.reasons(fv, fd(name="state", kind="comb"), 0.9)]
    assert kinds == ["disagree", "low_confidence"]
    assert flags.characters(fv) == [["L", 0.3], ["L", 0.95]]
    bad = FieldValue(
        name="m",
        status="invalid",
        confidence=0.99,
        raw="X1",
        char_confidences=[0.9],
        messages=["invalid: does not match ^[A-Z]{3}$"],
    )
    assert [r["kind"] for r in flags.reasons(bad, None, 0.9)] == ["pattern"]
    assert flags.characters(bad) is None  # not one confidence per character
    ok = FieldValue(name="m", status="ok", confidence=0.99, messages=[])
    assert flags.reasons(ok, None, 0.9) == []
