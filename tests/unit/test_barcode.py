"""ZxingBarcodeEngine on barcodes that zxing-cpp itself writes, clean and degraded."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from taskmaster.engines.barcode import ZxingBarcodeEngine, normalise_symbology
from taskmaster.engines.base import BarcodeEngine
from tests.conftest import read_gray

DATA = Path(__file__).resolve().parents[1] / "data" / "barcode"


def _code(text: str, fmt: zxingcpp.BarcodeFormat, scale: int = 3) -> np.ndarray:
    img = np.asarray(
        zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, fmt), scale=scale),
        dtype=np.uint8,
    )
    # Put it on a page-like margin so the decoder has a quiet zone and clutter-free border.
    return np.pad(img, 60, constant_values=255)


def _fax(img: np.ndarray, seed: int = 0) -> np.ndarray:
    """Blur, speckle and binarise like a 200 dpi fax."""
    rng = np.random.default_rng(seed)
    out = cv2.GaussianBlur(img, (5, 5), 1.2).astype(np.int16)
    out += np.asarray(rng.normal(0, 25, out.shape)).astype(np.int16)
    return np.where(out > 128, 255, 0).astype(np.uint8)


def _rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderValue=255)


@pytest.fixture(scope="module")
def engine() -> ZxingBarcodeEngine:
    return ZxingBarcodeEngine()


def test_implements_interface(engine: ZxingBarcodeEngine) -> None:
    assert isinstance(engine, BarcodeEngine)
    assert engine.version()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        (zxingcpp.BarcodeFormat.Code128, "code128"),
        (zxingcpp.BarcodeFormat.QRCode, "qrcode"),
        (zxingcpp.BarcodeFormat.DataMatrix, "datamatrix"),
        (zxingcpp.BarcodeFormat.PDF417, "pdf417"),
    ],
)
def test_reads_clean_codes_with_normalised_names(
    engine: ZxingBarcodeEngine, fmt: zxingcpp.BarcodeFormat, name: str
) -> None:
    found = engine.read(_code("P12345678", fmt))
    assert [(b.text, b.symbology) for b in found] == [("P12345678", name)]
    x0, y0, x1, y1 = found[0].bbox
    assert 0 <= x0 < x1 and 0 <= y0 < y1


def test_ean13(engine: ZxingBarcodeEngine) -> None:
    found = engine.read(_code("4006381333931", zxingcpp.BarcodeFormat.EAN13))
    assert [(b.text, b.symbology) for b in found] == [("4006381333931", "ean13")]


@pytest.mark.parametrize("fmt", [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode])
def test_degraded(engine: ZxingBarcodeEngine, fmt: zxingcpp.BarcodeFormat) -> None:
    img = _code("P87654321", fmt, scale=3)  # ~10 mil modules at 300 dpi
    for variant in (
        _fax(img),
        _rotate(img, 7.0),
        _fax(_rotate(img, -3.0), seed=1),
        np.rot90(img).copy(),
    ):
        assert [b.text for b in engine.read(variant)] == ["P87654321"]


def test_symbology_filter(engine: ZxingBarcodeEngine) -> None:
    img = _code("P12345678", zxingcpp.BarcodeFormat.QRCode)
    assert engine.read(img, symbologies=("code128",)) == []
    assert [b.symbology for b in engine.read(img, symbologies=("QR_CODE", "code128"))] == ["qrcode"]


def test_blank_and_empty(engine: ZxingBarcodeEngine) -> None:
    assert engine.read(np.full((200, 300), 255, np.uint8)) == []
    assert engine.read(np.zeros((0, 0), np.uint8)) == []


def test_normalise_symbology() -> None:
    assert normalise_symbology("QR_CODE") == "qrcode"
    assert normalise_symbology("Code 128") == "code128"
    assert normalise_symbology("DATA_MATRIX") == "datamatrix"
    assert normalise_symbology("PDF_417") == "pdf417"


@pytest.mark.parametrize("path", sorted(DATA.glob("fax_label_*.png")), ids=lambda p: p.stem)
def test_standard_resolution_fax_labels(engine: ZxingBarcodeEngine, path: Path) -> None:
    label = read_gray(path)
    want = path.stem.removeprefix("fax_label_")
    assert ZxingBarcodeEngine(retries=False).read(label) == []  # broken bars, row by row
    found = engine.read(label, symbologies=("code128", "qrcode"))
    assert [b.text for b in found] == [want]
    assert found[0].symbology == "code128"


@pytest.mark.parametrize("path", sorted(DATA.glob("fax_halved_*.png")), ids=lambda p: p.stem)
def test_faxed_patient_labels_read_halved(engine: ZxingBarcodeEngine, path: Path) -> None:
    """Patient labels of fresh faxed intake pages (a small QR code, a Code 128) that only
    read once the zone is halved by area."""
    label = read_gray(path)
    want = path.stem.removeprefix("fax_halved_")
    assert ZxingBarcodeEngine(retries=False).read(label) == []
    found = engine.read(label, symbologies=("code128", "qrcode"))
    assert [b.text for b in found] == [want]
    x0, y0, x1, y1 = found[0].bbox
    assert 0 <= x0 < x1 <= label.shape[1] and 0 <= y0 < y1 <= label.shape[0]
