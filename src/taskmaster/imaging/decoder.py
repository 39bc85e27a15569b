"""The decoder child: `python -m taskmaster.imaging.decoder MEMORY_MB CPU_S`.

Started by `sandbox.DecoderPool`; reads files on stdin, writes pages (raw grey pixels) on
stdout, one frame each (see `sandbox`). Its own limits are set here, after the imports, so the
memory limit is what decoding may add on top of the libraries: RLIMIT_AS at the size of
the process now plus MEMORY_MB, and RLIMIT_CPU moved to "now + CPU_S" before each page.
The kernel stops the child at either; the parent turns that into the file's error.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys
from typing import IO

import cv2
import numpy as np

from taskmaster.errors import InputError, LimitExceeded
from taskmaster.imaging.heap import keep_page_buffers
from taskmaster.imaging.loader import Limits, iter_pages
from taskmaster.imaging.sandbox import write_frame


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _cpu_budget(seconds: int) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    now = int(used.ru_utime + used.ru_stime) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (now + seconds, resource.RLIM_INFINITY))


def _read_exact(src: IO[bytes], n: int) -> bytes | None:
    data = src.read(n)
    return data if len(data) == n else None


def _serve(src: IO[bytes], out: IO[bytes], memory_mb: int, cpu_s: int) -> None:
    header_size = struct.Struct(">I")
    while True:
        raw = _read_exact(src, header_size.size)
        if raw is None:
            return  # the parent closed our input (or died): nothing more to do
        (length,) = header_size.unpack(raw)
        header = json.loads(_read_exact(src, length) or b"{}")
        data = _read_exact(src, int(header.get("size", 0))) or b""
        try:
            pages = iter_pages(data, "file", Limits(**header["limits"]))
            count = 0
            while True:
                _cpu_budget(cpu_s)
                try:
                    page = next(pages)
                except StopIteration:
                    break
                pixels = np.ascontiguousarray(page.image, dtype=np.uint8)
                count += 1
                write_frame(
                    out,
                    {
                        "page": page.index,
                        "dpi": page.dpi,
                        "width": pixels.shape[1],
                        "height": pixels.shape[0],
                    },
                    pixels.data.cast("B"),
                )
                del page, pixels
            write_frame(out, {"done": count})
        except InputError as exc:
            write_frame(out, {"error": type(exc).__name__, "message": exc.message})
        except MemoryError:
            write_frame(
                out,
                {
                    "error": LimitExceeded.__name__,
                    "message": f"decoding needs more than {memory_mb} MiB",
                    "exit": True,
                },
            )
            return  # the heap may be in pieces: let a fresh child take the next file
        except RecursionError:
            write_frame(
                out,
                {
                    "error": "CorruptFile",
                    "message": "damaged file (structure nested too deeply)",
                    "exit": True,
                },
            )
            return
        except Exception as exc:  # a decoder's own bug on hostile input: the file's error
            write_frame(
                out,
                {
                    "error": "CorruptFile",
                    "message": f"damaged file (the decoder failed: {type(exc).__name__})",
                },
            )


def main() -> None:
    """Run the decoder child (arguments: memory MiB, CPU seconds per page)."""
    memory_mb, cpu_s = int(sys.argv[1]), int(sys.argv[2])
    # The protocol keeps the real stdout; fd 1 and 2 go to /dev/null so that nothing a
    # decoder prints (pdfium, libjpeg warnings) reaches the parent's terminal or JSON.
    proto = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the whole process)
    cv2.setNumThreads(1)
    keep_page_buffers()
    limit = _vm_size() + memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    write_frame(proto, {"ready": True})
    _serve(sys.stdin.buffer, proto, memory_mb, cpu_s)


if __name__ == "__main__":
    main()
