"""Crafted hostile files, made on the fly (the attacks of issue 14, scaled by argument).

Each builder returns bytes; none writes anywhere. Sizes default to what the tests need
to cross the small limits they set, not to the full attack.
"""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import Image


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 6000, height: int = 6000, bits: int = 16) -> bytes:
    """A small, valid PNG whose zlib data inflates to width x height RGBA pixels."""
    row = b"\x00" + b"\x00" * (width * 4 * bits // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bits, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a bomb's first bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _chunk(b"IEND", b"")
    )


def one_pixel_png() -> bytes:
    """A valid 1x1 PNG: no page, but it used to fail the whole batch in prepare."""
    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, "PNG")
    return buf.getvalue()


def nested_xobject_pdf(levels: int = 12, fanout: int = 10) -> bytes:
    """A few KB PDF whose page draws a form that draws the next one `fanout` times, `levels`
    deep: fanout**levels drawing operations (7 levels took a minute before)."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(612, 792))
    leaf = pikepdf.Stream(pdf, b"0 0 m 600 780 l S")
    leaf.Type, leaf.Subtype, leaf.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 612, 792]
    current = leaf
    for level in range(levels):
        name = f"/X{level}".encode()
        form = pikepdf.Stream(pdf, b" ".join([b"q " + name + b" Do Q"] * fanout))
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = [0, 0, 612, 792]
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({f"/X{level}": current}))
        current = form
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Top=current))
    page.Contents = pdf.make_stream(b"/Top Do")
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def inflating_pdf(mib: int = 1024) -> bytes:
    """A PDF whose page content stream inflates to `mib` MiB (about 1 MiB on disk)."""
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    body = b"".join(comp.compress(block) for _ in range(mib)) + comp.flush()
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(612, 792))
    stream = pikepdf.Stream(pdf, body)
    stream.Filter = pikepdf.Name.FlateDecode
    page.Contents = pdf.make_indirect(stream)
    buf = io.BytesIO()
    pdf.save(buf, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buf.getvalue()


def many_scans_jpeg(scans: int = 60_000, side: int = 2000) -> bytes:
    """A progressive JPEG with one 14-byte AC scan repeated `scans` times: each copy walks
    every block of the image again (libjpeg only warns about the progression)."""
    buf = io.BytesIO()
    Image.new("L", (side, side), 128).save(buf, "JPEG", progressive=True, quality=30)
    data = buf.getvalue()
    best: tuple[int, int] | None = None
    at = data.find(b"\xff\xda")
    while at >= 0:
        end = data.find(b"\xff", at + 2 + int.from_bytes(data[at + 2 : at + 4], "big"))
        while data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:  # stuffing, restarts
            end = data.find(b"\xff", end + 2)
        spectral_start = data[at + 4 + 1 + 2 * data[at + 4]]
        if spectral_start > 0 and (best is None or end - at < best[1] - best[0]):
            best = (at, end)
        at = data.find(b"\xff\xda", end)
    assert best is not None
    scan = data[best[0] : best[1]]
    return data[: best[1]] + scan * scans + data[best[1] :]


def lying_page_tree_pdf(claimed: int = 5) -> bytes:
    """A one-page PDF whose page tree says /Count `claimed` (edited in the file's text)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    buf = io.BytesIO()
    pdf.save(buf, qdf=True, compress_streams=False)
    return buf.getvalue().replace(b"/Count 1", b"/Count %d" % claimed)


def looping_page_tree_pdf() -> bytes:
    """A PDF whose page tree has a node that is its own kid."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pages = pdf.Root.Pages
    loop = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Pages, Count=2))
    loop.Kids = pikepdf.Array([loop, pages.Kids[0]])
    loop.Parent = pages
    pages.Kids.append(loop)
    pages.Count = 3
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()
