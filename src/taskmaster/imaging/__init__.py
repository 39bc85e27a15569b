"""Page imaging: load files into page images, prepare them, and register known forms.

formats       what a file is, by its bytes; the polyglot check every file passes
loader        bytes -> PageImage per page (PDF, TIFF, PNG, JPEG, WebP, BMP, GIF, JPEG 2000,
              HEIC), every limit checked before decoding
sandbox       runs the loader in a decoder process (decoder.py) with memory/CPU/time limits
prepare       PageImage -> PreparedPage (300 dpi, deskewed, upright, blank flag)
registration  Fingerprint of a known page layout; identify a page and warp it onto it
"""

from taskmaster.imaging.formats import sniff
from taskmaster.imaging.loader import Limits, PageImage, iter_pages, load_pages
from taskmaster.imaging.prepare import (
    PreparedPage,
    deskew,
    detect_orientation,
    is_blank,
    normalise,
    prepare,
)
from taskmaster.imaging.registration import (
    Fingerprint,
    Match,
    build_fingerprint,
    identify,
    warp_to_reference,
)

__all__ = [
    "Fingerprint",
    "Limits",
    "Match",
    "PageImage",
    "PreparedPage",
    "build_fingerprint",
    "deskew",
    "detect_orientation",
    "identify",
    "is_blank",
    "iter_pages",
    "load_pages",
    "normalise",
    "prepare",
    "sniff",
    "warp_to_reference",
]
