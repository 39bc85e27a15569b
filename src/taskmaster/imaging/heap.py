"""Page-sized buffers stay in the process's heap instead of going back to the kernel.

A 300 dpi page is an 8 MB array, and every stage makes a few of them (decode, warp,
resize). glibc serves an allocation that large with its own `mmap` and gives it back
on free, so the next page's buffer is fresh memory the kernel must fault in and zero
page by page: on 24 intake pages that was ~0.5 s of system time in the decoder child
and the worker together. With the mmap threshold above a page and a trim threshold of
a few pages, freed page buffers are reused. Memory stays bounded: the heap keeps at
most `TRIM` bytes of free memory at its top, and anything over `MMAP` (a page-sized
float copy, a 600 dpi poster) is still mapped and unmapped on its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util

MMAP = 32 << 20  # glibc's largest allowed mmap threshold
TRIM = 64 << 20
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_page_buffers() -> bool:
    """Tune glibc's malloc for page-sized buffers; False where it is not glibc's."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # musl, macOS: their allocators do not take these settings
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM))
