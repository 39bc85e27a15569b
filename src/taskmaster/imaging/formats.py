"""What a file is, from its bytes: `sniff` (never the name) and `reject_polyglot`.

Both run before any decoder sees a file, for every way a file comes in (upload, hot
folder, `taskmaster process`): `check_file` is that one check.
"""

from __future__ import annotations

import struct

from taskmaster.errors import InputError, UnsupportedFormat

# kind -> label used in messages
KINDS = {
    "pdf": "PDF",
    "tiff": "TIFF",
    "png": "PNG",
    "jpeg": "JPEG",
    "webp": "WebP",
    "bmp": "BMP",
    "gif": "GIF",
    "jp2": "JPEG 2000",
    "heic": "HEIC",
}

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"\xff\x4f\xff\x51", "jp2"),  # a bare JPEG 2000 codestream
]

# ISO base media brands of HEIF stills (iPhone photos are `heic`).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

# Formats we recognise but do not read, so the message can say what the file is.
_KNOWN_OTHERS: list[tuple[bytes, str]] = [
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "legacy Office document"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
]

_EOCD = b"PK\x05\x06"  # ZIP end-of-central-directory record


def sniff(data: bytes) -> str:
    """Return the kind of a readable file (a key of `KINDS`) from its magic bytes.

    Raises InputError for an empty file and UnsupportedFormat, naming what the bytes look
    like, for anything else.
    """
    if not data:
        raise InputError("empty file")
    # Some PDF writers put junk before the header; readers accept it within 1 KiB.
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    if _is_bmp(data):
        return "bmp"
    raise UnsupportedFormat(f"unsupported format: {_describe(data)}")


def _is_bmp(data: bytes) -> bool:
    # "BM" alone is too weak (text can start with it): the DIB header size must be known.
    if len(data) < 26 or not data.startswith(b"BM"):
        return False
    (dib,) = struct.unpack("<I", data[14:18])
    return dib in (12, 40, 52, 56, 64, 108, 124)


def _describe(data: bytes) -> str:
    for magic, what in _KNOWN_OTHERS:
        if data.startswith(magic):
            return what
    head = data[:4096]
    if head.lstrip()[:1] == b"<":
        return "HTML/XML document"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character is still text.
        text = head[:-4].decode("utf-8", errors="replace") if len(head) > 4 else ""
        if text.count("\ufffd") > 2:
            return "unknown binary data"
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return "text file" if text and printable / len(text) > 0.95 else "unknown binary data"


def reject_polyglot(data: bytes, kind: str) -> None:
    """UnsupportedFormat if `data` is also another kind of file."""
    if kind == "pdf" and not data.startswith(b"%PDF-"):
        # Readers skip junk before the header; another format's header there is a polyglot.
        prefix = data[: data.find(b"%PDF-")]
        try:
            other = KINDS[sniff(prefix)] + " image"
        except UnsupportedFormat as exc:
            other = exc.message.split(": ", 1)[-1]
        if other not in ("text file", "unknown binary data"):
            raise UnsupportedFormat(f"polyglot file: a PDF behind a {other} header")
    tail = data[-(65535 + 22) :]
    at = tail.rfind(_EOCD)
    if at >= 0 and at + 22 <= len(tail):
        (comment_len,) = struct.unpack("<H", tail[at + 20 : at + 22])
        if at + 22 + comment_len == len(tail):
            raise UnsupportedFormat(f"polyglot file: a {KINDS[kind]} that is also a ZIP archive")


def check_file(data: bytes) -> str:
    """The checks every incoming file passes before decoding; returns its kind."""
    kind = sniff(data)
    reject_polyglot(data, kind)
    return kind
