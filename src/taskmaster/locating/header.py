"""The issuer's name on a receipt, and the text helpers the address locator shares.

The name sits in the first lines. It is the line that carries a company suffix (SDN BHD,
ENTERPRISE, TRADING ...) or, failing that, the first line that is mostly letters and
not an obvious non-name (TAX INVOICE, WELCOME, a phone number, a name hand-written on
the slip). A name broken over two lines is rejoined; a registration number after it is
cut off. The address is in `address.py`.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence

from taskmaster.locating.layout import Line, normalise_space, union
from taskmaster.locating.locators import Candidate, Config

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
        text = re.sub(
            r"(?<![A-Z0-9])" + re.escape(wrong.upper()) + r"(?![A-Z0-9])", right.upper(), text
        )
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
    legal = cfg.get("legal", [])
    address_words = cfg.get("address_words", [])
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
    # A leading counter or long number ('#000002 BAIFU (M) SDN BHD') is not the name.
    texts = [
        trailing.sub(
            "",
            correct(
                _letters_in_names(_LEADING_NUMBER.sub("", _prepare(ln.text, fold))), corrections
            ),
        ).strip()
        for ln in head
    ]
    starts_with_suffix = (
        re.compile(r"^(" + "|".join(re.escape(s.upper().strip()) for s in suffixes) + r")(?![A-Z])")
        if suffixes
        else continues
    )
    only_suffixes = (
        re.compile(
            r"^(?:(?:" + "|".join(re.escape(s.upper().strip()) for s in suffixes) + r")\.?\s*)+$"
        )
        if suffixes
        else suffix_only
    )

    def usable(pos: int) -> bool:
        t = texts[pos]
        return not (
            len(t) < 3
            or _has_any(t, skip)
            or _matches(t, skip_re)
            or _letters(t) < 0.6
            or _handwritten(head[pos].text)
        )

    out: list[Candidate] = []
    for pos, ln in enumerate(head):
        text = texts[pos]
        if not usable(pos):
            continue
        score = 0.45 - 0.04 * pos
        if _has_any(text, address_words):  # an address line, unless it names a company
            score -= 0.2
        taken = [ln]
        if _has_any(text, suffixes) or _has_any(text.translate(_LOOKALIKE), suffixes):
            score = 0.9 - 0.02 * pos
            # A legal form (SDN BHD, S/B) names the company; a trade word (RESTAURANT,
            # CAFE) may be the outlet's name printed above it.
            if legal and not (_has_any(text, legal) or _has_any(text.translate(_LOOKALIKE), legal)):
                score -= 0.08
            # A line that starts with a suffix (`CO. (M) SDN BHD`, `RESTAURANT SDN BHD`,
            # `MART S/B`) continues the name on the line above.
            # A line of suffixes only (`TRADING`, `SDN. BHD.`) ends the name above.
            if (
                pos > 0
                and usable(pos - 1)
                and (
                    only_suffixes.match(text)
                    or (
                        (continues.search(text) or starts_with_suffix.search(text))
                        and not _has_any(texts[pos - 1], suffixes)
                    )
                )
            ):
                text, taken = f"{texts[pos - 1]} {text}", [head[pos - 1], ln]
            if pos + 1 < len(head) and (
                text.endswith("&")
                or suffix_only.match(texts[pos + 1])
                or only_suffixes.match(texts[pos + 1])
            ):
                text, taken = f"{text} {texts[pos + 1]}", [*taken, head[pos + 1]]
        if ln.height > 1.25 * typical:  # names are often printed larger
            score += 0.1
        text = _name_spacing(_LEGAL_TAIL.sub(r"\1", trailing.sub("", text).strip()))
        if text:
            # Punctuation between letters ('MR.D.I.Y', 'HEALTH,AND') is transcribed with
            # and without spaces: a right reading may still not match.
            doubt = 0.1 if re.search(r"[A-Z][.,&][A-Z]", text) else 0.0
            out.append(
                Candidate(
                    text,
                    max(0.05, min(score, 1.0)),
                    union([t.bbox for t in taken]),
                    min(t.confidence for t in taken),
                    taken[-1].index,
                    doubt,
                )
            )
    return out


_LEADING_NUMBER = re.compile(r"^(#\S*|\d{5,})\s+(?=.*[A-Z]{2})")
# Whatever follows the legal form with a digit in it is a number, not the name.
_LEGAL_TAIL = re.compile(r"((?:\bBHD|\bS/B)\.?)\s+\S*\d.*$")


def _prepare(text: str, fold: bool) -> str:
    """Upper case, whitespace normalised, accents dropped when `fold` (the recogniser is
    multilingual and sometimes reads RESTAURANTS as RESTÄURANTS on Malay receipts)."""
    text = normalise_space(text).upper()
    if fold:
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
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


def _matches(text: str, patterns: Sequence[str]) -> bool:
    return any(re.search(p, text) for p in patterns)
