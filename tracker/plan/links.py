"""An item's evidence as written: test links, file checks and targets.

These name files, globs, ``-k`` expressions and regular expressions that later commands
resolve against the workspace. Whatever those commands could not use (a path leaving the
repository, a ``-k`` expression pytest would reject, a regex that does not compile) is
refused here, at its line, so that ``tracker check`` is the one place a mistake shows.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from tracker.plan import fields
from tracker.plan.model import CheckKind, FileCheck, LinkKind, TestLink
from tracker.plan.reader import Reader
from tracker.plan.yamlread import YMap, YSeq
from tracker.problems import Location

_DRIVE = re.compile(r"^[A-Za-z]:")
_LINK_KINDS = {kind.value: kind for kind in LinkKind}
_FILE_HEADS = ("path", "absent", "file", "glob")


def is_glob(text: str) -> bool:
    return "*" in text or "?" in text or "[" in text


def path_problem(value: str) -> str | None:
    """What makes a link's path unusable (empty, absolute, leaving the repository), or None.

    Said as the end of a sentence whose subject, such as "test link of item 'x'", the caller
    adds: thousands of links are checked, and the subject is only worth building for a problem.
    """
    if not value.strip():
        return "is empty: write a path relative to the plan's folder"
    posix = value.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(value):
        return f"{value!r} is an absolute path: write it relative to the plan's folder"
    if ".." not in posix.split("/"):  # only '..' climbs: the common case needs no walk
        return None
    depth = 0
    for part in PurePosixPath(posix).parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            return f"{value!r} points outside the repository: link only files inside it"
    return None


def glob_problem(pattern: str) -> str | None:
    """Why a glob cannot be matched (``tests/**.py``), with the likely fix; None when it can.

    ``**`` means "any folders" only as a whole path segment; pathlib raises ValueError for
    it anywhere else (and some Python versions read it as ``*``), so it is refused whatever
    the Python. A glob of only ``.`` and ``/`` (``{glob: .}``) names no files, and pathlib
    raises on it (IndexError, ValueError) rather than matching nothing.
    """
    segments = pattern.replace("\\", "/").split("/")
    if all(segment in ("", ".") for segment in segments):  # pathlib fails on these too
        return (f"{pattern!r} is the plan's folder itself, not a pattern of files: write one "
                "such as 'tests/*.py'")
    if not any("**" in segment and segment != "**" for segment in segments):
        return None
    fixed = "/".join(_whole_stars(segment) for segment in segments)
    return (f"{pattern!r} has '**' inside a name, where it cannot match: '**' (any folders) "
            f"is a whole path segment; write {fixed!r}")


def _whole_stars(segment: str) -> str:
    """A segment with ``**`` made whole: ``**.py`` → ``**/*.py``, ``a**`` → ``a*``."""
    if "**" not in segment or segment == "**":
        return segment
    single = re.sub(r"\*+", "*", segment)
    return "**/" + single if segment.startswith("**") else single


def usable_glob(r: Reader, pattern: str, loc: Location, what: str) -> bool:
    """Report a glob that cannot be matched; True when it can."""
    problem = glob_problem(pattern)
    if problem is not None:
        r.error(loc, f"{what} {problem}")
    return problem is None


def link_path(r: Reader, value: str, loc: Location, what: str) -> bool:
    """Reject links that leave the repository; True when the path is usable."""
    problem = path_problem(value)
    if problem is not None:
        r.error(loc, f"{what} {problem}")
    return problem is None


def targets(r: Reader, m: YMap, what: str) -> tuple[tuple[str, ...], tuple[Location, ...]]:
    """An item's targets and where each is written."""
    found = r.strings(m, "targets", what)
    if not found:
        return (), ()
    seq = m.get("targets")
    if isinstance(seq, YSeq):
        locs = seq.item_locs
        target_locs = tuple(locs[i] for i in range(len(found)))
    else:
        target_locs = (m.value_loc("targets"),) * len(found)
    for target, loc in zip(found, target_locs, strict=True):
        if link_path(r, target, loc, "target") and is_glob(target):
            usable_glob(r, target, loc, "target")
    return found, target_locs


# -- test links ----------------------------------------------------------------------------

def link(r: Reader, value: Any, loc: Location, what: str) -> TestLink | None:
    """One entry of an item's ``tests``: a path, glob or node id, or a one-key mapping."""
    if isinstance(value, str):
        return _written_link(r, value.strip(), loc, what)
    m = r.mapping(value, loc, f"a test link of {what}", "testlink")
    if m is None:
        return None
    kinds = [k for k in m if k in fields.TESTLINK]
    if len(kinds) != 1:
        r.error(loc, f"a test link of {what} needs exactly one of "
                     f"{', '.join(fields.TESTLINK)}; found {len(kinds)}")
        return None
    key = kinds[0]
    text = r.str_(m, key, f"test link of {what}", required=True)
    if text is None:
        return None
    kind = _LINK_KINDS[key]
    where = m.value_loc(key)
    if kind in (LinkKind.PATH, LinkKind.GLOB, LinkKind.NODE) and not link_path(
            r, text.split("::", 1)[0], where, f"test link of {what}"):
        return None
    if kind is LinkKind.GLOB and not usable_glob(r, text.strip(), where, f"test link of {what}"):
        return None
    if kind is LinkKind.KEYWORD:
        problem = keyword_problem(r, text)
        if problem is not None:
            r.error(where, f"keyword expression {text!r}: {problem}")
            return None
    return TestLink(kind, text.strip(), where)


def _written_link(r: Reader, text: str, loc: Location, what: str) -> TestLink | None:
    """A test link written as a plain string: its kind is read from its shape."""
    if "::" in text:
        kind = LinkKind.NODE
    elif is_glob(text):
        kind = LinkKind.GLOB
    else:
        kind = LinkKind.PATH
    problem = path_problem(text.split("::", 1)[0])
    if problem is not None:
        r.error(loc, f"test link of {what} {problem}")
        return None
    if kind is LinkKind.GLOB and not usable_glob(r, text, loc, f"test link of {what}"):
        return None
    return TestLink(kind, text, loc)


def keyword_problem(r: Reader, text: str) -> str | None:
    """Why a -k expression does not parse (None when it does), once per distinct text."""
    if text not in r.keywords:
        from tracker.evidence.keyword import KeywordError, parse_keyword

        try:
            parse_keyword(text)
            r.keywords[text] = None
        except KeywordError as exc:
            r.keywords[text] = str(exc)
    return r.keywords[text]


# -- file checks ---------------------------------------------------------------------------

def file_check(r: Reader, value: Any, loc: Location, what: str) -> FileCheck | None:
    """One entry of an item's ``files``: a path, or a mapping headed by one of
    path, absent, file or glob (a glob with contains/lacks checks all its files)."""
    if isinstance(value, str):
        problem = path_problem(value)
        if problem is not None:
            r.error(loc, f"file check of {what} {problem}")
            return None
        if not is_glob(value):
            return FileCheck(CheckKind.EXISTS, value.strip(), loc)
        if not usable_glob(r, value.strip(), loc, f"file check of {what}"):
            return None
        return FileCheck(CheckKind.GLOB, value.strip(), loc)
    m = r.mapping(value, loc, f"a file check of {what}", "filecheck")
    if m is None:
        return None
    label = f"file check of {what}"
    heads = [k for k in _FILE_HEADS if k in m]
    if len(heads) != 1:
        r.error(loc, f"a {label} needs exactly one of path, absent, file or glob; "
                     f"found {len(heads)}")
        return None
    head = heads[0]
    path = r.str_(m, head, label, required=True)
    if path is None:
        return None
    problem = path_problem(path)
    if problem is not None:
        r.error(m.value_loc(head), f"{label} {problem}")
        return None
    if head == "glob" and not usable_glob(r, path.strip(), m.value_loc(head), label):
        return None
    if head == "file" or (head == "glob" and ("contains" in m or "lacks" in m)):
        return _content_check(r, m, path.strip(), loc, label, many=head == "glob")
    return _path_check(r, m, head, path.strip(), loc, label)


def _content_check(r: Reader, m: YMap, path: str, loc: Location, label: str, *,
                   many: bool) -> FileCheck | None:
    """``{file|glob: ..., contains|lacks: ..., regex: ..., min: N, max: N}``: ``many``
    when a glob names the files, whose occurrences are counted together."""
    contains, lacks = r.str_(m, "contains", label), r.str_(m, "lacks", label)
    regex = r.bool_(m, "regex", label)
    min_files = r.int_(m, "min_files", label, minimum=1)
    low, high = r.int_(m, "min", label), r.int_(m, "max", label)
    if min_files is not None and not many:
        r.error(m.key_loc("min_files"), f"'min_files' only goes with glob: in a {label}")
    if contains is not None and lacks is None:
        key, pattern, kind = "contains", contains, CheckKind.CONTAINS
    elif lacks is not None and contains is None:
        key, pattern, kind = "lacks", lacks, CheckKind.LACKS
    else:
        r.error(loc, f"{label} names {'files' if many else 'a file'}: add exactly one of "
                     "contains: or lacks:")
        return None
    if kind is CheckKind.LACKS:
        for stray in ("min", "max"):
            if stray in m:
                r.error(m.key_loc(stray), f"'{stray}' counts what contains: finds; lacks: "
                                          "already means none: drop it, or write contains: "
                                          "with max: 0")
        low = high = None
    elif low is not None and high is not None and low > high:
        r.error(m.value_loc("min"), f"'min' ({low}) is more than 'max' ({high}) in a {label}:"
                                    " no count can hold both")
        return None
    if not pattern:
        r.error(m.value_loc(key), f"'{key}' of {label} is empty: write the text to look for")
        return None
    if regex:
        problem = regex_problem(pattern)
        if problem is not None:
            r.error(m.value_loc(key), f"invalid regular expression: {problem}")
            return None
    return FileCheck(kind, path, loc, pattern=pattern, regex=regex, min_files=min_files or 1,
                     many=many, min_count=low, max_count=high)


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` does not compile (None when it does), said so a person can fix it.

    Python's ``re`` raises more than ``re.error``: a repetition count past its limit
    (``x{99999999999}``) is an OverflowError, parentheses nested a thousand deep a
    RecursionError; each is the pattern's fault, so each is a problem at its line.
    """
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"{exc}: fix the pattern, or drop regex: true to match the text as written"
    except OverflowError:
        return ("a repetition count such as {n} is too large: write a smaller count, "
                "or a pattern without one")
    except RecursionError:
        return "it nests too deeply: write it with fewer nested groups"
    return None


def _path_check(r: Reader, m: YMap, head: str, path: str, loc: Location, label: str
                ) -> FileCheck:
    """``{path: ...}``, ``{absent: ...}`` or ``{glob: ..., min_files: N}``."""
    r.bool_(m, "regex", label)
    min_files = r.int_(m, "min_files", label, minimum=1)
    stray = [k for k in ("regex", "min", "max") if k in m]
    if stray:
        r.error(m.key_loc(stray[0]), f"'{stray[0]}' only goes with contains: or lacks: in a "
                                     f"{label}")
    if min_files is not None and head != "glob":
        r.error(m.key_loc("min_files"), f"'min_files' only goes with glob: in a {label}")
    if head == "glob":
        return FileCheck(CheckKind.GLOB, path, loc, min_files=min_files or 1)
    kind = CheckKind.EXISTS if head == "path" else CheckKind.ABSENT
    return FileCheck(kind, path, loc)
