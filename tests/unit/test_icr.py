"""ICR: cell cleaning, field-aware decoding and the real model."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from taskmaster.apps.schema import FieldDef
from taskmaster.engines.base import IcrEngine
from taskmaster.engines.icr import (
    IcrModelEngine,
    decode_date,
    decode_fixed,
    decode_lexicon,
    decode_mixed,
)
from taskmaster.engines.icr.preprocess import (
    clean_cell,
    erase_box_lines,
    is_empty,
    normalise,
    variants,
    with_top_line,
)
from taskmaster.reading import comb
from taskmaster.validation.lexicons import US_STATES
from tests.conftest import INTAKE, SHARED, needs_shared, read_gray


@pytest.fixture(scope="module")
def icr() -> IcrModelEngine:
    return IcrModelEngine()


def one_hot(c: str, p: float = 0.9, charset: str = "0123456789") -> dict[str, float]:
    rest = (1 - p) / (len(charset) - 1)
    return {k: (p if k == c else rest) for k in charset}


# -- preprocessing -----------------------------------------------------------------


def test_box_lines_erased_but_central_stroke_kept() -> None:
    mask = np.zeros((70, 56), bool)
    mask[:, :3] = mask[:, -3:] = True  # box sides
    mask[:3, :] = mask[-3:, :] = True  # top and bottom
    mask[12:58, 27:31] = True  # a '1'
    out = erase_box_lines(mask)
    assert not out[:, :3].any() and not out[:3, :].any()
    assert out[12:58, 27:31].all()


def test_stroke_crossing_line_survives() -> None:
    mask = np.zeros((70, 56), bool)
    mask[2:5, :] = True  # top box line
    mask[0:40, 26:30] = True  # a stroke written through it
    out = erase_box_lines(mask)
    assert out[2:5, 26:30].all() and not out[2:5, :20].any()


def test_seven_written_against_the_box_keeps_its_bar() -> None:
    # A box line crosses the whole cell; a 7's bar at the top stops short of one side
    # (erased as a line, the 7 was read as a 1).
    mask = np.zeros((56, 42), bool)
    mask[6:11, 4:41] = True  # the bar, 37 of 42 columns: as full as a line
    mask[6:50, 30:35] = True  # the stem
    out = erase_box_lines(mask)
    assert out[6:11, 4:30].all()
    mask[:2, :] = True  # a box line's remnant along the top edge
    out = erase_box_lines(mask)
    assert not out[:2, :].any() and out[6:11, 4:30].all()


def _seven_in_the_line() -> np.ndarray:
    """A comb cell (grey) whose 7 has its bar in the box's top line, as a faxed phone
    number of the fresh pages had: erased with the line, the stem alone is a 1."""
    cell = np.full((56, 42), 250, np.uint8)
    cell[7:14, :] = 0  # the box line and the bar in it, across the whole cell
    for y in range(16, 52):  # the stem, from under the line's right end down to the left
        x = 32 - (y - 16) * 14 // 36
        cell[y, x - 2 : x + 3] = 0
    return cell


def test_a_character_under_the_top_line_is_read_with_it_too(icr: IcrModelEngine) -> None:
    cell = _seven_in_the_line()
    cleaned = clean_cell(cell)
    assert not cleaned[7:14].any()  # the line (and the bar) erased
    again = with_top_line(cell, cleaned)
    assert again is not None and again[7:14].all()
    (probs,) = icr.cell_probabilities([cell], "0123456789")
    assert probs is not None
    assert probs["1"] < 0.9  # never a sure 1: a 7 or a 1, for a person to say
    apart = cell.copy()
    apart[14:24] = 250  # the same stem well under the line: nothing to read again
    assert with_top_line(apart, clean_cell(apart)) is None


def test_empty_cell_with_box_remnants_and_specks() -> None:
    cell = np.full((66, 52), 250, np.uint8)
    cell[:, :2] = 0
    cell[-3:, :] = 0
    cell[30, 20] = 0
    assert is_empty(clean_cell(cell))


def test_normalise_is_mnist_style() -> None:
    mask = np.zeros((60, 50), bool)
    mask[10:50, 20:26] = True  # tall and thin
    x = normalise(mask)
    assert x.shape == (28, 28) and x.dtype == np.float32
    ys, xs = np.nonzero(x > 0.5)
    assert ys.max() - ys.min() + 1 == 20  # fitted into the 20 px box
    assert abs(xs.mean() - 13.5) < 1.0  # centred by mass


# -- decoders ----------------------------------------------------------------------


def test_decode_date_picks_a_valid_date() -> None:
    # 3?/02/1990 where the model prefers 35: only 1x is valid for February.
    cells = [
        {"3": 0.6, "1": 0.35, **{d: 0.05 / 8 for d in "02456789"}},
        one_hot("5"),
        one_hot("0"),
        one_hot("2"),
        one_hot("1"),
        one_hot("9"),
        one_hot("9"),
        one_hot("0"),
    ]
    cells[0] = {"3": 0.55, "1": 0.40, **{d: 0.05 / 8 for d in "02456789"}}
    r = decode_date(cells)
    assert r.text == "1990-02-15"
    assert 0 < r.confidence < 1


def test_decode_date_incomplete_goes_to_review() -> None:
    cells = [one_hot(c) for c in "0101199"] + [None]
    assert decode_date(cells).confidence == 0.0


def test_decode_lexicon_state() -> None:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cells = [
        {"I": 0.5, "T": 0.4, **{c: 0.1 / 24 for c in letters if c not in "IT"}},
        {"X": 0.6, "L": 0.3, **{c: 0.1 / 24 for c in letters if c not in "XL"}},
    ]
    r = decode_lexicon(cells, US_STATES)
    assert r.text in {"IL", "TX"} and r.text in US_STATES


def test_decode_fixed_length() -> None:
    assert decode_fixed([one_hot(c) for c in "60687"], 5).text == "60687"
    assert decode_fixed([one_hot(c) for c in "6068"] + [None], 5).confidence == 0.0


def test_decode_mixed_prefers_runs() -> None:
    both = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    cells = [one_hot(c, 0.95, both) for c in "RCM59"]
    cells.append({**one_hot("S", 0.5, both), "5": 0.45})
    cells += [one_hot(c, 0.95, both) for c in "52"]
    assert decode_mixed(cells).text == "RCM59552"


# -- the model ---------------------------------------------------------------------


def test_engine_implements_protocol(icr: IcrModelEngine) -> None:
    assert isinstance(icr, IcrEngine)
    assert icr.version().startswith("icr-cnn ")


def test_empty_cells_give_empty_text(icr: IcrModelEngine) -> None:
    cells = [np.full((64, 50), 255, np.uint8) for _ in range(3)]
    r = icr.read_cells(cells, charset="0123456789")
    assert r.text == "" and r.engine == "icr"


@needs_shared(SHARED / "datasets/mnist_test")
def test_reads_real_handwritten_digits_in_comb_cells(icr: IcrModelEngine) -> None:
    import gzip

    with gzip.open(SHARED / "datasets/mnist_test/dev-images-idx3-ubyte.gz") as f:
        raw = f.read()
    with gzip.open(SHARED / "datasets/mnist_test/dev-labels-idx1-ubyte.gz") as f:
        labels = f.read()[8:]
    digits = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)
    # The first items of the held-out split of training/icr/data.py (seed 1234): never trained on.
    held_out = np.random.default_rng(1234).permutation(len(digits))[:200]
    ok = 0
    n = len(held_out)
    for i in range(0, n, 10):
        cells = []
        for k in held_out[i : i + 10]:
            cell = np.full((72, 58), 255, np.uint8)
            cell[:, :3] = 0  # a box line left at the cell edge
            big = cv2.resize(255 - digits[k], (56, 56), interpolation=cv2.INTER_CUBIC)
            cell[8:64, 1:57] = np.minimum(cell[8:64, 1:57], big)
            cells.append(cell)
        r = icr.read_cells(cells, charset="0123456789")
        want = "".join(str(labels[k]) for k in held_out[i : i + 10])
        ok += sum(a == b for a, b in zip(r.text, want, strict=False)) if len(r.text) == 10 else 0
    assert ok / n >= 0.95


@pytest.mark.shared
@needs_shared()
def test_intake_hand_sample_fields(icr: IcrModelEngine) -> None:
    from taskmaster.imaging.registration import build_fingerprint, identify, warp_to_reference

    fields = json.loads((INTAKE / "fields.json").read_text())
    fp = build_fingerprint(
        "intake-v1", read_gray(INTAKE / "blank.png"), fields["registration_marks"]
    )
    page = read_gray(INTAKE / "samples/intake_0001.png")
    truth = json.loads((INTAKE / "samples/intake_0001.json").read_text())["fields"]
    page = warp_to_reference(page, identify(page, [fp]), fp)
    specs = {s["name"]: s for s in fields["fields"]}
    for name in ("zip", "phone_mobile", "date_of_birth"):
        spec = specs[name]
        field = FieldDef(name=name, kind="comb", bbox=spec["bbox"], boxes=spec["boxes"])
        table = icr.cell_probabilities(comb.cells(page, field), "0123456789")  # as the reader cuts
        r = decode_date(table) if name == "date_of_birth" else decode_fixed(table, len(field.boxes))
        assert r.text == truth[name], name
    x0, y0, x1, y1 = specs["city"]["bbox"]
    r = icr.read_line(page[y0:y1, x0:x1], charset="ABCDEFGHIJKLMNOPQRSTUVWXYZ ")
    assert r.text == truth["city"]


def test_line_segmentation_finds_words_hyphen_and_full_stop() -> None:
    from taskmaster.engines.icr.segment import segment_line

    zone = np.full((74, 600), 255, np.uint8)
    cv2.rectangle(zone, (0, 0), (599, 73), 0, 3)  # the field's box
    xs = [30, 60, 90, 200, 230]  # "ab" "c" gap "de" as upright strokes with a foot
    for x in xs:
        cv2.rectangle(zone, (x, 18), (x + 5, 55), 0, -1)
        cv2.rectangle(zone, (x, 50), (x + 16, 55), 0, -1)
    cv2.rectangle(zone, (118, 35), (138, 39), 0, -1)  # hyphen at mid-height
    cv2.rectangle(zone, (145, 51), (149, 55), 0, -1)  # full stop on the baseline
    line = segment_line(zone)
    kinds = [g.punct or "x" for g in line.glyphs]
    assert kinds == ["x", "x", "x", "-", ".", "x", "x"]
    assert [g.space_before for g in line.glyphs].count(True) == 1
    assert line.glyphs[5].space_before


def test_line_segmentation_tells_a_comma_from_a_full_stop() -> None:
    from taskmaster.engines.icr.segment import segment_line

    zone = np.full((80, 600), 255, np.uint8)
    cv2.rectangle(zone, (0, 0), (599, 79), 0, 3)
    for x in (30, 60, 200, 230):  # "ab" "cd" as upright strokes with a foot
        cv2.rectangle(zone, (x, 18), (x + 5, 55), 0, -1)
        cv2.rectangle(zone, (x, 50), (x + 16, 55), 0, -1)
    cv2.circle(zone, (100, 52), 3, 0, -1)  # a comma: a dot on the line, a tail below it
    cv2.line(zone, (101, 52), (95, 68), 0, 3)
    cv2.circle(zone, (300, 52), 3, 0, -1)  # a full stop after "cd"
    line = segment_line(zone)
    assert [g.punct or "x" for g in line.glyphs] == ["x", "x", ",", "x", "x", "."]


def test_wide_letters_cut_apart_are_read_whole(icr: IcrModelEngine) -> None:
    # N, A and M written wider than 1.25 character heights are cut at their thinnest
    # columns; the halves are put together again because they were one blob.
    zone = np.full((74, 400), 255, np.uint8)
    cv2.polylines(zone, [np.array([[20, 55], [20, 18], [70, 55], [70, 18]])], False, 0, 5)
    cv2.polylines(zone, [np.array([[90, 55], [115, 18], [140, 55]])], False, 0, 5)
    cv2.line(zone, (100, 40), (130, 40), 0, 5)
    cv2.polylines(
        zone, [np.array([[160, 55], [170, 18], [195, 50], [220, 18], [230, 55]])], False, 0, 5
    )
    cv2.polylines(zone, [np.array([[280, 18], [250, 18], [250, 55], [280, 55]])], False, 0, 5)
    cv2.line(zone, (250, 36), (275, 36), 0, 5)
    assert icr.read_line(zone, charset="ABCDEFGHIJKLMNOPQRSTUVWXYZ").text == "NAME"


def test_lower_case_charset_reads_lower_case_letters_and_at(icr: IcrModelEngine) -> None:
    ring = np.zeros((60, 60), bool)
    cv2.circle(ring.view(np.uint8), (30, 30), 20, 1, 5)
    (low,) = icr.probabilities([ring], "abcdefghijklmnopqrstuvwxyz0123456789@.")
    assert "@" in low and "l" in low and not any(c.isupper() for c in low)
    assert abs(sum(low.values()) - 1) < 1e-6
    (caps,) = icr.probabilities([ring], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-'@#")
    assert "@" not in caps and "#" not in caps and not any(c.islower() for c in caps)
    # Letters of either case run together; '@' costs nothing to enter or leave.
    cs = "abcdefghijklmnopqrstuvwxyz0123456789@"
    table = [one_hot(c, 0.6, cs) for c in "jo@ab"]
    table[1] = {**table[1], "0": 0.35, "o": 0.45}
    assert decode_mixed(table).text == "jo@ab"


# -- doubtful characters read again ------------------------------------------------


def test_variants_change_stroke_size_and_place() -> None:
    mask = np.zeros((70, 56), bool)
    mask[10:60, 24:31] = True  # a '1', 7 px wide
    mask[10:16, 14:31] = True  # with a flag: a 7 or a 1
    base = normalise(mask)
    out = variants(mask)
    assert all(v.shape == (28, 28) and v.dtype == np.float32 for v in out)
    ink = [float(v.sum()) for v in out]
    assert ink[0] > base.sum() > ink[1]  # thicker, thinner
    sizes = [int(np.ptp(np.nonzero((v > 0.5).any(axis=1))[0])) + 1 for v in out[2:4]]
    assert sizes == [18, 22]  # fitted smaller and larger than the 20 px of training
    assert any(np.array_equal(v, np.roll(base, 1, axis=1)) for v in out[4:])


def test_only_doubtful_characters_are_read_again() -> None:
    plain = IcrModelEngine(augment_doubtful=False)
    tta = IcrModelEngine(augment_doubtful=True)
    shapes = []
    for flag in range(4, 40, 3):  # from a '1' to a '7': somewhere the model doubts
        m = np.zeros((70, 56), bool)
        m[10:60, 26:32] = True
        m[10:16, 32 - flag : 32] = True
        shapes.append(m)
    before = plain.probabilities(shapes, "0123456789")
    after = tta.probabilities(shapes, "0123456789")
    sure = [i for i, p in enumerate(before) if max(p.values()) >= tta.accept_threshold]
    doubtful = [i for i, p in enumerate(before) if max(p.values()) < tta.accept_threshold]
    assert sure and doubtful
    for i in sure:
        assert after[i] == before[i]
    for i in doubtful:
        assert after[i] != before[i]
        assert abs(sum(after[i].values()) - 1) < 1e-6
        again = plain._vote(variants(shapes[i]), "0123456789")
        want = {c: (before[i][c] + sum(r[c] for r in again)) / (1 + len(again)) for c in before[i]}
        assert all(abs(after[i][c] - want[c]) < 1e-9 for c in want)
