"""Locators for the header of a receipt: the issuer's name and its postal address.

Both sit in the first lines of a receipt. The name is the line that carries a company
suffix (SDN BHD, ENTERPRISE, TRADING ...) or, failing that, the first line that is
mostly letters and not an obvious non-name (TAX INVOICE, WELCOME, a phone number).
The address is the run of lines after the name (skipping the registration number) up
to the first line that is clearly something else (TEL, GST, a date, INVOICE ...).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence

from taskmaster.extraction.layout import Line, normalise_space, union
from taskmaster.extraction.locators import Candidate, Config

# Letters OCR reads as digits in company suffixes (SDN 8HD, S0N BHD).
_LOOKALIKE = str.maketrans({"8": "B", "0": "O", "5": "S", "1": "I"})


def _has_any(text: str, words: Sequence[str]) -> bool:
    return any(re.search(r"(?<![A-Z0-9])" + re.escape(w.upper()), text) for w in words)


def _letters(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    return sum(c.isalpha() for c in chars) / max(1, len(chars))


def correct(text: str, corrections: dict[str, str]) -> str:
    """Apply the field's `corrections` (OCR misreadings of fixed words, e.g. SON BHD)."""
    for wrong, right in corrections.items():
        text = re.sub(r"(?<![A-Z0-9])" + re.escape(wrong.upper()) + r"(?![A-Z0-9])",
                      right.upper(), text)
    return text


def find_company(lines: list[Line], cfg: Config) -> list[Candidate]:
    """The issuer's name among the first `search_lines` lines.

    A name broken over two lines is rejoined: a line that starts with a bare suffix
    (`CO. (M) SDN BHD`) takes the line above, and a line ending in `&` or followed by a
    suffix-only line (`SDN. BHD.`) takes the line below. A registration number printed
    after the name is cut off.
    """
    head = lines[: int(cfg.get("search_lines", 10))]
    suffixes = cfg.get("suffixes", [])
    skip = cfg.get("skip", [])
    skip_re = cfg.get("skip_patterns", [])
    corrections = cfg.get("corrections", {})
    continues = re.compile(cfg.get("continues_above", r"^(SDN|BHD|CO\.?|\(M\))\b"))
    suffix_only = re.compile(cfg.get("suffix_only", r"^(SDN\.? ?BHD\.?|BHD\.?|S/B)$"))
    trailing = re.compile(cfg.get("trailing", r"\s*\(?\d{5,}[-·.]?[A-Z]\)?.*$"))
    heights = [ln.height for ln in lines] or [1]
    typical = statistics.median(heights)
    # The registration number printed after a name is cut first, so that it does not
    # make the line look like a number.
    fold = bool(cfg.get("fold_accents", False))
    texts = [trailing.sub("", correct(_letters_in_names(_prepare(ln.text, fold)),
                                      corrections)).strip() for ln in head]
    starts_with_suffix = re.compile(
        r"^(" + "|".join(re.escape(s.upper().strip()) for s in suffixes) + r")(?![A-Z])"
    ) if suffixes else continues
    only_suffixes = re.compile(
        r"^(?:(?:" + "|".join(re.escape(s.upper().strip()) for s in suffixes) + r")\.?\s*)+$"
    ) if suffixes else suffix_only

    def usable(pos: int) -> bool:
        t = texts[pos]
        return not (len(t) < 3 or _has_any(t, skip) or _matches(t, skip_re)
                    or _letters(t) < 0.6 or _handwritten(head[pos].text))

    out: list[Candidate] = []
    for pos, ln in enumerate(head):
        text = texts[pos]
        if not usable(pos):
            continue
        score = 0.45 - 0.04 * pos
        taken = [ln]
        if _has_any(text, suffixes) or _has_any(text.translate(_LOOKALIKE), suffixes):
            score = 0.9 - 0.02 * pos
            # A line that starts with a suffix (`CO. (M) SDN BHD`, `RESTAURANT SDN BHD`,
            # `MART S/B`) continues the name on the line above.
            # A line of suffixes only (`TRADING`, `SDN. BHD.`) ends the name above.
            if pos > 0 and usable(pos - 1) and (
                    only_suffixes.match(text) or (
                        (continues.search(text) or starts_with_suffix.search(text))
                        and not _has_any(texts[pos - 1], suffixes))):
                text, taken = f"{texts[pos - 1]} {text}", [head[pos - 1], ln]
            if pos + 1 < len(head) and (text.endswith("&") or suffix_only.match(texts[pos + 1])
                                        or only_suffixes.match(texts[pos + 1])):
                text, taken = f"{text} {texts[pos + 1]}", [*taken, head[pos + 1]]
        if ln.height > 1.25 * typical:   # names are often printed larger
            score += 0.1
        text = _name_spacing(_LEGAL_TAIL.sub(r"\1", trailing.sub("", text).strip()))
        if text:
            # Punctuation between letters ('MR.D.I.Y', 'HEALTH,AND') is transcribed with
            # and without spaces: a right reading may still not match.
            doubt = 0.1 if re.search(r"[A-Z][.,&][A-Z]", text) else 0.0
            out.append(Candidate(text, max(0.05, min(score, 1.0)),
                                 union([t.bbox for t in taken]),
                                 min(t.confidence for t in taken), taken[-1].index, doubt))
    return out


# Whatever follows the legal form with a digit in it is a number, not the name.
_LEGAL_TAIL = re.compile(r"((?:\bBHD|\bS/B)\.?)\s+\S*\d.*$")


def _prepare(text: str, fold: bool) -> str:
    """Upper case, whitespace normalised, accents dropped when `fold` (the recogniser is
    multilingual and sometimes reads RESTAURANTS as RESTÄURANTS on Malay receipts)."""
    text = normalise_space(text).upper()
    if fold:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return text


def _letters_in_names(text: str) -> str:
    """'1' and '0' read inside a word of letters are I and O ('URBAN 1DEA', 'D.1.Y.');
    words with other digits ('CT281', '7-ELEVEN') are left as they are."""
    def fix(m: re.Match[str]) -> str:
        tok = m.group(0)
        letters = sum(c.isalpha() for c in tok)
        digits = [c for c in tok if c.isdigit()]
        if letters >= 2 and digits and set(digits) <= {"0", "1"} and len(digits) * 2 <= letters:
            return tok.replace("1", "I").replace("0", "O")
        return tok
    return re.sub(r"\S+", fix, text)


def _handwritten(text: str) -> bool:
    """A line in lower case only (a name written on the slip, 'tan woon yann'): printed
    names are in capitals or title case."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return bool(words) and all(w[0].islower() for w in words if w[0].isalpha())


def _name_spacing(text: str) -> str:
    """Spaces as names are printed and transcribed: `D.I.Y.(M)` -> `D.I.Y. (M)`,
    `(SUNGAI RENGIT)SDN.BHD.` -> `(SUNGAI RENGIT) SDN. BHD.` (OCR drops narrow gaps)."""
    text = re.sub(r"(?<=[A-Z.])\(", " (", text)
    text = re.sub(r"\)(?=[A-Z])", ") ", text)
    return re.sub(r"\bSDN\.(?=BHD)", "SDN. ", text)


_STARTS = re.compile(r"^(\d|NO\b|NO\.|LOT\b|UNIT\b|LEVEL\b|BLOCK\b|BLK\b|G\d|L\d)")
_ABBREV = {"NO", "JLN", "TMN", "BDR", "KG", "LRG", "JL", "ST", "SG", "PT", "BT", "SEK"}


def _commas(text: str) -> str:
    """A full stop between address parts ('LOT 38. 39 101 BOULEVARD. JALAN') is a comma
    the OCR read small: addresses separate parts with commas, and stops follow only
    abbreviations (NO., P.T., JLN.), which are left alone."""
    def fix(m: re.Match[str]) -> str:
        tok = m.group(1)
        keep = "." in tok or tok in _ABBREV or (len(tok) < 2 and tok.isalpha())
        return tok + ("." if keep else ",")
    return re.sub(r"(?<!\S)(\S+)\.(?= \S)", fix, text)


def _matches(text: str, patterns: Sequence[str]) -> bool:
    return any(re.search(p, text) for p in patterns)


def find_address(lines: list[Line], cfg: Config, after: int | None) -> list[Candidate]:
    """The address lines below the line with index `after` (the company's).

    Anchored on the postcode: the address runs up from the first postcode line to the
    company (skipping registration numbers), and on past it only for a line that names
    a state. Without a postcode, the lines after the company up to a stop word are taken.
    """
    start = 0 if after is None else next(
        (i + 1 for i, ln in enumerate(lines) if ln.index == after), 0)
    stop = cfg.get("stop", [])
    skip = cfg.get("skip", [])
    skip_re = cfg.get("skip_patterns", [])
    states = cfg.get("states", [])
    markers = cfg.get("markers", [])
    postcode = re.compile(cfg.get("postcode", r"(?<![\d.])\d{5}(?![\d.])"))
    max_lines = int(cfg.get("max_lines", 6))
    window = lines[start: start + int(cfg.get("search_lines", 12))]
    texts = [_prepare(ln.text, bool(cfg.get("fold_accents", False))) for ln in window]

    def foreign(t: str) -> bool:
        return _has_any(t, stop) or _has_any(t, skip) or _matches(t, skip_re)

    pc = next((i for i, t in enumerate(texts) if postcode.search(t) and not foreign(t)), None)
    if pc is not None:
        first = pc
        while first > 0 and pc - first + 1 < max_lines and not foreign(texts[first - 1]):
            # An address starts with a number, NO./LOT/UNIT...: a line above such a start
            # with neither digits nor address words is a branch or shop name.
            if first < pc and _STARTS.match(texts[first]) \
                    and not re.search(r"\d", texts[first - 1]) \
                    and not _has_any(texts[first - 1], markers):
                break
            first -= 1
        last = pc
        if pc + 1 < len(texts) and _has_any(texts[pc + 1], states) and not foreign(texts[pc + 1]):
            last = pc + 1
        taken = window[first: last + 1]
        score = 0.7
    else:
        taken = []
        for t, ln in zip(texts, window, strict=True):
            if _has_any(t, stop) or len(taken) >= max_lines:
                break
            if not foreign(t):
                taken.append(ln)
            elif taken:
                break
        score = 0.35
    if not taken:
        return []
    at = {ln.index: t for ln, t in zip(window, texts, strict=True)}
    text = _commas(correct(normalise_space(" ".join(at[ln.index] for ln in taken)),
                           cfg.get("corrections", {})))
    for word in cfg.get("glued", []):   # 'JALANAIR PANAS', 'NO290': a space OCR lost
        # short words only before a number (not NORTH), and not before one digit (NO1.)
        follows = r"\d{2}" if len(word) < 4 else r"[A-Z0-9]{2}"
        text = re.sub(rf"(?<![A-Z]){re.escape(word.upper())}(?={follows})", f"{word} ", text)
    if _has_any(text, markers):
        score += 0.2
    return [Candidate(text, score, union([ln.bbox for ln in taken]),
                      min(ln.confidence for ln in taken), taken[0].index)]
