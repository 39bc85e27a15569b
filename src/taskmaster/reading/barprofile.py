"""Code 128 read from its bars' ink profile, where zxing-cpp decodes nothing.

A standard-resolution fax samples a label's Code 128 at 200 x 100 dpi, 1 bit: at two
300-dpi pixels a module, every bar and space comes back a fax pixel wider or narrower
than it was, and the widths zxing-cpp measures no longer spell symbols. The bars' edges
are not lost, only quantised: averaged down each column the bars give an ink profile
that follows the printed pattern to within a pixel. So the code is fitted instead of
measured: for each symbol count the module grid (start, module width) is fitted to the
start and stop patterns, every symbol slot scores each of the 106 symbols by how well
its pattern, drawn on that grid, matches the profile, and the most likely sequence whose
check symbol agrees is spelt out. `profile_codes` gives that sequence's text and says
whether every slot's best symbol already gave it (`firm`).

A fitted code is a guess that a checksum (1 in 103) and a pattern make unlikely to be
wrong, not a decode: the barcode reader takes it only where the label's printed text
reads the same code.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from taskmaster.engines.base import Gray

# Bar/space widths of Code 128 symbols 0..105 and the stop pattern (106), in modules.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 "
    "112232 122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 "
    "311222 321122 321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 "
    "112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 "
    "313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 "
    "122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 "
    "114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112"
)
_WIDTHS = _TABLE.split()
_STARTS = (103, 104, 105)  # start A, B, C
_STOP = 106
_SUB = 8  # sub-samples a pixel when a pattern is drawn on the grid
_MODULE = (1.2, 8.0)  # module widths (pixels) tried
_GAPS = (12, 24)  # pixels: gaps that end the bars
_TOP = 3  # candidates a slot keeps for the check-symbol search
_SLOTS = 10  # data slots at most (a code of up to 20 digits)


def _bits(widths: str) -> npt.NDArray[np.float64]:
    out: list[float] = []
    for i, w in enumerate(widths):
        out += [1.0 - i % 2] * int(w)
    return np.array(out + [0.0] * (13 - len(out)))


_PATTERNS = np.stack([_bits(w) for w in _WIDTHS])  # (107, 13): 1 = bar


def profile(zone: Gray) -> tuple[npt.NDArray[np.float64], list[tuple[int, int]]] | None:
    """The ink profile (share of dark pixels per column) of the band of rows that holds
    the bars, and the spans of columns where the bars may start and end; None without
    such a band."""
    dark = zone < 128
    rows = (dark[:, 1:] != dark[:, :-1]).sum(1) >= 16
    best, start = (0, 0, 0), None
    for y, on in enumerate([*rows.tolist(), False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            best = max(best, (y - start, start, y))
            start = None
    height, y0, y1 = best
    if height < 20:
        return None
    ink = dark[y0 + 3 : y1 - 3].mean(0)
    cols = np.flatnonzero(ink > 0.3)
    if len(cols) < 20:
        return None
    # Bars end at a gap wider than any space inside a code (4 modules; the quiet zone
    # is 10): for modules of 2 px (a fax's label), and of 3-5 px.
    spans = []
    for gap in _GAPS:
        runs = np.split(cols, np.flatnonzero(np.diff(cols) >= gap) + 1)
        widest = max(runs, key=lambda r: int(r[-1] - r[0]))
        spans.append((int(widest[0]), int(widest[-1]) + 1))
    return ink.astype(np.float64), sorted(set(spans))


def _costs(
    ink: npt.NDArray[np.float64],
    x0: float,
    m: float,
    slot: int,
    symbols: npt.NDArray[np.int_],
    modules: int = 11,
) -> npt.NDArray[np.float64]:
    """Squared distance of `ink` to each of `symbols` drawn in `slot` of the grid (the
    slot's `modules` columns: 13 for the stop pattern)."""
    a = max(int(np.floor(x0 + slot * 11 * m)), 0)
    b = min(int(np.ceil(x0 + (slot * 11 + modules) * m)), len(ink))
    if b <= a:
        return np.full(len(symbols), np.inf)
    fx = a + (np.arange((b - a) * _SUB) + 0.5) / _SUB
    k = np.floor((fx - x0) / m).astype(int) - slot * 11
    inside = (k >= 0) & (k < 13)
    drawn = _PATTERNS[symbols][:, np.clip(k, 0, 12)] * inside
    drawn = drawn.reshape(len(symbols), b - a, _SUB).mean(2)
    return np.asarray(((drawn - ink[a:b]) ** 2).sum(1), dtype=np.float64)


def _text(values: list[int], start: int) -> str | None:
    """What Code 128 symbol values spell after `start` (sets A/B/C and their switches);
    None for a sequence that spells nothing printable."""
    code, out = {103: "A", 104: "B", 105: "C"}[start], ""
    for v in values:
        if code == "C" and v < 100:
            out += f"{v:02d}"
        elif v == 99 and code != "C":
            code = "C"
        elif v == 100 and code != "B":
            code = "B"
        elif v == 101 and code != "A":
            code = "A"
        elif (code == "B" and v < 95) or (code == "A" and v < 64):
            out += chr(v + 32)
        else:
            return None
    return out or None


def _fit(ink: npt.NDArray[np.float64], left: int, m: float, n: int) -> tuple[float, float, int]:
    """The grid (start column, module width) and start symbol that best draw the start
    and stop patterns of an `n`-symbol code whose bars start at `left`."""
    best = (np.inf, float(left), m, 104)
    starts, stop = np.array(_STARTS), np.array([_STOP])
    for mm in m * (1 + np.linspace(-0.03, 0.03, 7)):
        for x0 in left + np.linspace(-1.0, 1.0, 9):
            head = _costs(ink, x0, mm, 0, starts)
            cost = float(head.min() + _costs(ink, x0, mm, n, stop, 13)[0])
            if cost < best[0]:
                best = (cost, float(x0), float(mm), int(starts[head.argmin()]))
    return best[1], best[2], best[3]


def profile_codes(zone: Gray) -> list[tuple[str, bool]]:
    """Codes fitted to the Code 128 bars in `zone`, best fit first: (text, firm) where
    `firm` says every slot's best symbol gave it, checksum included. Empty where no
    symbol count gives a sequence whose checksum holds."""
    found = profile(zone)
    if found is None:
        return []
    ink, spans = found
    fits: list[tuple[float, str, bool]] = []
    for left, right in spans:
        fits += _fits(ink, left, right)
    return [(text, firm) for _, text, firm in sorted(fits)]


def _fits(ink: npt.NDArray[np.float64], left: int, right: int) -> list[tuple[float, str, bool]]:
    """(cost a column, text, firm) for every symbol count whose likeliest sequence on the
    bars from `left` to `right` spells a text with its check symbol holding."""
    data_symbols = np.arange(106)
    fits: list[tuple[float, str, bool]] = []
    for n in range(3, _SLOTS + 3):  # start, data slots, check symbol
        m = (right - left) / (11 * n + 13)
        if not _MODULE[0] <= m <= _MODULE[1]:
            continue
        x0, m, start = _fit(ink, left, m, n)
        costs = np.stack([_costs(ink, x0, m, s, data_symbols) for s in range(1, n)])
        best = _likeliest(costs, np.argsort(costs[:-1], axis=1)[:, :_TOP], start)
        text = _text(best[1][:-1], start)
        if text is not None:
            firm = best[1] == costs.argmin(1).tolist()
            fits.append((best[0] / (right - left), text, firm))
    return fits


def _likeliest(
    costs: npt.NDArray[np.float64], top: npt.NDArray[np.int_], start: int
) -> tuple[float, list[int]]:
    """The cheapest sequence of one of `top` symbols a data slot and the check symbol
    their checksum gives (`costs`: slot x symbol), with its cost: the data slots are
    walked keeping the cheapest way to each checksum residue."""
    residues = np.arange(103)
    best = np.full(103, np.inf)
    best[start % 103] = 0.0
    back: list[tuple[npt.NDArray[np.int_], npt.NDArray[np.int_]]] = []
    for i, symbols in enumerate(top):
        nxt, via, came = np.full(103, np.inf), np.zeros(103, int), np.zeros(103, int)
        for v in symbols.tolist():
            to = (residues + (i + 1) * v) % 103
            cost = best + costs[i, v]
            better = cost < nxt[to]
            nxt[to[better]], via[to[better]], came[to[better]] = cost[better], v, residues[better]
        back.append((via, came))
        best = nxt
    total = best + costs[-1, :103]
    residue = int(total.argmin())
    sequence = [residue]
    for via, came in reversed(back):
        sequence.insert(0, int(via[residue]))
        residue = int(came[residue])
    return float(total.min()), sequence
