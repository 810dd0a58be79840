"""Stable ids for what a document does not number: slugs of the text, made unique.

plan.yaml needs an id on every phase, item and metric (one namespace, as the loader checks);
tests link to items by them. A slug of the words ("add-network-timeout-tests") is readable
and stays the same each time the same document is imported; repeats get -2, -3.
"""

from __future__ import annotations

import re
import unicodedata

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_LIMIT = 48
#: Letters NFKD does not split into ASCII.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe",
                          "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th"})


def slug(text: str, fallback: str = "item") -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text[:500].translate(_LETTERS))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split()
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > _LIMIT:
            break
        out = candidate
    if not out and words:
        out = words[0][:_LIMIT]
    return out or fallback


class Ids:
    """Hands out unique ids in document order."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self._counters: dict[str, int] = {}  #: the last suffix tried per base: linear time

    def claim(self, wanted: str, fallback: str = "item") -> str:
        """``wanted`` if valid and free; else its slug; then -2, -3 until free."""
        base = wanted if ID_PATTERN.fullmatch(wanted) else slug(wanted, fallback)
        candidate, counter = base, self._counters.get(base, 1)
        while candidate in self.taken:
            counter += 1
            candidate = f"{base}-{counter}"
        self._counters[base] = counter
        self.taken.add(candidate)
        return candidate
