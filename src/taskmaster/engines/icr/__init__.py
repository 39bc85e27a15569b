"""Hand-print recognition (ICR): digits and block capitals in comb cells and open boxes.

The model (`model.onnx`, metadata in `model.json`) is a small CNN trained on real
handwriting (EMNIST ByClass + MNIST) by `training/icr/train.py`; see docs/icr.md.
"""

from __future__ import annotations

from taskmaster.engines.icr.decode import (
    decode_best,
    decode_date,
    decode_fixed,
    decode_lexicon,
    decode_mixed,
)
from taskmaster.engines.icr.engine import IcrModelEngine
from taskmaster.hookspecs import hookimpl

__all__ = [
    "IcrModelEngine",
    "decode_best",
    "decode_date",
    "decode_fixed",
    "decode_lexicon",
    "decode_mixed",
]


@hookimpl
def taskmaster_icr_engines() -> dict[str, type[IcrModelEngine]]:
    """Register this engine (the built-in engines are plugins like any other)."""
    return {"onnx": IcrModelEngine}
