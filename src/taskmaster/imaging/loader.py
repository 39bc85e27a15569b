"""Turn an uploaded file into greyscale page images (in the decoder process: `sandbox`).

Files come from the Internet: every size is checked against `Limits` before anything is
decoded (declared image dimensions, PDF page sizes, page counts), the format is sniffed
from the bytes (never the name), and every decoder exception is mapped to one of ours
(`UnsupportedFormat`, `CorruptFile`, `LimitExceeded`). Messages name the problem only;
the caller adds the file name.
"""

from __future__ import annotations

import contextlib
import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import pillow_heif
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from taskmaster.errors import CorruptFile, InputError, LimitExceeded, UnsupportedFormat
from taskmaster.imaging.formats import KINDS, check_file

pillow_heif.register_heif_opener()

Gray = npt.NDArray[np.uint8]

# Decoders raise these for damaged input; anything else is a bug and should surface.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)


@dataclass
class PageImage:
    """One decoded page: greyscale pixels as stored in the file (not yet deskewed)."""

    image: Gray  # 2-D uint8, 0 = ink, 255 = paper
    dpi: float  # from the file where plausible, else estimated from the paper size, else 300
    index: int  # 1-based page index within the file
    source: str  # "<file name>#<index>"


@dataclass(frozen=True)
class Limits:
    """What one file may cost us; checked before decoding."""

    max_bytes: int = 100 * 2**20
    max_pages: int = 500
    max_page_pixels: int = 60_000_000
    render_dpi: int = 300


def load_pages(data: bytes, name: str, limits: Limits = Limits()) -> list[PageImage]:
    """Decode every page of a file; all limits are checked before the first page decodes."""
    return list(iter_pages(data, name, limits))


def iter_pages(data: bytes, name: str, limits: Limits = Limits()) -> Iterator[PageImage]:
    """Yield the pages of a file one at a time (for large files: one page in memory)."""
    if len(data) > limits.max_bytes:
        raise LimitExceeded(f"file is {len(data)} bytes (limit {limits.max_bytes})")
    kind = check_file(data)
    if kind == "pdf":
        pages = _iter_pdf(data, limits)
    elif kind == "tiff":
        pages = _iter_tiff(data, limits)
    else:
        pages = _iter_single(data, kind, limits)
    for index, (image, dpi) in enumerate(pages, start=1):
        _check_page_size(image, dpi, index)
        yield PageImage(image=image, dpi=dpi, index=index, source=f"{name}#{index}")


# Under this many pixels at 300 dpi a side (0.1 in) an image is no page: later stages
# (deskew, blank detection, registration) cannot work on it.
MIN_SIDE_300DPI = 32


def _check_page_size(image: Gray, dpi: float, index: int) -> None:
    h, w = image.shape[:2]
    if min(w, h) * 300.0 / max(dpi, 1.0) < MIN_SIDE_300DPI:
        raise InputError(
            f"page {index} is {w}x{h} pixels at {dpi:.0f} dpi: too small "
            f"to be a page (at least {MIN_SIDE_300DPI} pixels a side at 300 dpi)"
        )


# --- PDF -----------------------------------------------------------------------------


def _iter_pdf(data: bytes, limits: Limits) -> Iterator[tuple[Gray, float]]:
    if b"%%EOF" not in data[-2048:]:
        # PDFium "repairs" a cut file and renders what is left: refuse rather than lose
        # the end of a document silently.
        raise CorruptFile("truncated PDF (no end-of-file marker)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise UnsupportedFormat("password-protected PDF") from exc
        raise CorruptFile("damaged PDF (cannot be parsed)") from exc
    try:
        # A fillable PDF filled in on a computer keeps its values in the form fields,
        # often without appearance streams: draw them, or a typed copy reads as blank.
        with contextlib.suppress(pdfium.PdfiumError):
            pdf.init_forms()
        count = len(pdf)
        if count == 0:
            raise CorruptFile("PDF has no pages")
        if count > limits.max_pages:
            raise LimitExceeded(f"PDF has {count} pages (limit {limits.max_pages})")
        scale = limits.render_dpi / 72.0
        for i in range(count):
            try:
                # A page tree that lies (a /Count over its pages, a loop) fails here.
                page = pdf[i]
            except pdfium.PdfiumError as exc:
                raise CorruptFile(
                    f"damaged PDF (page {i + 1} of {count} is missing: broken page tree)"
                ) from exc
            try:
                w_pt, h_pt = page.get_size()
                pixels = w_pt * scale * h_pt * scale
                if pixels > limits.max_page_pixels:
                    raise LimitExceeded(
                        f"page {i + 1} is {w_pt / 72:.0f}x{h_pt / 72:.0f} in, "
                        f"{pixels / 1e6:.0f} Mpixels at {limits.render_dpi} dpi "
                        f"(limit {limits.max_page_pixels / 1e6:.0f})"
                    )
                bitmap = page.render(scale=scale, grayscale=True)
                arr = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
            except pdfium.PdfiumError as exc:
                raise CorruptFile(f"damaged PDF (page {i + 1} cannot be rendered)") from exc
            finally:
                page.close()
            yield (arr[:, :, 0] if arr.ndim == 3 else arr), float(limits.render_dpi)
    finally:
        pdf.close()


# --- TIFF ----------------------------------------------------------------------------


def _iter_tiff(data: bytes, limits: Limits) -> Iterator[tuple[Gray, float]]:
    im = _open(data, "TIFF", limits)
    count = _count_frames(im, limits)
    for i in range(count):
        try:
            im.seek(i)
        except _DECODE_ERRORS as exc:
            raise CorruptFile(f"damaged TIFF (page {i + 1}: {exc})") from exc
        _check_pixels(im.size, limits, f"page {i + 1}")
        yield _decode(im, "TIFF", limits, transpose=False)


def _count_frames(im: Image.Image, limits: Limits) -> int:
    """Walk the IFD chain without decoding, stopping one past the limit."""
    count = 0
    try:
        while True:
            im.seek(count)
            count += 1
            if count > limits.max_pages:
                raise LimitExceeded(
                    f"TIFF has more than {limits.max_pages} pages (limit {limits.max_pages})"
                )
    except EOFError:
        pass
    except _DECODE_ERRORS as exc:
        raise CorruptFile(f"damaged TIFF (page {count + 1}: {exc})") from exc
    if count == 0:
        raise CorruptFile("TIFF has no pages")
    return count


# --- PNG, JPEG, WebP, BMP, GIF, JPEG 2000, HEIC (first frame) ------------------------


def _iter_single(data: bytes, kind: str, limits: Limits) -> Iterator[tuple[Gray, float]]:
    label = KINDS[kind]
    im = _open(data, label, limits)
    _check_pixels(im.size, limits, "image")
    yield _decode(im, label, limits, transpose=True)


# --- shared --------------------------------------------------------------------------


def _open(data: bytes, label: str, limits: Limits) -> Image.Image:
    # Pillow's own bomb guard is a second line behind _check_pixels; it is process-wide.
    Image.MAX_IMAGE_PIXELS = max(limits.max_page_pixels, 1)
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(
            f"{label} declares too many pixels (limit {limits.max_page_pixels})"
        ) from exc
    except UnidentifiedImageError as exc:
        raise CorruptFile(f"damaged {label} (header cannot be read)") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptFile(f"damaged {label} ({exc})") from exc


def _check_pixels(size: tuple[int, int], limits: Limits, what: str) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise CorruptFile(f"{what} declares an empty size {w}x{h}")
    if w * h > limits.max_page_pixels:
        raise LimitExceeded(
            f"{what} declares {w}x{h} pixels "
            f"({w * h / 1e6:.0f} M, limit {limits.max_page_pixels / 1e6:.0f} M)"
        )


def _decode(im: Image.Image, label: str, limits: Limits, transpose: bool) -> tuple[Gray, float]:
    """Decode the current frame to grey with square pixels; returns (pixels, dpi)."""
    try:
        im.load()
        if transpose:
            im = ImageOps.exif_transpose(im) or im
        gray = _to_gray(im)
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"{label} declares too many pixels") from exc
    except _DECODE_ERRORS as exc:
        raise CorruptFile(f"damaged or truncated {label} ({exc})") from exc
    xdpi, ydpi = _file_dpi(im.info.get("dpi"), gray.shape[1], gray.shape[0])
    if abs(xdpi - ydpi) > 0.02 * max(xdpi, ydpi):
        # Fax is 204x196 (or 204x98) dpi: resample rows so pixels are square at xdpi.
        new_h = max(1, round(gray.shape[0] * xdpi / ydpi))
        _check_pixels((gray.shape[1], new_h), limits, "resampled page")
        gray = np.asarray(
            cv2.resize(gray, (gray.shape[1], new_h), interpolation=cv2.INTER_LINEAR), np.uint8
        )
    return gray, xdpi


def _to_gray(im: Image.Image) -> Gray:
    mode = im.mode
    if mode == "L":
        return np.asarray(im, dtype=np.uint8).copy()
    if mode.startswith("I") or mode == "F":
        # 16/32-bit greyscale: scale the full range down rather than clip at 255.
        arr = np.asarray(im).astype(np.float64)
        top = float(arr.max()) if arr.size else 0.0
        if top > 255:
            arr = arr * (255.0 / (65535.0 if top <= 65535 else top))
        return np.clip(arr, 0, 255).astype(np.uint8)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info):
        # Transparent areas are paper, not ink.
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(white, rgba).convert("L"), dtype=np.uint8)
    return np.asarray(im.convert("L"), dtype=np.uint8).copy()


def _file_dpi(raw: object, width: int, height: int) -> tuple[float, float]:
    """The file's resolution (Pillow's `info["dpi"]`) where plausible, else an estimate."""
    if isinstance(raw, tuple) and len(raw) == 2:
        try:
            x, y = float(raw[0]), float(raw[1])
        except (TypeError, ValueError):
            x = y = 0.0
        # 72 dpi on a 2550 px scan would make a 35-inch page: such values are defaults.
        # 72 and 96 are what cameras, screenshots and JFIF writers put in when they do not
        # know (no scanner scans at them); trusting them blew receipts up threefold.
        if x in (72.0, 96.0) and y in (72.0, 96.0):
            return _estimate_dpi(width, height)
        if 50 <= x <= 2400 and 50 <= y <= 2400 and 1 <= width / x <= 20 and 1 <= height / y <= 30:
            return _round_dpi(x), _round_dpi(y)
    return _estimate_dpi(width, height)


def _round_dpi(dpi: float) -> float:
    # PNG stores dots per metre: 300 dpi comes back as 299.9994.
    return float(round(dpi)) if abs(dpi - round(dpi)) < 0.01 * dpi else dpi


def _estimate_dpi(width: int, height: int) -> tuple[float, float]:
    """Guess from the paper size: a US Letter or A4 sheet, else 300."""
    short, long_ = sorted((width, height))
    aspect = long_ / short
    for short_in, long_in in ((8.5, 11.0), (8.27, 11.69)):
        if abs(aspect - long_in / short_in) < 0.03:
            dpi = short / short_in
            if 50 <= dpi <= 1200:
                return dpi, dpi
    return 300.0, 300.0
