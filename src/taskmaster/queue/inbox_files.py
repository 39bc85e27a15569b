"""Files of the hot folder: what may be taken from the inbox share, how it is read, and
how results leave it (0600, outside the share).

Only regular files are taken, and read through a descriptor opened without following
links: a symbolic link would import whatever it points at, a FIFO would block the watch.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any


def file_kind(path: Path) -> str | None:
    """None for a regular file; else what it is ("symbolic link", "FIFO", ...)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "gone"
    if stat.S_ISREG(mode):
        return None
    return (
        "symbolic link"
        if stat.S_ISLNK(mode)
        else "directory"
        if stat.S_ISDIR(mode)
        else "FIFO"
        if stat.S_ISFIFO(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "device"
    )


def read_regular(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file (not followed through a link);
    OSError otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return fh.read()


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file, mode 0600 from the start."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def move_out(
    path: Path,
    folder: Path,
    *,
    reason: str | None = None,
    result: list[dict[str, Any]] | None = None,
) -> Path:
    """Move `path` into `folder` (a free name, mode 0600), its reason or result file
    written first. Copies when the inbox is on another filesystem (a share)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    dest = folder / path.name
    n = 1
    while dest.exists():
        dest = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    if reason is not None:
        write_private(dest.with_name(dest.name + ".reason.txt"), reason.rstrip() + "\n")
    if result is not None:
        write_private(
            dest.with_name(dest.name + ".result.json"), json.dumps(result, indent=1, default=str)
        )
    try:
        os.replace(path, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = dest.with_name(f".{dest.name}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(read_regular(path))
        os.replace(tmp, dest)
        path.unlink()
    if not dest.is_symlink():
        dest.chmod(0o600)
    return dest
