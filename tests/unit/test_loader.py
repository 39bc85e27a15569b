"""Page loading: formats, modes, and hostile files (all inputs generated here)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from taskmaster.errors import CorruptFile, InputError, LimitExceeded, UnsupportedFormat
from taskmaster.imaging.formats import sniff
from taskmaster.imaging.loader import Limits, iter_pages, load_pages


def _save(im: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _page(w: int = 850, h: int = 1100, seed: int = 0) -> Image.Image:
    """A greyscale page with noisy content (so compressed files are not tiny)."""
    rng = np.random.default_rng(seed)
    arr = np.full((h, w), 255, np.uint8)
    arr[100:140, 80 : w - 80] = 0
    arr[h // 3 : 2 * h // 3, w // 4 : w // 2] = rng.integers(
        0, 256, (2 * h // 3 - h // 3, w // 2 - w // 4), dtype=np.uint8
    )
    return Image.fromarray(arr)


def _pdf(width_pt: float = 612, height_pt: float = 792, pages: int = 1) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(width_pt, height_pt)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's first bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )


# --- sniffing and refusals -----------------------------------------------------------


def test_zero_byte_file_is_an_input_error() -> None:
    with pytest.raises(InputError, match="empty file"):
        load_pages(b"", "scan.pdf")


def test_text_file_renamed_tif_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="text file"):
        load_pages(b"Dear customer,\nplease find attached...\n" * 20, "scan.tif")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP archive"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "legacy Office document"),
        (b"<html><body>hi</body></html>", "HTML"),
        (bytes(range(256)) * 4, "unknown binary"),
    ],
)
def test_sniff_names_what_a_refused_file_looks_like(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedFormat, match=what):
        sniff(data)


def test_sniff_goes_by_content_not_name() -> None:
    assert sniff(_save(_page(), "PNG")) == "png"
    assert sniff(_save(_page(), "JPEG")) == "jpeg"
    assert sniff(_save(_page(), "TIFF")) == "tiff"
    assert sniff(_pdf()) == "pdf"


def test_file_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(LimitExceeded, match="bytes"):
        load_pages(_save(_page(), "PNG"), "a.png", Limits(max_bytes=1000))


def test_truncated_pdf_is_corrupt() -> None:
    data = _pdf()
    with pytest.raises(CorruptFile, match="truncated PDF"):
        load_pages(data[: len(data) // 2], "a.pdf")


def test_pdf_with_broken_body_is_corrupt() -> None:
    data = b"%PDF-1.7\n" + b"garbage " * 200 + b"\n%%EOF\n"
    with pytest.raises(CorruptFile, match="damaged PDF"):
        load_pages(data, "a.pdf")


def test_pdf_with_absurd_page_size_is_refused_before_rendering() -> None:
    # 200 x 200 inches: 3.6 Gpixels at 300 dpi.
    with pytest.raises(LimitExceeded, match="Mpixels"):
        load_pages(_pdf(14400, 14400), "poster.pdf")


def test_pdf_with_too_many_pages_is_refused() -> None:
    with pytest.raises(LimitExceeded, match="pages"):
        load_pages(_pdf(pages=3), "a.pdf", Limits(max_pages=2))


def test_truncated_png_is_corrupt() -> None:
    data = _save(_page(), "PNG")
    with pytest.raises(CorruptFile, match="PNG"):
        load_pages(data[: len(data) // 2], "a.png")


def test_truncated_jpeg_is_corrupt() -> None:
    data = _save(_page().convert("RGB"), "JPEG", quality=90)
    with pytest.raises(CorruptFile, match="JPEG"):
        load_pages(data[: len(data) // 2], "a.jpg")


def test_truncated_tiff_is_corrupt() -> None:
    data = _save(_page(), "TIFF", compression="tiff_lzw")
    with pytest.raises(CorruptFile, match="TIFF"):
        load_pages(data[: len(data) // 3], "a.tif")


def test_png_declaring_ten_gigapixels_is_refused_before_decoding() -> None:
    with pytest.raises(LimitExceeded):
        load_pages(_png_declaring(100_000, 100_000), "bomb.png")


def test_png_over_the_page_pixel_limit_is_refused() -> None:
    with pytest.raises(LimitExceeded, match="pixels"):
        load_pages(_save(_page(), "PNG"), "a.png", Limits(max_page_pixels=500_000))


# --- what loads ----------------------------------------------------------------------


def test_pdf_page_renders_at_render_dpi() -> None:
    pages = load_pages(_pdf(612, 792, pages=2), "form.pdf", Limits(render_dpi=100))
    assert [p.source for p in pages] == ["form.pdf#1", "form.pdf#2"]
    assert pages[0].image.shape == (1100, 850)
    assert pages[0].image.dtype == np.uint8
    assert pages[0].dpi == 100


def test_multipage_g4_fax_tiff_loads_every_page_with_square_pixels() -> None:
    frames = [_page(seed=i).point(lambda v: 255 if v > 128 else 0).convert("1") for i in range(3)]
    data = _save(
        frames[0],
        "TIFF",
        compression="group4",
        save_all=True,
        append_images=frames[1:],
        dpi=(204, 196),
    )
    pages = load_pages(data, "fax.tif")
    assert [p.index for p in pages] == [1, 2, 3]
    assert pages[2].source == "fax.tif#3"
    assert pages[0].dpi == 204
    # Rows resampled from 196 to 204 dpi.
    assert pages[0].image.shape == (round(1100 * 204 / 196), 850)
    assert pages[0].image[120, 400] == 0 and pages[0].image[50, 400] == 255


def test_tiff_page_limit_counts_frames_without_decoding() -> None:
    frames = [_page(seed=i) for i in range(3)]
    data = _save(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(LimitExceeded, match="more than 2 pages"):
        load_pages(data, "a.tif", Limits(max_pages=2))


def test_iter_pages_streams() -> None:
    frames = [_page(seed=i) for i in range(2)]
    data = _save(frames[0], "TIFF", save_all=True, append_images=frames[1:])
    it = iter_pages(data, "a.tif")
    assert next(it).index == 1
    assert next(it).index == 2


def test_jpeg_exif_orientation_is_applied() -> None:
    im = Image.new("L", (200, 100), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    data = _save(im, "JPEG", exif=exif.tobytes())
    (page,) = load_pages(data, "photo.jpg")
    assert page.image.shape == (200, 100)


@pytest.mark.parametrize("mode", ["1", "L", "RGB", "P", "I;16"])
def test_image_modes_become_8_bit_grey(mode: str) -> None:
    base = _page(200, 260)
    if mode == "I;16":
        im = Image.fromarray(np.asarray(base).astype(np.uint16) * 257)
    else:
        im = base.convert(mode)
    (page,) = load_pages(_save(im, "PNG"), "a.png")
    assert page.image.dtype == np.uint8 and page.image.ndim == 2
    assert page.image[120, 100] < 30 and page.image[20, 100] > 225


def test_transparent_background_is_paper() -> None:
    im = Image.new("RGBA", (100, 130), (0, 0, 0, 0))
    im.paste((0, 0, 0, 255), (10, 10, 50, 50))
    (page,) = load_pages(_save(im, "PNG"), "a.png")
    assert page.image[5, 5] == 255 and page.image[20, 20] == 0


def test_dpi_comes_from_the_file_or_the_paper_size() -> None:
    (page,) = load_pages(_save(_page(), "PNG", dpi=(100, 100)), "a.png")
    assert page.dpi == 100
    # A JPEG's default 72 dpi on a 2550 px wide letter page is not believable: 300.
    big = Image.new("L", (2550, 3300), 255)
    (page,) = load_pages(_save(big, "JPEG", dpi=(72, 72)), "a.jpg")
    assert page.dpi == pytest.approx(300)


# --- the formats of issue 16, by content, with the same limits -------------------------

NEW_FORMATS = [
    ("webp", "WEBP", {"lossless": True}, "photo.webp"),
    ("bmp", "BMP", {}, "scan.bmp"),
    ("gif", "GIF", {}, "fax.gif"),
    ("jp2", "JPEG2000", {}, "scan.jp2"),
    ("tiff", "TIFF", {"big_tiff": True}, "big.tif"),
    ("heic", "HEIF", {"quality": -1}, "IMG_0001.HEIC"),  # -1: lossless
]


@pytest.mark.parametrize(("kind", "fmt", "options", "name"), NEW_FORMATS)
def test_new_formats_load_by_content(
    kind: str, fmt: str, options: dict[str, object], name: str
) -> None:
    page = _page(300, 400)
    data = _save(page, fmt, **options)
    assert sniff(data) == kind
    (loaded,) = load_pages(data, name)
    assert loaded.source == f"{name}#1"
    assert loaded.image.shape == (400, 300) and loaded.image.dtype == np.uint8
    # The black rule and the paper around it survive every codec.
    assert loaded.image[120, 150] < 40 and loaded.image[50, 150] > 215
    assert np.abs(loaded.image.astype(int) - np.asarray(page, int)).mean() < 8


@pytest.mark.parametrize(("kind", "fmt", "options", "name"), NEW_FORMATS)
def test_new_formats_obey_the_pixel_limit(
    kind: str, fmt: str, options: dict[str, object], name: str
) -> None:
    data = _save(_page(300, 400), fmt, **options)
    with pytest.raises(LimitExceeded, match="pixels"):
        load_pages(data, name, Limits(max_page_pixels=100_000))


def test_bmp_is_told_from_text_starting_with_bm() -> None:
    with pytest.raises(UnsupportedFormat, match="text file"):
        sniff(b"BMW owners club newsletter, issue 4\n" * 10)


def test_an_image_too_small_to_be_a_page_is_refused() -> None:
    # A 1x1 PNG used to pass the loader and fail the whole batch in prepare.
    with pytest.raises(InputError, match="1x1 pixels at 300 dpi: too small to be a page"):
        load_pages(_save(Image.new("L", (1, 1)), "PNG"), "dot.png")
    with pytest.raises(InputError, match="850x20 pixels"):
        load_pages(_save(Image.new("L", (850, 20)), "PNG"), "strip.png")
    with pytest.raises(InputError, match="too small"):
        load_pages(_pdf(2, 2), "stamp.pdf")
    (page,) = load_pages(_save(Image.new("L", (32, 32)), "PNG"), "small.png")
    assert page.image.shape == (32, 32)
