"""The names of a batch's objects in the store: the one place that spells them.

files/<batch>/<seq:04>-<name>        an input file as submitted
pages/<batch>/file-<seq:04>.json     what decoding an input file gave (its pages)
pages/<batch>/<seq:05>-<step>.png    a page image after `step`:
    in    decoded (ingest)             prep  prepared (prepare)
    turn  turned upright (identify)    reg   registered to its page type (identify)
    as    re-registered as another type chosen by a person (verify)
    rot   rotated by a person (verify)
"""

from __future__ import annotations

from typing import Literal

PageStep = Literal["in", "prep", "turn", "reg", "as", "rot"]


def files_tree(batch_id: str) -> str:
    """The folder of a batch's input files."""
    return f"files/{batch_id}"


def file_key(batch_id: str, seq: int, safe_name: str) -> str:
    """Where input file `seq` (1-based in the batch) is stored; `safe_name` is cleaned."""
    return f"{files_tree(batch_id)}/{seq:04d}-{safe_name}"


def pages_tree(batch_id: str) -> str:
    """The folder of a batch's page images and decode manifests."""
    return f"pages/{batch_id}"


def page_key(batch_id: str, seq: int, step: PageStep = "in") -> str:
    """Where page `seq` (1-based in the batch) is stored after `step`."""
    return f"{pages_tree(batch_id)}/{seq:05d}-{step}.png"


def manifest_key(batch_id: str, file_seq: int) -> str:
    """Where the decode manifest of input file `file_seq` is stored."""
    return f"{pages_tree(batch_id)}/file-{file_seq:04d}.json"
