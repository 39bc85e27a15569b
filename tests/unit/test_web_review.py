"""Verify-station service: the review lease (real SQLite) and operator entry parsing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from taskmaster.apps.schema import FieldDef, Option
from taskmaster.db.engine import Database
from taskmaster.db.models import Batch
from taskmaster.errors import Conflict, NotFound
from taskmaster.web import lease
from taskmaster.web.entry import parse_entry


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'tm.db'}")
    with database.session() as s:
        s.add_all([Batch(id="b-1", apps=["intake"], status="needs_review", task="verify"),
                   Batch(id="b-2", apps=["intake"], status="needs_review", task="verify"),
                   Batch(id="b-3", apps=["intake"], status="running", task="recognize")])
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


@pytest.mark.parametrize(("field", "typed", "value"), [
    (fd(name="d", kind="date", type="date", format="DD/MM/YYYY"), "09/03/1984", "1984-03-09"),
    (fd(name="d", kind="comb", type="date", format="DDMMYYYY"), "09031984", "1984-03-09"),
    (fd(name="d", kind="date", type="date"), "1984-03-09", "1984-03-09"),
    (fd(name="p", kind="comb", type="phone"), "(312) 978-8718", "3129788718"),
    (fd(name="s", kind="comb", type="state"), "il", "IL"),
    (fd(name="t", kind="text"), "  Maria   Kowalski ", "Maria Kowalski"),
    (fd(name="t", kind="text"), "   ", None),
    (fd(name="m", kind="text", lines=3), " ALBUTEROL  AS NEEDED\n\nASPIRIN ",
     "ALBUTEROL AS NEEDED\nASPIRIN"),
    (fd(name="b", kind="checkbox", type="boolean", options=[Option(value=True, bbox=(0, 0, 1, 1))]),
     "yes", True),
    (fd(name="e", kind="checkbox", type="enum",
              options=[Option(value="female", label="Female", bbox=(0, 0, 1, 1)),
                       Option(value="male", label="Male", bbox=(0, 0, 1, 1))]), "F", "female"),
    (fd(name="e", kind="checkbox", type="enum",
              options=[Option(value="female", bbox=(0, 0, 1, 1)),
                       Option(value="male", bbox=(0, 0, 1, 1))]), "2", "male"),
])
def test_typed_text_becomes_the_canonical_value(field: FieldDef, typed: str, value: object) -> None:
    assert parse_entry(field, typed) == value
