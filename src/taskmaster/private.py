"""Patient data is owner-only on disk: files 0600 in folders 0700, whatever the umask.

Scans, page images, exports and the database hold patient data, so nothing Taskmaster
creates may be readable by other accounts on the machine. Rather than chmod every file
after the fact (and miss the ones a library creates: SQLite's WAL, a PDF writer's
temporary file), each entry point sets the process umask before it creates anything; the
worker pool's processes and any child inherit it. `Services.create` does it too, so a
library caller gets the same guarantee.

Files that enter from outside keep the mode their writer gave them when they are moved
rather than written (the hot folder renames a scanner's file), so whoever moves one in
calls `make_private` on it.
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def owner_only() -> None:
    """From now on this process (and its children) creates files 0600 and folders 0700."""
    os.umask(OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) 0700; an existing folder is left as it is."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """Tighten a file that was moved in from outside to 0600."""
    os.chmod(path, PRIVATE_FILE_MODE)
