"""Problems found in user input, each tied to a file position.

Every problem the tool reports about a plan is one of these, so that the CLI can print
them all at once in the ``file:line:col: message`` form editors and CI understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracker.pickling import pickled_by_fields


class Severity(StrEnum):
    """How bad a problem is: errors stop the command, warnings only inform."""

    ERROR = "error"
    WARNING = "warning"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based position in a file, kept on every node of the plan model."""

    path: str
    line: int
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, with what to do about it in ``message``."""

    location: Location
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        """The line shown for the problem; messages quote user text, so it is cleaned."""
        from tracker.text import clean

        label = "" if self.severity is Severity.ERROR else "warning: "
        return clean(f"{self.location}: {label}{self.message}")


class InputError(Exception):
    """Raised when input cannot be used at all; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by file position so output reads top to bottom, deterministically."""
    return sorted(problems, key=lambda p: (p.location.path, p.location.line, p.location.column,
                                           p.message))
