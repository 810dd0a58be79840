"""Plan text that cannot be read as YAML, said as one problem at its line and column: bytes
that are not UTF-8 text, syntax errors PyYAML reports, an alias that refers to itself.

Kept apart from :mod:`tracker.plan.yamlread`, the converter that runs on every plan, because
these run only on a plan that fails to parse.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tracker.problems import Location, Problem

if TYPE_CHECKING:
    import yaml


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Decode a plan file's bytes as UTF-8, explaining binary or mis-encoded input."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(Location(path, 1, 1),
                              "file is UTF-16 encoded: save it as UTF-8")]
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        return None, [Problem(Location(path, line, 1),
                              "file is binary (contains NUL bytes), not YAML text: "
                              "point the command at your plan.yaml")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        return None, [Problem(Location(path, line, column),
                              f"byte 0x{byte:02x} is not valid UTF-8: save the file as UTF-8")]


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def yaml_error_problem(exc: yaml.YAMLError, text: str, path: str) -> Problem:
    """The problem PyYAML's error stands for, at its line, with what to do."""
    import yaml  # imported already: only a parse that started raises this

    if isinstance(exc, yaml.reader.ReaderError):
        line, column = position(text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1]
                                                                         or "?")
        return Problem(Location(path, line, column),
                       f"control character 0x{char:02x} is not allowed in YAML: remove it")
    mark = getattr(exc, "problem_mark", None)
    start = getattr(exc, "context_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    context = " ".join(str(getattr(exc, "context", None) or "").split())
    if mark is None or (start is not None and mark.index >= len(text.rstrip())):
        mark, start = start, None  # an error at the very end is really where the thing began
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
    if at_tab or "'\\t'" in problem:
        message = "tab character: YAML indents with spaces only; replace the tab with spaces"
    elif "duplicate anchor" in context and start is not None:
        message = (f"anchor defined twice (first at line {start.line + 1}): give each anchor "
                   "its own name")
    else:
        message = f"invalid YAML: {problem}"
        if context:
            message += f" ({context}"
            if start is not None and start.line + 1 != line:
                message += f" that started at line {start.line + 1}"
            message += ")"
        message += "; fix the syntax at this position"
    return Problem(Location(path, line, column), message)


def alias_use(text: str, anchor: Location) -> Location:
    """Where ``*name`` first refers back to the anchor ``&name`` at ``anchor``, if findable."""
    lines = text.splitlines()
    start = lines[anchor.line - 1][anchor.column - 1:] if anchor.line <= len(lines) else ""
    match = re.match(r"&([^\s,\[\]{}]+)", start)
    if not match:
        return anchor
    needle = "*" + match.group(1)
    for number in range(anchor.line, len(lines) + 1):
        line = lines[number - 1]
        offset = line.find(needle, anchor.column if number == anchor.line else 0)
        if offset != -1:
            return Location(anchor.path, number, offset + 1)
    return anchor
