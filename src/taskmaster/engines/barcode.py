"""1-D and 2-D barcodes with zxing-cpp.

zxing-cpp alone reads clean and mildly degraded codes. Scanned forms and faxes add blur,
speckle and broken bars, so when the plain pass finds nothing we retry a short, fixed
list of variants of the image (another binariser, upscaled, median-filtered, Otsu
binarised, bars closed, bars averaged down each column) and stop at the first that
decodes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cv2
import numpy as np
import zxingcpp

from taskmaster.engines.base import Barcode, BBox, Gray
from taskmaster.errors import EngineError
from taskmaster.hookspecs import hookimpl

# zxing-cpp's format names (`BarcodeFormat.name`), lower-cased and stripped of "_" ->
# our names. Anything not listed keeps its lower-cased zxing name.
_ALIASES = {
    "qrcode": "qrcode",
    "qr": "qrcode",
    "microqrcode": "microqr",
    "rmqrcode": "rmqr",
    "datamatrix": "datamatrix",
    "pdf417": "pdf417",
    "aztec": "aztec",
    "aztecccode": "aztec",
    "code128": "code128",
    "code39": "code39",
    "code93": "code93",
    "codabar": "codabar",
    "ean13": "ean13",
    "ean8": "ean8",
    "upca": "upca",
    "upce": "upce",
    "itf": "itf",
    "databar": "databar",
    "databarexpanded": "databarexpanded",
    "maxicode": "maxicode",
}


def normalise_symbology(name: str) -> str:
    """Our name for a symbology given in any common spelling: `QR_CODE`, `QRCode`,
    `qrcode` -> `qrcode`; `Code 128`, `CODE_128` -> `code128`."""
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    return _ALIASES.get(key, key)


def _zxing_formats(symbologies: Iterable[str]) -> zxingcpp.BarcodeFormats | None:
    wanted = {normalise_symbology(s) for s in symbologies}
    if not wanted:
        return None
    by_ours = {normalise_symbology(n): f for n, f in zxingcpp.BarcodeFormat.__members__.items()}
    formats = [by_ours[w] for w in sorted(wanted) if w in by_ours]
    if not formats:
        raise EngineError(f"zxing-cpp reads none of the symbologies {sorted(wanted)}")
    return zxingcpp.BarcodeFormats(tuple(formats))


_BAR_AVERAGE = 61  # rows averaged per column for a faxed 1-D code (its bars are ~120 tall)


def _otsu(img: Gray) -> Gray:
    _, out = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return np.asarray(out, dtype=np.uint8)


def _variants(img: Gray) -> list[tuple[str, float, Callable[[], Gray]]]:
    """(name, scale, lazily built image) to try after the plain pass fails, cheapest first.
    `scale` maps coordinates of the variant back to the input."""

    def up() -> Gray:
        return np.asarray(
            cv2.resize(img, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), dtype=np.uint8
        )

    return [
        ("median", 1.0, lambda: np.asarray(cv2.medianBlur(img, 3), dtype=np.uint8)),
        ("otsu", 1.0, lambda: _otsu(np.asarray(cv2.GaussianBlur(img, (3, 3), 0), dtype=np.uint8))),
        ("up2", 0.5, up),
        ("up2-otsu", 0.5, lambda: _otsu(up())),
        # Fax bars come broken by white speckle: a vertical-ish closing joins them.
        (
            "bars-joined",
            1.0,
            lambda: np.asarray(cv2.erode(_otsu(img), np.ones((3, 1), np.uint8)), dtype=np.uint8),
        ),
        (
            "speckle-removed",
            1.0,
            lambda: np.asarray(cv2.dilate(_otsu(img), np.ones((2, 2), np.uint8)), dtype=np.uint8),
        ),
        # A standard-resolution fax leaves a 1-D code's bars broken and ragged row by row;
        # averaged down each column (the bars are taller than the kernel) they come back
        # as one clean grey profile that the binariser reads.
        (
            "bars-averaged",
            1.0,
            lambda: np.asarray(cv2.blur(img, (1, _BAR_AVERAGE)), dtype=np.uint8),
        ),
        # Halved by area: a faxed label's modules, ragged at 200 dpi, average to grey and
        # the small QR code and the Code 128 read again (6 of 18 fresh typed fax and phone
        # labels that no variant above decoded, every one right).
        ("halved", 2.0, lambda: _half(img)),
        ("bars-halved", 2.0, lambda: _half(np.asarray(cv2.blur(img, (1, 15)), dtype=np.uint8))),
    ]


def _half(img: Gray) -> Gray:
    return np.asarray(
        cv2.resize(img, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA), dtype=np.uint8
    )


class ZxingBarcodeEngine:
    """`BarcodeEngine` on zxing-cpp."""

    name = "zxing-cpp"

    def __init__(self, *, retries: bool = True) -> None:
        self._retries = retries

    def version(self) -> str:
        """zxing-cpp's version, when the module exposes it."""
        return str(getattr(zxingcpp, "__version__", "") or "unknown")

    def read(self, image: Gray, *, symbologies: tuple[str, ...] = ()) -> list[Barcode]:
        """Every barcode found in `image`, boxes in `image` pixels, deduplicated."""
        if image.ndim != 2 or image.size == 0:
            return []
        img = np.ascontiguousarray(image, dtype=np.uint8)
        formats = _zxing_formats(symbologies)
        found = self._decode(img, formats, 1.0, zxingcpp.Binarizer.LocalAverage)
        if found or not self._retries:
            return found
        found = self._decode(img, formats, 1.0, zxingcpp.Binarizer.GlobalHistogram)
        if found:
            return found
        for _name, scale, build in _variants(img):
            found = self._decode(build(), formats, scale, zxingcpp.Binarizer.LocalAverage)
            if found:
                return found
        return []

    def _decode(
        self,
        img: Gray,
        formats: zxingcpp.BarcodeFormats | None,
        scale: float,
        binarizer: zxingcpp.Binarizer,
    ) -> list[Barcode]:
        try:
            if formats is None:
                results = zxingcpp.read_barcodes(
                    img, try_rotate=True, try_downscale=True, binarizer=binarizer
                )
            else:
                results = zxingcpp.read_barcodes(
                    img, formats, try_rotate=True, try_downscale=True, binarizer=binarizer
                )
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"zxing-cpp failed: {exc}") from exc
        out: list[Barcode] = []
        seen: set[tuple[str, str]] = set()
        for r in results:
            if not r.valid or not r.text:
                continue
            sym = normalise_symbology(r.format.name)
            if (r.text, sym) in seen:
                continue
            seen.add((r.text, sym))
            out.append(Barcode(text=r.text, symbology=sym, bbox=_bbox(r.position, scale)))
        return out


def _bbox(pos: zxingcpp.Position, scale: float) -> BBox:
    pts = [pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left]
    xs = [p.x * scale for p in pts]
    ys = [p.y * scale for p in pts]
    return int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys)))


ENGINE = ZxingBarcodeEngine


@hookimpl
def taskmaster_barcode_engines() -> dict[str, type[ZxingBarcodeEngine]]:
    """Register this engine (the built-in engines are plugins like any other)."""
    return {"zxing": ZxingBarcodeEngine}
