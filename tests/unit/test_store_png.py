"""Page images are stored as lossless PNG, compressed only where deflate pays."""

from __future__ import annotations

import numpy as np

from taskmaster.store import decode_png, encode_png, incompressible


def test_a_clean_page_is_compressed_and_round_trips() -> None:
    page = np.full((3300, 2550), 255, np.uint8)
    page[400:460, 300:1800] = 0  # a line of "text"
    data = encode_png("p.png", page)
    assert not incompressible(page)
    assert len(data) < page.nbytes // 50
    assert np.array_equal(decode_png("p.png", data), page)


def test_a_noisy_scan_is_stored_without_compression_and_round_trips() -> None:
    rng = np.random.default_rng(7)
    page = np.clip(rng.normal(220, 25, (3300, 2550)), 0, 255).astype(np.uint8)
    assert incompressible(page)
    data = encode_png("p.png", page)
    assert page.nbytes <= len(data) < page.nbytes * 1.01  # stored blocks: raw plus framing
    assert data[:8] == b"\x89PNG\r\n\x1a\n"  # still a PNG (the API serves it as is)
    assert np.array_equal(decode_png("p.png", data), page)


def test_small_images_are_always_compressed() -> None:
    rng = np.random.default_rng(1)
    tile = rng.integers(0, 256, (100, 100), dtype=np.uint8)
    assert not incompressible(tile)
    assert np.array_equal(decode_png("t.png", encode_png("t.png", tile)), tile)
