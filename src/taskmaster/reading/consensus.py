"""Machine print read more than once: agreement between independent reads as confidence.

Tesseract's own confidence is a weak signal on degraded pages: on a fax it reads "5T" for
"ST" or "O" for "0" at 0.8-0.9. The same zone read again from a differently prepared
image (smoothed: the 200 dpi fax's jagged 1-bit edges; shrunk: the LSTM is sensitive to
glyph size) errs differently, so two reads that agree are much more likely right than
either alone, and reads that disagree send the field to review.

A first read that is very sure (and valid for the field) stops there, so clean pages pay
for one read per zone.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from taskmaster.engines.base import Engines, Gray, Reading
from taskmaster.reading.zones import pad

SURE = 0.95  # raw Tesseract confidence at which one valid read is enough
SMALL_SCALE = 0.67

Valid = Callable[[str], bool]
Key = Callable[[str], str]


@dataclass(frozen=True)
class Consensus:
    """The chosen read of a zone and how much the reads agreed."""

    reading: Reading
    votes: int  # reads (of `reads`) that gave the chosen text
    reads: int  # reads made
    texts: tuple[str, ...] = ()  # every read's text, in the order they were made

    @property
    def agreed(self) -> bool:
        """Every read made gave this text (one sure read, or the first two alike).

        Two of three is not enough: on a fax the 6/8 confusion wins that vote as often as
        it loses it.
        """
        return self.votes == self.reads


def smooth(zone: Gray) -> Gray:
    """Median then Gaussian: a 1-bit fax's stair-stepped edges become grey ramps."""
    return np.asarray(cv2.GaussianBlur(cv2.medianBlur(zone, 3), (5, 5), 0), dtype=np.uint8)


def shrink(zone: Gray) -> Gray:
    """The zone at two thirds of its size."""
    return np.asarray(
        cv2.resize(zone, None, fx=SMALL_SCALE, fy=SMALL_SCALE, interpolation=cv2.INTER_AREA),
        dtype=np.uint8,
    )


def binarise(zone: Gray) -> Gray:
    """Black ink on white paper by Otsu's threshold."""
    _, out = cv2.threshold(zone, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return np.asarray(out, dtype=np.uint8)


def _plain(zone: Gray) -> Gray:
    return zone


# Smoothed first: on the intake samples it is the best single read on faxes (95% of
# zones right against 84% as is) and as good as the plain zone elsewhere (98%).
_PREPARE: tuple[Callable[[Gray], Gray], ...] = (smooth, _plain, shrink)


def _key(text: str) -> str:
    return " ".join(text.split())


def read_typed(
    zone: Gray,
    engines: Engines,
    *,
    charset: str | None,
    multiline: bool = False,
    valid: Valid | None = None,
    key: Key | None = None,
    min_reads: int = 1,
) -> Consensus:
    """Read `zone` with Tesseract up to three times (smoothed, as is, shrunk) and vote.

    `valid` says whether a text can be the field's value (a comb's length, a date part's
    digits): an invalid read neither stops the reading early nor wins a vote. `key`: the
    form in which reads are compared (a member number's "O" in a digit position is its
    "0"; spacing by default). `min_reads=2`: one sure read is not enough, where the
    agreement of two is what the field's score stands on (`agreement_score`).

    The last few zones' votes are remembered: a field read again in the same page (a
    typed page's doubtful field, `reading.read_page`) costs no second OCR.
    """
    base = hashlib.blake2b(np.ascontiguousarray(zone).tobytes(), digest_size=16)
    base.update(
        repr(
            (
                zone.shape,
                charset,
                multiline,
                getattr(valid, "__qualname__", None),
                getattr(key, "__qualname__", None),
                engines.ocr.name,
                id(engines.ocr),
            )
        ).encode()
    )

    def memo_key(reads: int) -> bytes:
        h = base.copy()
        h.update(bytes([reads]))
        return h.digest()

    memo = memo_key(min_reads)
    with _LOCK:
        for k in (memo, memo_key(1)):
            # A vote of one read at most stands for itself; one that read twice or more
            # also answers a call that wants two reads.
            if k in _MEMO and (k == memo or _MEMO[k].reads >= min_reads):
                _MEMO.move_to_end(k)
                return _MEMO[k]
    vote = _read_typed(
        zone,
        engines,
        charset=charset,
        multiline=multiline,
        valid=valid,
        key=key or _key,
        min_reads=min_reads,
    )
    with _LOCK:
        _MEMO[memo] = vote
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return vote


_MEMO_SIZE = 64  # zones: more than one page's
_MEMO: OrderedDict[bytes, Consensus] = OrderedDict()
_LOCK = threading.Lock()


def _read_typed(
    zone: Gray,
    engines: Engines,
    *,
    charset: str | None,
    multiline: bool,
    valid: Valid | None,
    key: Key,
    min_reads: int,
) -> Consensus:
    ok = valid or (lambda t: bool(t.strip()))
    reads: list[Reading] = []
    for prepare in _PREPARE:
        r = engines.ocr.read_zone(pad(prepare(zone)), charset=charset, multiline=multiline)
        reads.append(r)
        if len(reads) == 1 and min_reads <= 1 and r.confidence >= SURE and ok(r.text):
            return Consensus(r, 1, 1, (r.text,))
        if len(reads) == 2 and key(reads[0].text) == key(r.text) and ok(r.text):
            best = max(reads, key=lambda x: x.confidence)
            return Consensus(best, 2, 2, tuple(x.text for x in reads))
    if not any(ok(r.text) for r in reads):
        # Last resort: hard Otsu ink. Tesseract reads nothing at all in some small zones
        # of a phone photo's soft grey (a typed "11") that it reads at 0.96 in black.
        reads.append(
            engines.ocr.read_zone(pad(binarise(zone)), charset=charset, multiline=multiline)
        )
    texts = tuple(r.text for r in reads)
    counts: dict[str, int] = {}
    for r in reads:
        if ok(r.text):
            counts[key(r.text)] = counts.get(key(r.text), 0) + 1

    def score(r: Reading) -> tuple[bool, int, bool, float]:
        return (ok(r.text), counts.get(key(r.text), 0), bool(r.text.strip()), r.confidence)

    best = max(reads, key=score)
    return Consensus(best, counts.get(key(best.text), 0), len(reads), texts)


AGREED_FLOOR = 0.95  # score of reads alike whose surest read has a character at 0
INVALID_READ_COST = 0.02  # a read that split or merged a glyph (wrong length) beside them
# Reads alike whose word confidence is low score lower still: the fax misreads two reads
# share (a 4 read 1 twice) came with word confidences of 0.0-0.66 on the fresh pages.
WORD_FLOOR = 0.9


def agreement_score(vote: Consensus, valid: Valid, key: Key = _key) -> float | None:
    """The score of a typed zone from how its reads agree, None where they do not.

    Two or more valid reads that give one text, and no valid read that gives another,
    score from `AGREED_FLOOR` to 1 by the chosen read's least sure character (and from
    `WORD_FLOOR` by its word confidence, whichever is lower), less `INVALID_READ_COST`
    for each read of the wrong length. Tesseract's word confidence
    does not tell right from wrong on a comb's line of glyphs (right member numbers of
    the fresh typed pages at 0.0-0.92, wrong ones at 0.3-0.85); two differently prepared
    reads that agree do: on 120 fresh typed pages (seeds 7101, 7102) 4 of 662 comb reads
    that agreed were wrong, all on faxes, two of them at word confidences under 0.7.
    """
    chosen = key(vote.reading.text)
    same = sum(valid(t) and key(t) == chosen for t in vote.texts)
    other = sum(valid(t) and key(t) != chosen for t in vote.texts)
    if same < 2 or other:
        return None
    r = vote.reading
    chars = [c for c, ch in zip(r.char_confidences, r.text, strict=False) if ch.strip()]
    low = min(chars, default=0.0)
    score = min(
        AGREED_FLOOR + (1 - AGREED_FLOOR) * low, WORD_FLOOR + (1 - WORD_FLOOR) * r.confidence
    )
    return score - INVALID_READ_COST * (vote.reads - same)
