"""GitHub-style Markdown tables: found among a section's lines, split into cells.

Tables are recognised by their header row (risks, approvals, metrics); the rest stay prose.
Splitting follows GFM: cells are separated by unescaped pipes, ``\\|`` is a pipe in a cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.importer.inline import normal_key
from tracker.importer.markdown import MAX_PATTERN_LINE, Line


@dataclass
class Table:
    """A table at ``lines[start:end]``: header cells and the rows under it."""

    start: int
    end: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  #: (line number, cells padded to the header's width)

    def column(self, *names: str, exclude: tuple[int, ...] = ()) -> int | None:
        """Index of the first header cell whose words include one of ``names``."""
        for wanted in names:
            for index, cell in enumerate(self.header):
                key = normal_key(cell)
                if index not in exclude and (key == wanted or wanted in key.split()
                                             or (" " in wanted and wanted in key)):
                    return index
        return None


def split_row(text: str) -> list[str] | None:
    """The cells of a table row, or None when the line is not one."""
    stripped = text.strip()
    if "|" not in stripped or len(stripped) > MAX_PATTERN_LINE:
        return None
    cells: list[str] = []
    current: list[str] = []
    escaped = False
    for char in stripped:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
    cells.append("".join(current))
    if stripped.startswith("|"):
        cells = cells[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def _delimiter(cells: list[str] | None) -> bool:
    if not cells:
        return False
    for cell in cells:
        core = cell.strip().strip(":")
        if not core or core.strip("-"):
            return False
    return True


def find_tables(lines: list[Line]) -> list[Table]:
    """Every table in ``lines`` outside code blocks, in order."""
    tables: list[Table] = []
    index = 0
    while index + 1 < len(lines):
        line = lines[index]
        if line.code or "|" not in line.text:
            index += 1
            continue
        header = split_row(line.text)
        below = lines[index + 1]
        if header is None or below.code or not _delimiter(split_row(below.text)):
            index += 1
            continue
        rows: list[tuple[int, list[str]]] = []
        end = index + 2
        while end < len(lines) and not lines[end].code and lines[end].text.strip():
            cells = split_row(lines[end].text)
            if cells is None:
                break
            cells = (cells + [""] * len(header))[:len(header)]
            rows.append((lines[end].number, cells))
            end += 1
        tables.append(Table(index, end, header, rows))
        index = end
    return tables
