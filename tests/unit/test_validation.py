"""Validation of canonical values and the resulting field status."""

from __future__ import annotations

import pytest

from taskmaster.apps.registry import AppRegistry
from taskmaster.apps.schema import FieldDef
from taskmaster.validation import check_value, field_status, luhn_ok

APP = AppRegistry().get("intake").app
F = {f.name: f for _, f in APP.fields_of(APP.document_types[0])}


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("date_of_birth", "1987-01-07", True),
        ("date_of_birth", "1987-02-30", False),
        ("date_of_birth", "1787-01-01", False),
        ("phone_mobile", "3129788718", True),
        ("phone_mobile", "312978871", False),
        ("phone_mobile", "1732187877", False),  # no area code starts with 1 (NANP)
        ("phone_mobile", "0312978871", False),
        ("zip", "60687", True),
        ("zip", "6068A", False),
        ("state", "IL", True),
        ("state", "XX", False),
        ("member_id", "RCM597952683", True),
        ("member_id", "rcm597952683", False),
        ("email", "maria87@outlook.com", True),
        ("email", "maria87outlook.com", False),
        ("sex", "female", True),
        ("sex", "robot", False),
        ("diabetes", True, True),
        ("diabetes", "yes", False),
        ("patient_id", "P71211435", True),
        ("patient_id", "X71211435", False),
    ],
)
def test_check_value(name: str, value: object, ok: bool) -> None:
    assert (check_value(F[name], value) == []) is ok


def test_status_rules() -> None:
    last = F["last_name"]
    group = F["group_number"]
    assert field_status(last, "KOWALSKI", 0.99, 0.9, []) == "ok"
    assert field_status(last, "KOWALSKI", 0.5, 0.9, []) == "needs_review"
    assert field_status(last, None, 0.99, 0.9, []) == "missing"
    assert field_status(group, None, 0.99, 0.9, []) == "ok"
    assert field_status(last, "X", 0.99, 0.9, ["bad"]) == "invalid"


def test_luhn_and_checksum_field() -> None:
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")
    card = FieldDef(name="card", kind="text", bbox=(0, 0, 1, 1), checksum="luhn")
    assert check_value(card, "79927398713") == []
    assert check_value(card, "79927398710") == ["checksum does not match"]
