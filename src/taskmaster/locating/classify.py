"""Is this page of that layout type? A score from keywords and patterns in its text.

The rules live in the page type's `classify:` mapping in the application YAML:

    classify:
      keywords: {TOTAL: 2, CASH: 1, ...}     # each counted once per page
      negative: {PATIENT: 3, ...}            # words that argue against the type
      patterns: [{regex: '\\d+\\.\\d{2}', weight: 0.25, max: 3}]   # counted per match
      saturate: 5                            # evidence that makes the score 1.0

Score = clamp((positive - negative) / saturate, 0, 1). Keyword matching is on whole
words of the upper-cased text, so `TAX` does not fire on `TAXI`.
"""

from __future__ import annotations

import re
from typing import Any

from taskmaster.apps.schema import PageType
from taskmaster.engines.base import Word
from taskmaster.locating.layout import normalise_space


def _word_re(phrase: str) -> re.Pattern[str]:
    body = r"\s*".join(re.escape(p) for p in phrase.upper().split())
    return re.compile(r"(?<![A-Z])" + body + r"(?![A-Z])")


def _keyword_sum(text: str, keywords: dict[str, Any]) -> float:
    return sum(float(w) for kw, w in keywords.items() if _word_re(kw).search(text))


def classify_layout_page(words: list[Word], page_type: PageType) -> float:
    """A score in 0..1 that the page these `words` were read from is of `page_type`."""
    rules = page_type.classify
    if not rules or not words:
        return 0.0
    text = normalise_space(" ".join(w.text for w in words)).upper()
    positive = _keyword_sum(text, rules.get("keywords", {}))
    for pat in rules.get("patterns", []):
        hits = len(re.findall(pat["regex"], text))
        positive += float(pat.get("weight", 1.0)) * min(hits, int(pat.get("max", 1)))
    negative = _keyword_sum(text, rules.get("negative", {}))
    saturate = float(rules.get("saturate", 5.0))
    return max(0.0, min(1.0, (positive - negative) / saturate))
