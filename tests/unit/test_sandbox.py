"""Decoding in a limited child process: the crafted attacks of issue 14 are stopped there.

Limits are set small so each attack crosses one in a second or two; the assertions say
which limit stopped it, and that the test process itself never grew.
"""

from __future__ import annotations

import io
import resource
from collections.abc import Iterator
from types import GeneratorType

import numpy as np
import pytest
from PIL import Image

from taskmaster.errors import Busy, CorruptFile, InputError, LimitExceeded, UnsupportedFormat
from taskmaster.imaging.loader import Limits, load_pages
from taskmaster.imaging.sandbox import Budget, DecoderPool
from tests import hostile


@pytest.fixture(scope="module")
def pool() -> Iterator[DecoderPool]:
    pool = DecoderPool(Budget(memory_mb=256, cpu_s=2, wall_s=20), size=1)
    pool.prestart()
    yield pool
    pool.close()


def _decode(pool: DecoderPool, data: bytes, name: str = "f") -> list[np.ndarray]:
    return [p.page_image().image for p in pool.decode(data, name, Limits())]


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _png(w: int = 300, h: int = 200) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h), 90).save(buf, "PNG")
    return buf.getvalue()


def test_good_file_decodes_in_the_child_like_in_process(pool: DecoderPool) -> None:
    data = _png()
    (page,) = list(pool.decode(data, "scan.png", Limits()))
    assert (page.index, page.width, page.height, page.source) == (1, 300, 200, "scan.png#1")
    assert np.array_equal(page.page_image().image, load_pages(data, "scan.png")[0].image)


def test_nested_form_xobjects_are_stopped_by_a_limit(pool: DecoderPool) -> None:
    before = _max_rss_mib()
    with pytest.raises(InputError, match="decoder stopped|CPU|memory") as caught:
        _decode(pool, hostile.nested_xobject_pdf(levels=12, fanout=10))
    assert isinstance(caught.value, (LimitExceeded, CorruptFile))
    assert _max_rss_mib() - before < 100  # the growth happened in the child, not here
    assert len(_decode(pool, _png())) == 1  # and a fresh child takes the next file


def test_jpeg_of_sixty_thousand_scans_hits_the_cpu_limit(pool: DecoderPool) -> None:
    data = hostile.many_scans_jpeg(scans=60_000, side=2000)
    assert len(data) < 1_000_000  # the 840 KB file
    with pytest.raises(LimitExceeded, match="2 s of CPU"):
        _decode(pool, data)


def test_png_decompression_bomb_hits_the_memory_limit(pool: DecoderPool) -> None:
    data = hostile.png_bomb(6000, 6000, bits=16)  # 288 MB of pixels in 280 KB
    before = _max_rss_mib()
    with pytest.raises(InputError, match="256 MiB"):
        _decode(pool, data)
    assert _max_rss_mib() - before < 100


def test_pdf_stream_inflating_to_a_gibibyte_is_bounded(pool: DecoderPool) -> None:
    data = hostile.inflating_pdf(mib=1024)
    assert len(data) < 2 * 2**20
    before = _max_rss_mib()
    try:
        pages = _decode(pool, data)
    except InputError as exc:  # pdfium may refuse the page, or the child is stopped
        assert "memory" in exc.message or "damaged" in exc.message
    else:
        assert len(pages) == 1 and pages[0].min() == 255  # a page with nothing drawn
    assert _max_rss_mib() - before < 100


def test_pdf_page_tree_that_lies_is_a_corrupt_file(pool: DecoderPool) -> None:
    with pytest.raises(CorruptFile, match="page 2 of 5 is missing: broken page tree"):
        _decode(pool, hostile.lying_page_tree_pdf(claimed=5))
    with pytest.raises(CorruptFile, match="broken page tree"):
        load_pages(hostile.lying_page_tree_pdf(claimed=3), "bad.pdf")


def test_pdf_page_tree_with_a_loop_does_not_hang(pool: DecoderPool) -> None:
    try:
        pages = _decode(pool, hostile.looping_page_tree_pdf())
    except CorruptFile:
        return
    assert 1 <= len(pages) <= Limits().max_pages


def test_all_decoders_busy_is_busy_not_a_wait(pool: DecoderPool) -> None:
    two_pages = io.BytesIO()
    Image.new("L", (200, 100), 9).save(
        two_pages, "TIFF", save_all=True, append_images=[Image.new("L", (200, 100), 9)]
    )
    held = pool.decode(two_pages.getvalue(), "held.tif", Limits())
    next(held)  # the only child is now mid-file
    with pytest.raises(Busy, match="busy"):
        list(pool.decode(_png(), "other.png", Limits(), wait=0.1))
    assert isinstance(held, GeneratorType)
    held.close()  # abandoning a file discards its child; the pool goes on
    assert len(_decode(pool, _png())) == 1


def test_refusals_come_back_with_their_class(pool: DecoderPool) -> None:
    with pytest.raises(UnsupportedFormat, match="text file"):
        _decode(pool, b"Dear customer,\n" * 50)
    with pytest.raises(LimitExceeded, match="declares too many pixels"):
        _decode(pool, hostile.png_declaring(60_000, 60_000))


def test_prestart_starts_as_many_children_as_asked() -> None:
    # `taskmaster process` decodes one file at a time: one child, not the pool's size
    # (each is a Python process whose imports cost a quarter second of CPU).
    two = DecoderPool(Budget(memory_mb=256, cpu_s=2, wall_s=20), size=2)
    try:
        two.prestart(1)
        assert len(two._idle) == 1
        png = io.BytesIO()
        Image.fromarray(np.full((40, 60), 200, np.uint8)).save(png, "PNG")
        assert _decode(two, png.getvalue())[0].shape == (40, 60)
        assert len(two._idle) == 1  # the child came back; no second one was started
        two.prestart()
        assert len(two._idle) == 2
    finally:
        two.close()
