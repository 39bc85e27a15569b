"""Zone cleaning for the typed readers (faint ink stretched, paper grain made white) and
the typed-page test that settles a doubtful typed field."""

from __future__ import annotations

import cv2
import numpy as np

from taskmaster.reading import typed_page
from taskmaster.reading.comb import CELL_EMPTY_INK
from taskmaster.reading.result import FieldReading
from taskmaster.reading.zones import (
    FLAT_MARGIN,
    INK,
    MIN_BLOB,
    clean_paper,
    crop,
    despeckle,
    flat_crop,
    flatten,
    ink_bbox,
    ink_mask,
    ink_ratio,
    stretch,
)


def _cell(ink: int, digit: str = "1") -> np.ndarray:
    """A comb cell's inside (42 x 56) holding one thin, soft typed digit whose darkest
    pixel is about `ink` (a phone photo's grey print)."""
    img = np.full((56, 42), 255, np.uint8)
    cv2.putText(img, digit, (10, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 1, cv2.LINE_AA)
    soft = cv2.GaussianBlur(img, (3, 3), 0).astype(np.float32)
    return np.asarray(255 - (255 - soft) * (255 - ink) / (255 - float(soft.min())), np.uint8)


def _grain(shape: tuple[int, int], level: int, sigma: float, seed: int = 1) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(level, sigma, shape)
    return np.asarray(np.clip(noise, 0, 255), dtype=np.uint8)


def test_stretch_makes_a_faint_digit_a_filled_cell() -> None:
    faint = _cell(ink=140)  # grey print just lighter than the ink threshold
    assert ink_ratio(faint) < CELL_EMPTY_INK  # the phone photo's grey "1" reads as blank
    assert ink_ratio(stretch(faint)) >= CELL_EMPTY_INK
    assert int(stretch(faint).min()) < 40


def test_stretch_leaves_dark_ink_and_blank_paper_alone() -> None:
    dark = _cell(ink=10)
    assert np.array_equal(stretch(dark), dark)
    blank = _grain((56, 42), 235, 4.0)
    assert np.array_equal(stretch(blank), blank)
    assert ink_ratio(stretch(blank)) == 0.0


def test_clean_paper_whitens_grain_and_keeps_ink() -> None:
    zone = _grain((56, 600), 232, 7.0)
    cv2.putText(zone, "Ji", (8, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 30, 3, cv2.LINE_AA)
    out = clean_paper(zone)
    ink = zone < INK
    assert np.array_equal(out[ink], zone[ink])  # every ink pixel kept as it was
    paper = zone[:, 200:]  # no ink there
    assert float((out[:, 200:] == 255).mean()) > 0.99
    assert float((paper == 255).mean()) < 0.05


def test_clean_paper_leaves_clean_and_crowded_zones_alone() -> None:
    clean = np.full((56, 300), 255, np.uint8)
    cv2.putText(clean, "AB", (8, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3, cv2.LINE_AA)
    assert np.array_equal(clean_paper(clean), clean)
    dark = _grain((56, 300), 90, 20.0)  # no paper level at all
    assert np.array_equal(clean_paper(dark), dark)


def _read(value: str | None, source: str = "ocr", *messages: str) -> FieldReading:
    return FieldReading(
        value=value,
        raw=value,
        confidence=0.95,
        source=source,
        bbox=(0, 0, 10, 10),
        messages=list(messages),
    )


def test_ink_mask_keeps_exactly_the_blobs_of_min_blob_pixels() -> None:
    # Against OpenCV's default labelling, blob by blob: speckle of every density, from
    # none (the shortcut that returns the mask as is) to most of the zone.
    rng = np.random.default_rng(15)
    for density in (0.0, 0.001, 0.01, 0.05, 0.3, 0.6):
        img = np.full((90, 700), 230, np.uint8)
        cv2.putText(img, "Ab 12", (20, 70), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 5)
        img[rng.random(img.shape) < density] = 0
        ink = (img < INK).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        want = np.isin(labels, np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= MIN_BLOB)) & (ink > 0)
        got = ink_mask(img)
        assert got.dtype == bool
        assert np.array_equal(got, want), density
        assert 0 < got.sum() <= ink.sum()
        assert (got.sum() < ink.sum()) == bool(density)  # speckle dropped where there is some


def test_the_paper_division_is_numpys_to_the_bit() -> None:
    # Every (pixel, paper level) pair flatten can meet (the level is a max filter, so it
    # is never below the pixel): OpenCV's division gives numpy's float32 to the bit.
    img = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 256, 1)
    bg = np.maximum(img, np.repeat(np.arange(256, dtype=np.uint8)[None, :], 256, 0))
    want = img.astype(np.float32) * 255.0 / np.maximum(bg.astype(np.float32), 1.0)
    got = cv2.divide(img, np.maximum(bg, 1), scale=255.0, dtype=cv2.CV_32F)
    assert np.array_equal(got, want)
    # and a grey photo zone still comes out white paper, black ink
    zone = np.full((60, 300), 170, np.uint8)
    zone[20:40, 50:250:9] = 90
    flat = flatten(zone)
    assert int(flat[5, 5]) == 255
    assert int(flat[30, 50]) < 40


def test_typed_page_from_its_other_fields() -> None:
    typed = {f"f{i}": _read("TEXT") for i in range(8)}
    typed |= {"h1": _read("A", "icr"), "h2": _read("B", "ocr", "hand-print: low confidence")}
    assert typed_page(typed)  # 8 of 10 read as machine print
    hand = {f"f{i}": _read("TEXT", "icr") for i in range(8)} | {"t": _read("X")}
    assert not typed_page(hand)
    # Blank fields, marks and barcodes do not count; too few read fields say nothing.
    few = {
        "a": _read("X"),
        "b": _read("Y"),
        "c": _read(None),
        "d": _read("true", "omr"),
        "e": _read("P1", "barcode"),
    }
    assert not typed_page(few)


def _phone_page(seed: int) -> np.ndarray:
    """A grey, unevenly lit page with dark and faint strokes (what `flatten` is for)."""
    rng = np.random.default_rng(seed)
    light = np.linspace(150, 220, 600, dtype=np.float32)[None, :] * np.ones((400, 1))
    page = light + rng.normal(0, 4, (400, 600))
    for _ in range(30):
        x, y = int(rng.integers(40, 560)), int(rng.integers(40, 360))
        page[y : y + 18, x : x + 3] = rng.uniform(60, 140)
    return np.asarray(np.clip(page, 0, 255), np.uint8)


def test_a_zone_cut_again_is_the_same_zone_whatever_was_done_to_the_first() -> None:
    def expected(page: np.ndarray, bbox: tuple[int, int, int, int], inset: int) -> np.ndarray:
        x0, y0, x1, y1 = bbox
        ox, oy = max(0, x0 - FLAT_MARGIN), max(0, y0 - FLAT_MARGIN)
        flat = flatten(page[oy : y1 + FLAT_MARGIN, ox : x1 + FLAT_MARGIN])
        return crop(flat, (x0 - ox, y0 - oy, x1 - ox, y1 - oy), inset)

    page, other = _phone_page(1), _phone_page(2)
    bbox = (100, 100, 400, 160)
    first = flat_crop(page, bbox)
    assert np.array_equal(first, expected(page, bbox, 0))
    first[:] = 0  # a reader that draws on its zone
    assert np.array_equal(flat_crop(page, bbox), expected(page, bbox, 0))
    assert np.array_equal(flat_crop(page, bbox, 4), expected(page, bbox, 4))
    # Another page with the same zone at the same place is that page's zone.
    assert np.array_equal(flat_crop(other, bbox), expected(other, bbox, 0))
    assert not np.array_equal(flat_crop(other, bbox), expected(page, bbox, 0))
    # A zone at the page's edge (its margin cut short) too, and one as wide as the
    # page, whose rows are the remembered region's own.
    edge = (0, 0, 200, 50)
    assert np.array_equal(flat_crop(page, edge, 2), expected(page, edge, 2))
    wide = (0, 200, 600, 260)
    flat_crop(page, wide)[:] = 0
    assert np.array_equal(flat_crop(page, wide), expected(page, wide, 0))


def _serif_t() -> np.ndarray:
    """A blurred serif T as a phone photo leaves it: a dark stem, a bar lighter than ink,
    and the bar's serifs dark again at its ends, joined to the stem by the grey only."""
    img = np.full((56, 42), 255, np.uint8)
    img[14:17, 8:34] = 170  # bar, grey
    img[17:44, 19:23] = 30  # stem
    img[12:18, 8:11] = 90  # left serif tip, ink (18 px)
    img[12:18, 31:34] = 90  # right serif tip
    return img


def test_despeckle_keeps_a_serifs_tip_that_grey_joins_to_its_letter() -> None:
    t = _serif_t()
    assert ink_mask(t, min_blob=20)[12:18, 8:11].sum() == 0  # too small alone: the old speck
    out = despeckle(t, min_blob=20)
    assert (out[12:18, 8:11] == 90).all() and (out[12:18, 31:34] == 90).all()


def test_despeckle_whitens_a_speck_grey_joins_to_nothing() -> None:
    img = _serif_t()
    img[40:43, 34:37] = 40  # a fax speck, 9 px
    img[39:44, 33:38] = np.minimum(img[39:44, 33:38], 180)  # with its grey halo
    img[40:43, 34:37] = 40
    out = despeckle(img)
    assert (out[40:43, 34:37] == 255).all()
    assert (out[17:44, 19:23] == 30).all()


def test_a_glyphs_box_is_as_wide_as_its_grey_bar() -> None:
    t = _serif_t()
    t[12:18, 8:11] = 170  # serif tips as grey as the bar
    t[12:18, 31:34] = 170
    assert ink_bbox(t) == (19, 17, 23, 44)  # the stem alone: a T cut down to an I
    assert ink_bbox(t, glyphs=True) == (8, 12, 34, 44)
