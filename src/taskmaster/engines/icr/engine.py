"""The ICR engine: a small CNN (ONNX, run by onnxruntime) over hand-printed characters."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from taskmaster.engines.base import Gray, Reading
from taskmaster.engines.icr.decode import CharProbs, decode_best, decode_mixed
from taskmaster.engines.icr.preprocess import (
    Mask,
    Tensor,
    clean_cell,
    is_empty,
    normalise,
    variants,
    with_top_line,
)
from taskmaster.engines.icr.segment import Glyph, segment_line
from taskmaster.errors import EngineError

MODEL = Path(__file__).with_name("model.onnx")
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_JOIN = 3  # pieces that may make one character
JOIN_GAP = 0.06  # widest gap (x character height) inside one character
JOIN_WIDTH = 1.25  # widest joined character (x character height)
PUNCT_CONFIDENCE = 0.9  # a hyphen or full stop found by shape, not by the model
# Each character read costs this much (a log-probability): without it two sure halves
# of a cut letter ("IA") outscore the whole 'N' read a little less surely.
CHAR_COST = -0.5
BASE_CLASSES = 36  # 0-9 A-Z come first; lowercase letters and symbols after them


class IcrModelEngine:
    """Hand-print digits and capitals, one character per comb cell or per cut glyph.

    Probabilities are the model's softmax (temperature-calibrated on validation data)
    masked to the field's charset; a field's confidence is the product of its
    characters' probabilities.
    """

    name = "icr"

    def __init__(self, model: Path = MODEL, *, augment_doubtful: bool = False) -> None:
        session, meta = _open(model)
        self.classes: str = meta["classes"]
        self.temperature = float(meta.get("temperature", 1.0))
        self.accept_threshold = float(meta.get("accept_threshold", 0.9))
        self.augment_doubtful = augment_doubtful
        self._members = [_Member(session, self.classes, self.temperature)]
        digest = hashlib.sha256(model.read_bytes())
        # Models listed under "ensemble" beside this one vote with it (`probabilities`).
        for name in meta.get("ensemble", []):
            other = model.with_name(name)
            s, m = _open(other)
            self._members.append(_Member(s, m["classes"], float(m.get("temperature", 1.0))))
            digest.update(other.read_bytes())
        self._version = digest.hexdigest()[:12]

    def version(self) -> str:
        """Model identity: the hash of the ONNX file."""
        return f"icr-cnn {self._version}"

    # -- probabilities ---------------------------------------------------------------

    def probabilities(self, masks: Sequence[Mask], charset: str) -> list[CharProbs]:
        """Per ink mask, the probability of each character of `charset` (others masked),
        averaged over the models that know every character the charset asks for.

        With `augment_doubtful` (off by default: on fresh hand pages it changed nothing
        measurable, docs/icr.md) a doubtful character (best probability under the accept
        threshold) is read again from a few variants of its mask (`preprocess.variants`)
        and the readings are averaged; a sure character costs nothing more.
        """
        if not masks:
            return []
        out = self._vote([normalise(m) for m in masks], charset)
        doubtful = [i for i, p in enumerate(out) if max(p.values()) < self.accept_threshold]
        if not self.augment_doubtful or not doubtful:
            return out
        groups = [variants(masks[i]) for i in doubtful]
        again = iter(self._vote([t for g in groups for t in g], charset))
        for i, g in zip(doubtful, groups, strict=True):
            reads = [out[i]] + [next(again) for _ in g]
            out[i] = {c: sum(r[c] for r in reads) / len(reads) for c in out[i]}
        return out

    def _vote(self, tensors: Sequence[Tensor], charset: str) -> list[CharProbs]:
        """The models' masked probabilities for 28x28 inputs, averaged."""
        batch = np.stack(tensors)[:, None]
        tables = []
        for member in self._members:
            allowed = _allowed(member.classes, charset)
            try:
                (logits,) = member.session.run(None, {"image": batch})
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise EngineError(f"ICR model failed: {exc}") from exc
            tables.append(
                _masked(np.asarray(logits, dtype=np.float64), allowed, member.temperature)
            )
        widest = max(len(t[0]) for t in tables)
        voting = [t for t in tables if len(t[0]) == widest]
        return [
            {c: sum(t[i][c] for t in voting) / len(voting) for c in voting[0][i]}
            for i in range(len(tensors))
        ]

    def cell_probabilities(self, cells: Sequence[Gray], charset: str) -> list[CharProbs | None]:
        """Per comb cell its probability table, or None where the cell is empty."""
        masks = [clean_cell(c) for c in cells]
        full = [i for i, m in enumerate(masks) if not is_empty(m)]
        probs = self.probabilities([masks[i] for i in full], charset)
        # A character touching the top line is read again with the line left in
        # (`with_top_line`: a 7's bar or a box line) and the two readings averaged.
        topped = [(k, with_top_line(cells[i], masks[i])) for k, i in enumerate(full)]
        again = [(k, m) for k, m in topped if m is not None]
        if again:
            second = self.probabilities([m for _, m in again], charset)
            for (k, _), p in zip(again, second, strict=True):
                probs[k] = {c: (probs[k][c] + p[c]) / 2 for c in probs[k]}
        out: list[CharProbs | None] = [None] * len(masks)
        for k, i in enumerate(full):
            out[i] = probs[k]
        return out

    # -- IcrEngine -------------------------------------------------------------------

    def read_cells(self, cells: list[Gray], *, charset: str) -> Reading:
        """One character per cell; empty cells are skipped."""
        table = self.cell_probabilities(cells, charset)
        if not any(table):
            return Reading("", 1.0, (), self.name)
        return _decode(table, charset)

    def read_line(self, image: Gray, *, charset: str) -> Reading:
        """A hand-printed line in an open box: segment, classify, put spaces back."""
        line = segment_line(image)
        if not line.glyphs:
            return Reading("", 1.0, (), self.name)
        words: list[list[Glyph]] = [[]]
        for g in line.glyphs:
            if g.space_before and words[-1]:
                words.append([])
            words[-1].append(g)
        parts = [self._read_word(w, line.char_h, charset, k == 0) for k, w in enumerate(words)]
        text = " ".join(r.text for r in parts)
        chars: list[float] = []
        for i, r in enumerate(parts):
            if i:
                chars.append(1.0)  # the space
            chars.extend(r.char_confidences)
        conf = float(np.prod([r.confidence for r in parts]))
        return Reading(text, conf, tuple(chars), self.name)

    def _read_word(
        self, glyphs: list[Glyph], char_h: float, charset: str, lead: bool = False
    ) -> Reading:
        """Join neighbouring pieces where the classifier is surer of the whole.

        Dynamic programming over ways to group 1-3 adjacent pieces into one character,
        maximising the sum of log-probabilities of the best class of each group.
        """
        if any(g.punct for g in glyphs):
            return self._with_punct(glyphs, char_h, charset, lead)
        n = len(glyphs)
        # Only pieces that (nearly) touch may be one character: a normal letter gap
        # (median 0.15 x height) means two letters, or the join would swallow an 'I'.
        # A full-height thin stroke is an 'I' or a '1' of its own: joined to a touching
        # neighbour it would vanish into a confident 'M' or 'H'.
        alone = [_is_stroke(g, char_h) for g in glyphs]
        # Pieces cut from one blob (a wide letter cut at its thinnest columns) may always
        # be put together again: the classifier says whether it was one letter.
        spans = [
            (i, j)
            for i in range(n)
            for j in range(i + 1, min(i + MAX_JOIN, n) + 1)
            if j == i + 1
            or (
                (
                    glyphs[j - 1].x1 - glyphs[i].x0 <= JOIN_WIDTH * char_h
                    or glyphs[i].blob == glyphs[j - 1].blob >= 0
                )
                and not any(alone[i:j])
                and all(
                    glyphs[k + 1].x0 - glyphs[k].x1 <= JOIN_GAP * char_h for k in range(i, j - 1)
                )
            )
        ]
        masks = []
        for i, j in spans:
            m = glyphs[i].mask.copy()
            for g in glyphs[i + 1 : j]:
                m |= g.mask
            masks.append(m)
        table = dict(zip(spans, self.probabilities(masks, charset), strict=True))
        none: list[tuple[int, int]] = []
        best = [(0.0, none)] + [(-1e18, none)] * n
        for j in range(1, n + 1):
            for i in range(max(0, j - MAX_JOIN), j):
                if (i, j) not in table:
                    continue
                p = max(table[(i, j)].values())
                score = best[i][0] + math.log(max(p, 1e-9)) + CHAR_COST
                if score > best[j][0]:
                    best[j] = (score, best[i][1] + [(i, j)])
        return _decode([table[s] for s in best[n][1]], charset, lead=lead)

    def _with_punct(
        self, glyphs: list[Glyph], char_h: float, charset: str, lead: bool = False
    ) -> Reading:
        """Read the runs between punctuation as words, keep the marks the charset allows."""
        parts: list[Reading] = []
        run: list[Glyph] = []
        for g in glyphs:
            if not g.punct:
                run.append(g)
                continue
            if run:
                parts.append(self._read_word(run, char_h, charset, lead and not parts))
                run = []
            if g.punct in charset:
                parts.append(Reading(g.punct, PUNCT_CONFIDENCE, (PUNCT_CONFIDENCE,), self.name))
        if run:
            parts.append(self._read_word(run, char_h, charset, lead and not parts))
        text = "".join(r.text for r in parts)
        chars = tuple(c for r in parts for c in r.char_confidences)
        return Reading(text, float(np.prod([r.confidence for r in parts])), chars, self.name)


def _open(model: Path) -> tuple[Any, dict[str, Any]]:
    """An onnxruntime session of one model file, and the metadata beside it."""
    # Imported here, not at module level: plugin discovery imports this module in
    # every process, and onnxruntime takes a while to load where ICR is never used.
    import onnxruntime as ort

    try:
        opts = ort.SessionOptions()
        # Characters come in small batches: one thread avoids oversubscribing workers.
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        meta: dict[str, Any] = json.loads(model.with_suffix(".json").read_text())
    except (OSError, ValueError, RuntimeError) as exc:
        raise EngineError(f"cannot load the ICR model {model}: {exc}") from exc
    return session, meta


@dataclass(frozen=True)
class _Member:
    """One model of the engine: its session, classes and softmax temperature."""

    session: Any
    classes: str
    temperature: float


def _allowed(classes: str, charset: str) -> list[tuple[int, str]]:
    """The classes `charset` allows, as (class index, character read).

    Digits and capitals answer for their lower case too (hand print is in capitals).
    A model's lowercase letters and symbols (`@ #`) take part only for a charset in
    lower case, an e-mail address's: there a capital class reads as its lower case
    (EMNIST counts a written `c` or `o` as the capital)."""
    lower = any(c.islower() for c in charset) and not any(c.isupper() for c in charset)
    pairs = []
    for k, c in enumerate(classes):
        if k < BASE_CLASSES and c in charset.upper():
            pairs.append((k, c.lower() if lower else c))
        elif k >= BASE_CLASSES and lower and c in charset:
            pairs.append((k, c))
    return pairs or [(k, c) for k, c in enumerate(classes[:BASE_CLASSES])]


def _masked(
    logits: np.ndarray, allowed: list[tuple[int, str]], temperature: float
) -> list[CharProbs]:
    """Softmax over the allowed classes only; classes read as one character add up."""
    z = logits[:, [k for k, _ in allowed]] / temperature
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    out: list[CharProbs] = []
    for row in p:
        probs: dict[str, float] = {}
        for (_, c), v in zip(allowed, row.tolist(), strict=True):
            probs[c] = probs.get(c, 0.0) + v  # 'L' and 'l' both read 'l'
        out.append(probs)
    return out


def _is_stroke(g: Glyph, char_h: float) -> bool:
    """A tall, thin, upright piece: a whole 'I' or '1', not part of a letter."""
    rows = np.nonzero(g.mask.any(axis=1))[0]
    height = rows[-1] - rows[0] + 1 if rows.size else 0
    return bool(height >= 0.8 * char_h and g.x1 - g.x0 <= 0.3 * char_h)


def _decode(table: Sequence[CharProbs | None], charset: str, *, lead: bool = False) -> Reading:
    """The characters of one word (`decode_mixed` where `charset` mixes letters and
    digits). `lead`: the line's first word; in an identifier's charset (capitals and
    digits only, `reading.text.CHARSETS["alnum"]`: a group number) its leading letters
    run into its digits at no cost (`A9520420`, `GR5161593`: a letter prefix, not an A
    taken for a 4 to save a switch)."""
    if any(c.isalpha() for c in charset) and any(c in charset for c in DIGITS):
        return decode_mixed(table, prefix=lead and set(charset) == set(DIGITS + LETTERS))
    return decode_best(table)
