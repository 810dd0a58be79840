"""Rich Text pieces shared by the widgets; user text always enters as plain Text.

Never build markup strings from users' files: ``Text(value)`` shows ``[red]`` literally,
and :func:`tracker.text.clean` drops ANSI escapes before anything is shown.
"""

from __future__ import annotations

from rich.text import Text

from tracker.assess import Status
from tracker.text import clean, one_line

STATUS_STYLE = {
    Status.DONE: "bold green", Status.FAILING: "bold red", Status.IN_PROGRESS: "yellow",
    Status.STALE: "magenta", Status.TODO: "dim", Status.CLAIMED: "cyan",
    Status.SKIPPED: "dim", Status.BLOCKED: "red", Status.RUNNING: "cyan",
}
OUTCOME_STYLE = {"passed": "green", "failed": "bold red", "error": "bold red",
                 "skipped": "dim", "xfailed": "dim", "xpassed": "yellow"}
BLOCKS = "▁▂▃▄▅▆▇█"


def user(value: object, style: str = "") -> Text:
    """Text from a user's file, on one line, shown literally."""
    return Text(one_line(str(value)), style=style)


def user_block(value: object, style: str = "") -> Text:
    """Multi-line text from a user's file, shown literally."""
    return Text(clean(str(value)), style=style)


def status_text(status: Status) -> Text:
    return Text(f"{status.icon} {status.value}", style=STATUS_STYLE[status])


def bar(done: int, total: int, width: int = 10) -> Text:
    """A progress bar as text: filled part green, rest dim."""
    filled = round(width * done / total) if total else 0
    text = Text("█" * filled, style="green")
    text.append("░" * (width - filled), style="dim")
    return text


def sparkline(values: tuple[float, ...] | list[float], width: int = 20) -> str:
    """The last ``width`` values as block characters (scaled between their min and max)."""
    values = list(values)[-width:]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    return "".join(BLOCKS[int((v - low) / span * (len(BLOCKS) - 1)) if span else 3]
                   for v in values)


def short_nodeid(nodeid: str, width: int | None) -> str:
    """A test's node id in at most ``width`` cells, shortened from the left so the test's own
    name (after the file's ``::``) stays whole when it fits: ``…/test_card.py::test_declined``;
    a parametrized name too long keeps the function's name and its parameters' end
    (``test_card_errors[…red]``).
    ``None`` (the width is not known yet) leaves it whole. Cleaned first, so no escape
    sequence is cut in half."""
    nodeid = one_line(nodeid)
    if width is None or len(nodeid) <= width or width < 2:
        return nodeid
    path, sep, name = nodeid.partition("::")
    room = width - len(name) - len(sep)  #: cells left for the file's path
    if sep and room >= 4:
        return "…" + path[-(room - 1):] + sep + name
    last = nodeid.rsplit("::", 1)[-1]  #: the test function, with its parameters
    if len(last) < width:
        return "…" + nodeid[-(width - 1):]
    base, bracket, _ = last.partition("[")
    if bracket and len(base) + 4 <= width:  # the name whole, the parameters' end: "[…red]"
        return base + "[…" + last[-(width - len(base) - 2):]
    return "…" + nodeid[-(width - 1):]


def phrases(parts: list[Text], width: int | None, sep: str = "  ") -> Text:
    """``parts`` on one line, ``sep`` between them, broken only between parts when the line
    is wider than ``width`` (None: unknown, one line): "(d: all reminders)" is never split
    across two lines. A part wider than the line wraps on its own, as any text does."""
    out = Text()
    used = 0
    for n, part in enumerate(parts):
        size = part.cell_len
        if n and width is not None and used + len(sep) + size > width:
            out.append("\n")
            used = 0
        elif n:
            out.append(sep)
            used += len(sep)
        out.append_text(part)
        used += size
    return out
