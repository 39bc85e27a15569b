"""Page preparation: resolution, skew, orientation, blank pages."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from taskmaster.imaging.loader import PageImage
from taskmaster.imaging.prepare import (
    deskew,
    detect_orientation,
    is_blank,
    normalise,
    prepare,
    rotate,
    skew_angle,
)
from tests.conftest import blank_form

H, W = 3300, 2550


@pytest.fixture(scope="module")
def form() -> np.ndarray:
    return blank_form()


def _turn(img: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by `degrees` (OpenCV's sense) about the centre."""
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out: np.ndarray = cv2.warpAffine(img, m, (w, h), borderValue=255)
    return out


def test_normalise_rescales_to_300_dpi() -> None:
    page = PageImage(np.full((2200, 1700), 255, np.uint8), dpi=200, index=1, source="a#1")
    assert normalise(page).shape == (3300, 2550)
    page = PageImage(np.full((3300, 2550), 255, np.uint8), dpi=300, index=1, source="a#1")
    assert normalise(page) is page.image


@pytest.mark.parametrize("degrees", [-3.0, -1.2, 0.5, 2.5, 4.5])
def test_skew_is_measured_and_removed(form: np.ndarray, degrees: float) -> None:
    turned = _turn(form, degrees)
    # Counter-clockwise turns read as negative skew.
    assert skew_angle(turned) == pytest.approx(-degrees, abs=0.1)
    straight, removed = deskew(turned)
    assert removed == pytest.approx(-degrees, abs=0.1)
    assert abs(skew_angle(straight)) < 0.1


def test_straight_page_is_left_alone(form: np.ndarray) -> None:
    img, removed = deskew(form)
    assert removed == 0.0 and img is form


@pytest.mark.parametrize("turned_cw", [0, 90, 180, 270])
def test_orientation_turns_the_page_upright(form: np.ndarray, turned_cw: int) -> None:
    page = rotate(form, turned_cw)
    fix = detect_orientation(page)
    assert (turned_cw + fix) % 360 == 0
    assert np.array_equal(rotate(page, fix), form)


def test_orientation_of_a_page_without_text_is_zero() -> None:
    assert detect_orientation(np.full((H, W), 255, np.uint8)) == 0


def _speckled(seed: int, grey: int = 235, noise: float = 6.0, dots: float = 0.0005) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.clip(rng.normal(grey, noise, (H, W)), 0, 255).astype(np.uint8)
    page[rng.random((H, W)) < dots] = 0  # fax speckle: isolated black pixels
    return page


def test_blank_pages_are_blank_despite_noise_speckle_and_punch_holes() -> None:
    assert is_blank(np.full((H, W), 255, np.uint8))
    assert is_blank(_speckled(1))
    fax = np.where(_speckled(2, grey=250, noise=2, dots=0.002) > 128, 255, 0).astype(np.uint8)
    assert is_blank(fax)
    holed = _speckled(3)
    for y in (600, 1650, 2700):
        cv2.circle(holed, (90, y), 40, 20, -1)  # punch holes in the left margin
    cv2.line(holed, (0, 5), (W, 5), 0, 8)  # scanner lid edge
    assert is_blank(holed)


def test_pages_with_content_are_not_blank(form: np.ndarray) -> None:
    assert not is_blank(form)
    assert not is_blank(blank_form("intake-v1-consent.png"))
    one_line = np.full((H, W), 255, np.uint8)
    cv2.putText(
        one_line, "Signed: J. Smith 12/03/2024", (400, 1600), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4
    )
    assert not is_blank(one_line)


def test_prepare_makes_a_sideways_skewed_page_upright_and_straight(form: np.ndarray) -> None:
    page = rotate(_turn(form, 1.5), 90)
    small = cv2.resize(page, None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA)
    prepared = prepare(PageImage(np.asarray(small, np.uint8), dpi=200, index=1, source="a.tif#1"))
    assert prepared.rotation == 270
    assert prepared.image.shape == (H, W)
    assert prepared.dpi == 300
    assert prepared.skew_deg == pytest.approx(-1.5, abs=0.15)
    assert not prepared.blank


def test_prepare_flags_a_blank_page() -> None:
    prepared = prepare(PageImage(_speckled(4), dpi=300, index=2, source="a.tif#2"))
    assert prepared.blank and prepared.rotation == 0
