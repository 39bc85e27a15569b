"""Decode untrusted files in a child process that a limit can stop.

A hostile file can make a decoder use any amount of memory (a PDF stream inflating to
1 GiB, a PNG bomb) or time (nested PDF form XObjects, a JPEG of 60,000 progressive
scans). No check before decoding catches them all, so decoding happens in
`python -m taskmaster.imaging.decoder`, a child process with an address-space limit
(RLIMIT_AS), a CPU limit per page (RLIMIT_CPU) and a wall-clock deadline per file kept
here. A child that hits one dies alone; the file becomes a `LimitExceeded` or
`CorruptFile` naming the limit, and a fresh child takes the next file.

Children are started ahead of need and reused (starting one costs about a second of
imports), at most `size` at once: `DecoderPool.decode(..., wait=s)` raises `Busy` when
none frees up within `s` seconds (the API answers 429), `wait=None` queues.

The protocol is length-prefixed frames on the child's stdin/stdout: a JSON header and
an optional payload (the file; a page as raw 8-bit grey pixels, row by row: copying
them through the pipe costs milliseconds where a PNG round trip costs a tenth of a
second a page). Nothing is unpickled from the child; a page's payload must be exactly
its declared width x height bytes, within the pixel limit. The
child's stdout and stderr are /dev/null for everything but the protocol (pdfium and
libjpeg print to stderr), so `process --json` keeps stdout pure.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

import numpy as np

from taskmaster.errors import (
    Busy,
    CorruptFile,
    EngineError,
    InputError,
    LimitExceeded,
    TaskmasterError,
    UnsupportedFormat,
)
from taskmaster.imaging.loader import Gray, Limits, PageImage

_HEADER = struct.Struct(">I")
_PIPE_BYTES = 1 << 20
_MAX_HEADER = 1 << 16
_START_S = 60.0  # a cold child on a busy machine: imports take seconds
_ERRORS: dict[str, type[InputError]] = {
    "InputError": InputError,
    "CorruptFile": CorruptFile,
    "UnsupportedFormat": UnsupportedFormat,
    "LimitExceeded": LimitExceeded,
}


@dataclass(frozen=True)
class Budget:
    """What decoding one file may cost: memory of the child, CPU per page, wall per file."""

    memory_mb: int = 1024
    cpu_s: int = 30
    wall_s: float = 100.0
    reuse: int = 200  # files a child decodes before it is replaced (fragmentation, leaks)


@dataclass(frozen=True)
class DecodedPage:
    """One page as the child sent it: its greyscale pixels and what it is."""

    index: int
    dpi: float
    image: Gray
    source: str

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    def page_image(self) -> PageImage:
        return PageImage(image=self.image, dpi=self.dpi, index=self.index, source=self.source)


def write_frame(out: IO[bytes], header: dict[str, Any], payload: bytes | memoryview = b"") -> None:
    """Write one frame: header length, JSON header (with `size`), payload."""
    size = memoryview(payload).nbytes
    raw = json.dumps({**header, "size": size}).encode()
    out.write(_HEADER.pack(len(raw)) + raw)
    if size:
        out.write(payload)
    out.flush()


class _ChildGone(Exception):
    """The child closed its end: it exited, was killed by a limit, or crashed."""


class _Child:
    """One decoder process and its end of the protocol."""

    def __init__(self, budget: Budget) -> None:
        self.budget, self.jobs = budget, 0
        env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "taskmaster.imaging.decoder",
                str(budget.memory_mb),
                str(budget.cpu_s),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout.fileno()
        # A page is megabytes of pixels: through the default 64 KiB pipe that is over a
        # hundred sleeps and wake-ups of each process per page. 1 MiB is Linux's default
        # ceiling for an unprivileged process; elsewhere the pipe keeps its size.
        with contextlib.suppress(AttributeError, OSError):
            fcntl.fcntl(self._out, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._ready = False
        self.exiting = False  # the child said it exits after its last error

    def _read(self, n: int, deadline: float) -> bytearray:
        buf = bytearray(n)  # read straight into place: a page is megabytes
        view, got = memoryview(buf), 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out], [], [], left)[0]:
                raise TimeoutError
            read = os.readv(self._out, [view[got:]])
            if not read:
                raise _ChildGone
            got += read
        return buf

    def _frame(self, deadline: float, max_payload: int) -> tuple[dict[str, Any], bytearray]:
        (length,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if length > _MAX_HEADER:
            raise _ChildGone
        header = json.loads(self._read(length, deadline))
        size = int(header.get("size", 0))
        if size > max_payload:
            raise _ChildGone
        return header, self._read(size, deadline) if size else bytearray()

    def decode(self, data: bytes, name: str, limits: Limits) -> Iterator[DecodedPage]:
        if not self._ready:
            try:
                header, _ = self._frame(time.monotonic() + _START_S, 0)
            except (TimeoutError, _ChildGone, ValueError) as exc:
                raise EngineError("the decoder process did not start") from exc
            self._ready = header.get("ready") is True
        self.jobs += 1
        deadline = time.monotonic() + self.budget.wall_s
        write_frame(self._in, {"limits": asdict(limits)}, data)
        while True:
            header, payload = self._frame(deadline, limits.max_page_pixels)
            if "error" in header:
                self.exiting = bool(header.get("exit"))
                raise _ERRORS.get(header["error"], CorruptFile)(str(header["message"]))
            if "done" in header:
                return
            width, height = int(header["width"]), int(header["height"])
            if width <= 0 or height <= 0 or width * height != len(payload):
                raise _ChildGone
            index = int(header["page"])
            image: Gray = np.frombuffer(payload, np.uint8).reshape(height, width)
            yield DecodedPage(
                index=index, dpi=float(header["dpi"]), image=image, source=f"{name}#{index}"
            )

    def why_gone(self) -> TaskmasterError:
        """The file's error after the child stopped answering; the child is reaped."""
        try:
            code = self.proc.wait(2)  # it closed its end: it is exiting
        except subprocess.TimeoutExpired:
            self.kill()  # alive but talking nonsense: not to be trusted with another file
            return CorruptFile("damaged file (the decoder sent a malformed answer)")
        if code in (-signal.SIGTERM, -signal.SIGINT):
            # The service is being stopped (the group got the signal): not the file's fault.
            return EngineError("the decoder was stopped (shutting down); try again")
        if code == -signal.SIGXCPU:
            return LimitExceeded(
                f"decoding took more than {self.budget.cpu_s} s of CPU "
                "for one page (decoder stopped)"
            )
        how = (
            f"killed by {signal.Signals(-code).name}"
            if code < 0 and -code in signal.valid_signals()
            else f"exit {code}"
        )
        return CorruptFile(
            f"the decoder stopped on this file ({how}): damaged, or over the "
            f"memory limit of {self.budget.memory_mb} MiB"
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # unflushed input of a dead child
                    stream.close()

    def close(self) -> None:
        """Ask the child to exit (end of input), kill it if it does not."""
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self._in.close()
            self.proc.wait(2)
        self.kill()


class DecoderPool:
    """Up to `size` decoder children, started ahead of need and reused."""

    def __init__(self, budget: Budget, size: int = 1) -> None:
        self.budget, self.size = budget, max(1, size)
        self._slots = threading.BoundedSemaphore(self.size)
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._closed = False
        self._warm = False  # replace a discarded child at once (set by prestart)
        self.files = 0  # files handed to a decoder so far (each decoded at most once)

    def prestart(self, count: int | None = None) -> None:
        """Start `count` children now (None: every one; their imports run while the
        caller goes on), and from now on replace a child that is discarded as soon as
        it is. One file at a time (ingest) needs one."""
        want = self.size if count is None else min(count, self.size)
        with self._lock:
            self._warm = True
            while len(self._idle) < want and not self._closed:
                self._idle.append(_Child(self.budget))

    def decode(
        self, data: bytes, name: str, limits: Limits, wait: float | None = None
    ) -> Iterator[DecodedPage]:
        """Decode `data` page by page in a child; InputError subclasses for bad files.

        Waits for a free child at most `wait` seconds (None: as long as it takes), then
        raises `Busy`. Abandoning the iterator early discards the child.
        """
        if not self._slots.acquire(timeout=wait):
            raise Busy("the server is busy checking other files; try again in a few seconds")
        child: _Child | None = None
        finished = False
        try:
            child = self._take()
            with self._lock:
                self.files += 1
            try:
                yield from child.decode(data, name, limits)
                finished = True
            except TimeoutError:
                child.kill()
                raise LimitExceeded(
                    f"decoding took more than {self.budget.wall_s:.0f} s (decoder stopped)"
                ) from None
            except (_ChildGone, BrokenPipeError, ValueError, KeyError):
                raise child.why_gone() from None
            except InputError:
                finished = True  # the child reported a bad file and is ready for the next
                raise
        finally:
            if child is not None:
                self._give(child, reusable=finished)
            self._slots.release()

    def _take(self) -> _Child:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Child(self.budget)

    def _give(self, child: _Child, *, reusable: bool) -> None:
        reusable = reusable and not child.exiting
        if reusable and child.jobs < self.budget.reuse and child.proc.poll() is None:
            with self._lock:
                if not self._closed:
                    self._idle.append(child)
                    return
        child.close() if child.proc.poll() is None and reusable else child.kill()
        with self._lock:
            if self._warm and not self._closed and len(self._idle) < self.size:
                self._idle.append(_Child(self.budget))  # a killed decoder's successor

    def close(self) -> None:
        """Stop every idle child (busy ones stop when their file is done)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()
