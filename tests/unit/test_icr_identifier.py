"""An identifier's leading letters (a group number's `A`, `GR`) are a prefix, not a
switch from letters to digits to be avoided (`decode_mixed(prefix=True)`): fresh hand
pages read `A9520420` as `49520420`, the A's 0.8 outweighed by the switch's 0.05."""

from __future__ import annotations

from taskmaster.engines.icr import decode_mixed
from taskmaster.engines.icr.decode import CharProbs
from taskmaster.engines.icr.engine import _decode

BOTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _cell(c: str, p: float = 0.97, **alt: float) -> CharProbs:
    cell = {k: (1 - p - sum(alt.values())) / (len(BOTH) - 1 - len(alt)) for k in BOTH}
    cell.update({c: p, **{k.removeprefix("d"): v for k, v in alt.items()}})
    return cell


def _group() -> list[CharProbs | None]:
    """`A9520420`, its A read 0.8 (a 4 at 0.15)."""
    return [_cell("A", 0.8, d4=0.15), *(_cell(c) for c in "9520420")]


def test_a_letter_prefix_runs_into_the_digits() -> None:
    assert decode_mixed(_group()).text == "49520420"  # one switch avoided
    assert decode_mixed(_group(), prefix=True).text == "A9520420"
    two = [_cell("G", 0.9, d6=0.08), _cell("R"), *(_cell(c) for c in "5161593")]
    assert decode_mixed(two, prefix=True).text == "GR5161593"


def test_letters_after_digits_still_cost_the_switch() -> None:
    # An S between digits is still read as the 5 it most likely is.
    cells = [_cell("A"), _cell("9"), _cell("S", 0.55, d5=0.4), _cell("2"), _cell("0")]
    assert decode_mixed(cells, prefix=True).text == "A9520"
    # A word of letters only, or digits only, reads the same either way.
    word = [_cell(c) for c in "ROAD"]
    assert decode_mixed(word, prefix=True).text == decode_mixed(word).text == "ROAD"


def test_only_an_identifiers_first_word_reads_a_prefix() -> None:
    assert _decode(_group(), BOTH, lead=True).text == "A9520420"
    assert _decode(_group(), BOTH).text == "49520420"  # a later word of the line
    # Free text (lower case and punctuation in its charset) is not an identifier.
    free = BOTH + BOTH.lower() + " .,-"
    assert _decode(_group(), free, lead=True).text == "49520420"
