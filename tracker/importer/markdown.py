"""Markdown read as a plan's author writes it: lines, code fences, headings, an outline.

Only the block structure matters to the importer: which lines are code (never interpreted),
which are headings, and which prose sits under which heading. Everything else is kept as the
author's text, line for line. One pass over the lines, no regular expression over more than
a line, so a document of any size is read in linear time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.importer.source import Refused

#: Lines longer than this are kept as prose but never matched against a pattern.
MAX_PATTERN_LINE = 4000


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the document; ``code`` when inside a fenced block (fences included)."""

    number: int
    text: str
    code: bool = False


@dataclass(slots=True)
class Heading:
    """An ATX (``## Title``) or setext (underlined) heading."""

    level: int
    text: str
    lines: list[Line]  #: as written (two lines for a setext heading)

    @property
    def number(self) -> int:
        return self.lines[0].number


@dataclass(slots=True)
class Node:
    """A heading, the lines under it up to its first subheading, and its subheadings."""

    heading: Heading
    body: list[Line] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.heading.text

    def all_lines(self) -> list[Line]:
        """Everything under the heading, subheadings included, as written."""
        out = list(self.body)
        for child in self.children:
            out.extend(child.heading.lines)
            out.extend(child.all_lines())
        return out


@dataclass(slots=True)
class Outline:
    """The document: lines before the title, the title, and the top-level sections."""

    prelude: list[Line]  #: lines before the first heading
    title: Heading | None
    header: list[Line]  #: lines between the title and the first section
    nodes: list[Node]


def split_lines(text: str) -> list[str]:
    """Lines without their endings; CRLF and lone CR count as line ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _fence(stripped: str) -> tuple[str, int] | None:
    """(character, length) when the line opens a code fence."""
    if not stripped.startswith(("```", "~~~")):
        return None
    char = stripped[0]
    run = len(stripped) - len(stripped.lstrip(char))
    if char == "`" and "`" in stripped[run:]:
        return None  # inline code such as ```x``` is not a fence
    return char, run


def _atx(text: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, per CommonMark."""
    if _indent(text) > 3:
        return None
    stripped = text.lstrip(" ")
    if not stripped.startswith("#"):
        return None
    level = len(stripped) - len(stripped.lstrip("#"))
    if level > 6 or (len(stripped) > level and stripped[level] not in " \t"):
        return None
    content = stripped[level:].strip()
    closed = content.rstrip("#")
    if closed != content and (not closed or closed[-1] in " \t"):
        content = closed.rstrip()
    return level, content


def _paragraph_line(text: str) -> bool:
    """True for a line that an underline (``===``/``---``) would turn into a heading."""
    stripped = text.strip()
    if not stripped or _indent(text) > 3:
        return False
    if stripped[0] in "|>#<" or stripped.startswith(("- ", "* ", "+ ")):
        return False
    digits = len(stripped) - len(stripped.lstrip("0123456789"))
    return not (digits and stripped[digits:digits + 2] in (". ", ") "))


def scan(lines: list[str], name: str) -> list[Line | Heading]:
    """Classify every line; raise :class:`Refused` for a code fence that never closes."""
    out: list[Line | Heading] = []
    fence: tuple[str, int, int] | None = None  # char, length, line number of the opening
    for number, text in enumerate(lines, start=1):
        stripped = text.strip()
        if fence is not None:
            out.append(Line(number, text, code=True))
            char, length, _ = fence
            if stripped.startswith(char * length) and not stripped.lstrip(char):
                fence = None
            continue
        opened = _fence(stripped)
        if opened is not None:
            fence = (opened[0], opened[1], number)
            out.append(Line(number, text, code=True))
            continue
        heading = _atx(text) if len(text) <= MAX_PATTERN_LINE else None
        if heading is not None:
            out.append(Heading(heading[0], heading[1], [Line(number, text)]))
            continue
        underline = (stripped and _indent(text) <= 3 and len(stripped) <= MAX_PATTERN_LINE
                     and (not stripped.strip("=") or (len(stripped) >= 2
                                                      and not stripped.strip("-"))))
        if underline and out and isinstance(out[-1], Line) and not out[-1].code \
                and _paragraph_line(out[-1].text) and _blank_before(out):
            above = out.pop()
            assert isinstance(above, Line)
            level = 1 if stripped[0] == "=" else 2
            out.append(Heading(level, above.text.strip(), [above, Line(number, text)]))
            continue
        out.append(Line(number, text))
    if fence is not None:
        char, length, number = fence
        raise Refused(f"{name}:{number}: the code fence {char * length} opened here is never "
                      f"closed, so everything after it would be code: close it with "
                      f"{char * length} and import again")
    return out


def _blank_before(out: list[Line | Heading]) -> bool:
    """True when the line before the last one is blank, a heading or the start."""
    if len(out) < 2:
        return True
    before = out[-2]
    return isinstance(before, Heading) or not before.text.strip()


def outline(elements: list[Line | Heading]) -> Outline:
    """Group lines under headings; the first level-1 heading, if first, is the title."""
    prelude: list[Line] = []
    index = 0
    while index < len(elements) and isinstance(elements[index], Line):
        prelude.append(elements[index])  # type: ignore[arg-type]
        index += 1
    title: Heading | None = None
    header: list[Line] = []
    if index < len(elements):
        first = elements[index]
        assert isinstance(first, Heading)
        if first.level == 1:
            title = first
            index += 1
            while index < len(elements) and isinstance(elements[index], Line):
                header.append(elements[index])  # type: ignore[arg-type]
                index += 1
    roots: list[Node] = []
    stack: list[Node] = []
    for element in elements[index:]:
        if isinstance(element, Line):
            stack[-1].body.append(element)
            continue
        level = max(element.level, 2) if title is not None else element.level
        element.level = level
        node = Node(element)
        while stack and stack[-1].heading.level >= level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return Outline(prelude, title, header, roots)


def code_span(text: str, start: int = 0) -> tuple[str, int] | None:
    """The content of the inline code span opening at ``start`` and the index after it."""
    if start >= len(text) or text[start] != "`":
        return None
    run = start
    while run < len(text) and text[run] == "`":
        run += 1
    fence = text[start:run]
    position = run
    while True:
        found = text.find(fence, position)
        if found < 0:
            return None
        end = found + len(fence)
        if end < len(text) and text[end] == "`":  # a longer run: not the closing one
            position = end
            while position < len(text) and text[position] == "`":
                position += 1
            continue
        content = text[run:found]
        if len(content) > 1 and content.startswith(" ") and content.endswith(" ") \
                and content.strip():
            content = content[1:-1]
        return content, end


def body_text(lines: list[Line]) -> str:
    """Prose from lines: verbatim, without blank lines or thematic breaks at either end."""
    start, end = 0, len(lines)
    while start < end and _edge(lines[start]):
        start += 1
    while end > start and _edge(lines[end - 1]):
        end -= 1
    return "\n".join(line.text for line in lines[start:end])


def _edge(line: Line) -> bool:
    if line.code:
        return False
    stripped = line.text.strip().replace(" ", "")
    return not stripped or (len(stripped) >= 3 and stripped[0] in "-*_"
                            and not stripped.strip(stripped[0]))
