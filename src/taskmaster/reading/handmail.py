"""A hand-printed e-mail address's domain from both engines' reads.

Hand print after a fax or a phone camera leaves neither read of a domain whole
("cerati@amal.com" / "ceratt@.amaii.c@m", "iwashine+omv@yal.oo.com" /
"twashlnrton@yql.od.com"), but together they usually point at one common domain: the
domain nearest the reads summed (`lexicon.distance`, a small prior against the rarer
domains) is taken where it is clearly nearer than the next and within reach of one read.
The address is then proposed for review as ever (a hand-printed address never scores
above `recognise.HAND_CAP`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from taskmaster.reading import lexicon, repair
from taskmaster.reading.recognise import HAND_CAP, Recognised
from taskmaster.reading.repair import EMAIL_DOMAINS

# The domains most patients write; a rarer one ("mail.com") must be read more plainly
# to win a near tie ("amal.com": gmail.com or mail.com).
COMMON = frozenset({"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com"})
RARE_COST = 1.5
MARGIN = 1.0  # summed distance by which the nearest domain must beat the next
REACH = 0.35  # of the domain's length: how far the nearer read may be from it
BARE_WEIGHT = 0.5  # a read with no '@': its tail may end a shorter domain's look-alike
_ADDRESS = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")


def address(r: Recognised, ocr: str, icr: str) -> Recognised:
    """A hand-printed e-mail line from its two reads (`handtext.resolve`): the ICR reads
    it in lower case with its '@' (classes of its own) where Tesseract mixes
    hand-printed l/1, o/0 and i/j freely; but where only Tesseract made an address of
    it, the line was typed (a fax it was unsure of). The domain is the one both reads
    point at (`joint_domain`), where they point at one."""
    domain = joint_domain([ocr, icr])
    # The ICR's read with the domain both reads' domains point at ("smattrvaws62@idloud
    # com"), unless Tesseract read a common domain but for one letter or its dots (a
    # typed "yahoocom", "lcloud.com"). A read with no '@' settles the domain of the read
    # taken, not which read is taken ("ANGOYENeOUTLOOK.cOM" / "fvqyen@ajtlakcom").
    spelt = joint_domain([t for t in (ocr, icr) if "@" in t])
    icr_at = f"{''.join(icr.split()).partition('@')[0]}@{spelt}"
    joint = spelt is not None and not clean_domain(ocr) and shaped(icr_at)
    by_icr = "@" in icr and (shaped(icr) or joint or not shaped(ocr))
    # A local part never starts with a full stop: a speck before the address (".choltuq").
    text = "".join((icr if by_icr else ocr).split()).lstrip(".,")
    who = "the ICR" if by_icr else "Tesseract"
    if domain is not None and "@" in text:
        # Neither read's domain is whole; together they point at one common domain.
        text = f"{text.partition('@')[0]}@{domain}"
        who += f", at the domain both reads point at ({domain})"
    return replace(
        r,
        text=text,
        confidence=min(r.confidence, HAND_CAP),
        char_confidences=(),
        source="icr" if by_icr else "ocr",
        messages=[*r.messages, f"e-mail address as {who} read it: {text!r}"],
    )


def shaped(text: str) -> bool:
    """Whether `text` (spaces dropped, a common domain's slip undone) is shaped like an
    e-mail address."""
    return bool(_ADDRESS.match(repair.email("".join(text.split()))[0]))


def domain_of(read: str) -> str | None:
    """What follows the first '@' of a read, spaces and leading dots dropped (a later
    '@' is a misread "o": "c@m")."""
    text = "".join(read.split()).lower()
    if "@" not in text:
        return None
    tail = text.partition("@")[2].lstrip("._,")
    return tail or None


def joint_domain(reads: list[str]) -> str | None:
    """The common domain the reads' domains point at together (and the tail of a read
    with no '@'); None when no read has a domain, one already is a known domain, or no
    domain is a clear call."""
    domains = [d for d in map(domain_of, reads) if d]
    if not domains or any(d in EMAIL_DOMAINS for d in domains):
        return None
    # A read with no '@' (the ICR lost it: "awiseq. yahod.com") still spells a domain
    # at its end: its tail as long as each domain weighs in.
    bare = ["".join(r.split()).lower() for r in reads if "@" not in r]

    def far(e: str, weight: float) -> list[float]:
        return [lexicon.distance(d, e) for d in domains] + [
            weight * lexicon.distance(b[-len(e) :], e) for b in bare if len(b) > len(e)
        ]

    scored = sorted(
        (sum(far(e, BARE_WEIGHT)) + (0.0 if e in COMMON else RARE_COST), e) for e in EMAIL_DOMAINS
    )
    (best, entry), (second, _) = scored[0], scored[1]
    if second - best < MARGIN:
        return None
    return entry if min(far(entry, 1.0)) <= REACH * len(entry) else None


def clean_domain(read: str) -> bool:
    """Whether the read's domain is a common one but for one letter or its dots (a typed
    "kmathews@lcloud.com", "emily66@yahoocom")."""
    d = domain_of(read)
    if d is None:
        return False
    return any(
        d.replace(".", "") == e.replace(".", "")
        or (len(d) == len(e) and sum(a != b for a, b in zip(d, e, strict=True)) <= 1)
        for e in EMAIL_DOMAINS
    )
