"""Line numbers as ranges, ``(1, 2, 3, 4, 7)`` ↔ ``"1-4,7"``: how note lines write missing
lines and which lines each test file ran (see docs/notes-format.md).

Kept apart from :mod:`.note_format` so that the format module stays about the line's
fields; reading is bounded, so a hostile range costs nothing before it is refused.
"""

from __future__ import annotations


def encode_lines(lines: tuple[int, ...]) -> str:
    """``(1, 2, 3, 4, 7)`` → ``"1-4,7"`` (sorted, repeats dropped: line numbers are a set)."""
    parts: list[str] = []
    ordered = sorted(set(lines))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def decode_lines(text: str, limit: int) -> tuple[int, ...]:
    """``"1-4,7"`` → ``(1, 2, 3, 4, 7)``. ValueError for a range that runs backwards or for
    more than ``limit`` lines, counted before any is expanded (a hostile ``"1-999999999"``
    costs nothing). Written for speed: a run's note holds tens of thousands of these."""
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = int(first), int(last)
            if end < start:
                raise ValueError("a range of missing lines runs backwards")
            if len(out) + end - start + 1 > limit:
                raise ValueError("more missing lines than statements")
            out.extend(range(start, end + 1))
        elif part:
            if len(out) >= limit:
                raise ValueError("more missing lines than statements")
            out.append(int(part))
    return tuple(out)
