"""Fingerprint identification and registration on synthetic copies of the blank forms.

Each case moves the blank form by a known homography T (reference -> page), degrades it,
and checks that identify() names the right page type and that its homography (page ->
reference) undoes T to within a couple of pixels over the whole page.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from taskmaster.imaging import registration
from taskmaster.imaging.registration import (
    Fingerprint,
    build_fingerprint,
    distinct,
    identify,
    warp_to_reference,
)
from tests.conftest import blank_form

# The form's three corner squares (fields.json "registration_marks").
MARKS = [(80, 80, 140, 140), (2410, 80, 2470, 140), (80, 3160, 140, 3220)]
W, H = 2550, 3300


@pytest.fixture(scope="module")
def fingerprints() -> list[Fingerprint]:
    return [
        build_fingerprint("intake-v1", blank_form("intake-v1.png"), MARKS),
        build_fingerprint("intake-v1-consent", blank_form("intake-v1-consent.png"), MARKS),
    ]


def _similarity(
    angle_deg: float = 0.0, scale: float = 1.0, tx: float = 0.0, ty: float = 0.0
) -> np.ndarray:
    m = np.asarray(cv2.getRotationMatrix2D((W / 2, H / 2), angle_deg, scale), np.float64)
    m[:, 2] += (tx, ty)
    return np.vstack([m, [0, 0, 1]])


def _apply(ref: np.ndarray, t: np.ndarray, size: tuple[int, int] = (W, H)) -> np.ndarray:
    out: np.ndarray = cv2.warpPerspective(ref, t, size, flags=cv2.INTER_LINEAR, borderValue=255)
    return out


def _fax(img: np.ndarray, seed: int = 1) -> np.ndarray:
    """1-bit with speckle, like a fine-mode fax."""
    rng = np.random.default_rng(seed)
    noisy = img.astype(np.int16) + rng.normal(0, 30, img.shape).astype(np.int16)
    out = np.where(noisy > 140, 255, 0).astype(np.uint8)
    speckle = rng.random(img.shape) < 0.002
    out[speckle] = 0
    return out


def _error_px(h_page_to_ref: np.ndarray, t_ref_to_page: np.ndarray) -> float:
    """Largest distance, over a grid on the page, between a point and its round trip."""
    xs, ys = np.meshgrid(np.linspace(100, W - 100, 6), np.linspace(100, H - 100, 8))
    pts = np.stack([xs.ravel(), ys.ravel()], axis=1).reshape(-1, 1, 2).astype(np.float64)
    back = cv2.perspectiveTransform(cv2.perspectiveTransform(pts, t_ref_to_page), h_page_to_ref)
    return float(np.abs(back - pts).max())


_ROT180 = np.array([[-1, 0, W - 1], [0, -1, H - 1], [0, 0, 1]], dtype=np.float64)
_ROT90_CW = np.array([[0, -1, H - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64)
_PERSPECTIVE = cv2.getPerspectiveTransform(
    np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float32),
    np.array([[60, 40], [W - 140, 90], [W - 30, H - 20], [20, H - 120]], np.float32),
).astype(np.float64)

CASES = {
    "rotate +3": (_similarity(3.0, tx=15, ty=-20), (W, H), False, 0),
    "rotate -3": (_similarity(-3.0, tx=-25, ty=10), (W, H), False, 0),
    "scale 0.95": (_similarity(scale=0.95), (W, H), False, 0),
    "scale 1.05": (_similarity(scale=1.05, tx=-30), (W, H), False, 0),
    "shift": (_similarity(tx=45, ty=-70), (W, H), False, 0),
    "fax 200 dpi": (np.diag([2 / 3, 2 / 3, 1.0]) @ _similarity(0.7), (1700, 2200), True, 0),
    "upside down": (_ROT180, (W, H), False, 180),
    "sideways": (_ROT90_CW, (H, W), False, 270),
    "perspective": (_PERSPECTIVE, (W, H), False, 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_transformed_blank_form_is_identified_and_registered(
    case: str, fingerprints: list[Fingerprint]
) -> None:
    t, size, fax, rotation = CASES[case]
    page = _apply(fingerprints[0].reference, t, size)
    if fax:
        page = _fax(page)
    match = identify(page, fingerprints)
    assert match.page_type == "intake-v1"
    assert match.score > 0.8
    assert match.rotation == rotation
    assert match.homography is not None
    assert _error_px(match.homography, t) < 2.5


def test_consent_page_is_told_apart_from_the_intake_page(fingerprints: list[Fingerprint]) -> None:
    t = _similarity(-1.5, scale=0.98, tx=20, ty=30)
    page = _apply(fingerprints[1].reference, t)
    match = identify(page, fingerprints)
    assert match.page_type == "intake-v1-consent"
    assert match.homography is not None and _error_px(match.homography, t) < 2.5
    # Against the intake fingerprint alone it shares only the header: far below accepting.
    assert identify(page, fingerprints[:1]).page_type is None


def _version(ref: np.ndarray) -> np.ndarray:
    """A second version of the form: the same page with two boxes added at the bottom."""
    out = ref.copy()
    cv2.rectangle(out, (300, 2700), (1200, 2900), 0, 4)
    cv2.rectangle(out, (1400, 2700), (2200, 2900), 0, 4)
    return out


def test_forms_that_differ_are_distinct_and_versions_of_one_form_are_not(
    fingerprints: list[Fingerprint],
) -> None:
    intake, consent = fingerprints
    assert distinct(intake, consent) and distinct(consent, intake)
    v2 = build_fingerprint("intake-v2", _version(intake.reference), MARKS)
    assert not distinct(intake, v2)
    # Another paper size is not compared: both are tried.
    small = build_fingerprint(
        "small", np.asarray(cv2.resize(intake.reference, (1700, 2200)), np.uint8)
    )
    assert not distinct(intake, small)


def test_early_accept_picks_what_trying_every_form_picks(
    fingerprints: list[Fingerprint], monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = fingerprints[0]
    v2 = build_fingerprint("intake-v2", _version(intake.reference), MARKS)
    t = _similarity(1.2, scale=0.99, tx=-15, ty=25)
    cases = [
        (_apply(intake.reference, t), [*fingerprints, v2], "intake-v1"),
        (_apply(fingerprints[1].reference, t), fingerprints, "intake-v1-consent"),
        # A page of the new version matches the old one well enough to accept it early,
        # but the version is tried too, and matches better.
        (_apply(_version(intake.reference), t), [intake, fingerprints[1], v2], "intake-v2"),
    ]
    for page, fps, expected in cases:
        early = identify(page, fps)
        monkeypatch.setattr(registration, "EARLY_ACCEPT", 2.0)  # never: every form tried
        full = identify(page, fps)
        monkeypatch.undo()
        assert early.page_type == full.page_type == expected
        assert early.score == full.score
        assert early.homography is not None and full.homography is not None
        assert np.allclose(early.homography, full.homography)


def test_warp_puts_the_page_back_onto_the_reference(fingerprints: list[Fingerprint]) -> None:
    ref = fingerprints[0].reference
    t = _similarity(1.0, scale=0.98, tx=-20, ty=35)  # marks stay on the page
    match = identify(_apply(ref, t), fingerprints)
    warped = warp_to_reference(_apply(ref, t), match, fingerprints[0])
    assert warped.shape == ref.shape
    for x0, y0, x1, y1 in MARKS:
        # Each registration mark is solid ink where fields.json says it is.
        assert warped[y0 + 4 : y1 - 4, x0 + 4 : x1 - 4].mean() < 40


def _text_page(seed: int, width: int = W, height: int = H, lines: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((height, width), 255, np.uint8)
    words = [
        "TOTAL",
        "Invoice",
        "Qty",
        "amount",
        "RM",
        "12.50",
        "Tax",
        "Date",
        "Cash",
        "Thank you",
        "Patient",
        "Name",
        "Address",
    ]
    step = (height - 200) // lines
    for i in range(lines):
        text = " ".join(rng.choice(words, size=int(rng.integers(2, 8))))
        cv2.putText(page, text, (60, 150 + i * step), cv2.FONT_HERSHEY_SIMPLEX, width / 1400, 0, 2)
    return page


@pytest.mark.parametrize("kind", ["text page", "receipt", "noise", "blank"])
def test_pages_that_are_no_known_form_are_not_identified(
    kind: str, fingerprints: list[Fingerprint]
) -> None:
    rng = np.random.default_rng(7)
    makers: dict[str, Callable[[], np.ndarray]] = {
        "text page": lambda: _text_page(3),
        "receipt": lambda: _text_page(4, width=900, height=2600, lines=30),
        "noise": lambda: rng.integers(0, 256, (H, W), dtype=np.uint8),
        "blank": lambda: np.full((H, W), 250, np.uint8),
    }
    page = makers[kind]()
    match = identify(page, fingerprints)
    assert match.page_type is None
    assert match.homography is None
    assert match.score < 0.4


def test_warp_refuses_an_unmatched_page(fingerprints: list[Fingerprint]) -> None:
    match = identify(np.full((H, W), 255, np.uint8), fingerprints)
    with pytest.raises(ValueError, match="no fingerprint"):
        warp_to_reference(np.full((H, W), 255, np.uint8), match, fingerprints[0])
