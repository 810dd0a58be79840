"""Reading pytest's command line as pytest does: which arguments select tests.

Whether a run covered the whole suite decides how its evidence is laid over earlier runs
(tracker.evidence.layering) and whether its coverage replaces theirs; where a test path was
typed decides what it names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

#: pytest's long options that select a subset of the suite (or stop it early).
_SELECTING = {"--lf", "--last-failed", "--sw", "--stepwise", "--stepwise-skip",
              "--sw-skip", "--exitfirst", "--maxfail", "--ignore", "--ignore-glob"}
#: options that leave out named tests only. A suite that always passes ``--deselect
#: tests/x.py::test_needs_network`` still runs as a whole: its runs are not subsets (their
#: coverage counts, their trends compare), and the named tests are reported as not run.
_NAMING = {"--deselect"}
#: short options that do: -k EXPR, -m EXPR, -x (also inside a cluster: -qx, -kfoo, -mslow).
_SHORT_SELECTING = frozenset("kmx")
#: short options that take a value, attached (-pno:cacheprovider, -n2, -rA) or next.
_SHORT_WITH_VALUE = frozenset("kmpncoWr")
#: long options whose value may be the next argument (so it is not a test path).
_WITH_VALUE = {"--deselect", "--maxfail", "--ignore", "--ignore-glob", "--rootdir", "--basetemp",
               "--confcutdir", "--junitxml", "--junit-xml", "--junit-prefix", "--tb", "--durations",
               "--durations-min", "--dist", "--numprocesses", "--maxprocesses", "--tx", "--cov",
               "--cov-report", "--cov-config", "--cov-fail-under", "--cov-context",
               "--log-level", "--log-cli-level", "--log-file", "--log-file-level",
               "--log-format", "--log-date-format", "--log-cli-format", "--import-mode",
               "--capture", "--color", "--code-highlight", "--timeout", "--timeout-method",
               "--override-ini", "--pythonwarnings", "--hypothesis-profile", "--hypothesis-seed",
               "--hypothesis-verbosity", "--count", "--reruns", "--reruns-delay",
               "--random-order-seed", "--random-order-bucket", "--asyncio-mode", "--pastebin",
               "--show-capture", "--verbosity", "--doctest-glob", "--doctest-report", "--assert"}
def is_partial(args: tuple[str, ...] | list[str]) -> bool:
    """Whether pytest arguments select part of the suite (paths, node ids, -k, -m, --lf, -x).

    Read the way pytest reads them: short flags may be clustered (``-qx``) and take their
    value attached (``-kslow``, ``-pno:cacheprovider``); ``--opt=value`` carries its own. An
    option tracker does not know may take the next argument as its value (``--capture no``,
    a plugin's ``--timeout 30``): that argument is a test path only if it looks like one
    (``tests/unit``, ``test_x.py``, a node id) or exists.
    """
    return any(True for _ in _selections(args))


def selection(args: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """What ``args`` choose of the suite, as a key: runs with equal keys ran the same tests
    (for the same code), so their figures compare like with like. ``()`` is the whole suite.

    Holds the test paths, the selecting options with their values (``-k``, ``-m``,
    ``--ignore``...) and ``--deselect`` ids, in order; output and plugin options are left out.
    """
    out: list[str] = []
    skip_next_as: str | None = None
    unknown_before = False
    for arg in args:
        if skip_next_as is not None:
            if skip_next_as:
                out.append(f"{skip_next_as}={arg}")
            skip_next_as = None
            continue
        was_unknown, unknown_before = unknown_before, False
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            chosen = name in _SELECTING or name in _NAMING
            if eq:
                if chosen:
                    out.append(arg)
            elif name in _WITH_VALUE:
                skip_next_as = name if chosen else ""
            else:
                if chosen:
                    out.append(name)
                unknown_before = arg != "--"
            continue
        if arg.startswith("-") and len(arg) > 1:
            for index, letter in enumerate(arg[1:], start=1):
                if letter in _SHORT_WITH_VALUE:
                    rest = arg[index + 1:]
                    if letter in _SHORT_SELECTING:
                        if rest:
                            out.append(f"-{letter}={rest}")
                        else:
                            skip_next_as = f"-{letter}"
                    elif not rest:
                        skip_next_as = ""
                    break
                if letter in _SHORT_SELECTING:
                    out.append(f"-{letter}")
            continue
        if not was_unknown or _looks_like_path(arg):
            out.append(arg)
    return tuple(out)


def _selections(args: tuple[str, ...] | list[str]) -> Iterator[int | None]:
    """Where ``args`` select tests: the index of each test path or node id, and None for
    each selecting option (-k, -m, -x, --lf, ...)."""
    skip = False
    unknown_before = False  #: the previous argument was an option tracker does not know
    for position, arg in enumerate(args):
        if skip:
            skip = False
            continue
        was_unknown, unknown_before = unknown_before, False
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            if name in _SELECTING:
                yield None
            elif not eq:
                skip = name in _WITH_VALUE
                unknown_before = not skip and arg != "--"
            continue
        if arg.startswith("-") and len(arg) > 1:
            for index, letter in enumerate(arg[1:], start=1):
                if letter in _SHORT_SELECTING:
                    yield None
                if letter in _SHORT_WITH_VALUE:
                    skip = index == len(arg) - 1  # nothing attached: the value comes next
                    break
            continue
        if not was_unknown or _looks_like_path(arg):
            yield position  # a file, folder or node id


def units(args: tuple[str, ...] | list[str]) -> list[tuple[str, ...]]:
    """``args`` as pytest reads them, one unit per argument: an option with the value it
    takes from the next argument (``("-k", "not slow")``, ``("--maxfail", "2")``), or one
    argument alone (a path, a flag, ``--opt=value``, ``-kslow``). Shards of one suite that
    differ only in a unit's value (``-k jwk`` and ``-k "not jwk"``) differ in the whole unit.
    """
    out: list[tuple[str, ...]] = []
    taking = False  #: the last unit is an option that may take the next argument
    known = False  #: ... and it is one that takes a value: the next is its value, whatever it is
    for arg in args:
        if taking:
            taking = False
            if known or not _looks_like_path(arg):
                out[-1] = (*out[-1], arg)
                continue
        out.append((arg,))
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            flag = name in _SELECTING | _NAMING and name not in _WITH_VALUE  # --lf, --sw
            if not eq and arg != "--" and not flag:
                taking, known = True, name in _WITH_VALUE
        elif arg.startswith("-") and len(arg) > 1:
            for index, letter in enumerate(arg[1:], start=1):
                if letter in _SHORT_WITH_VALUE:
                    taking = known = index == len(arg) - 1
                    break
    return out


def from_folder(args: list[str], cwd: Path, root: Path) -> list[str]:
    """``args`` typed in ``cwd`` for a pytest started in ``root``: test paths relative to
    ``cwd`` (``tracker run --plan ../../plan.yaml -- test_edges.py``) made relative to
    ``root``, as pytest would have found them from where they were typed."""
    if cwd.resolve() == root.resolve():
        return list(args)
    out = list(args)
    for position in _selections(args):
        if position is None:
            continue
        path, sep, rest = out[position].partition("::")
        typed = cwd / path
        if not os.path.isabs(path) and typed.exists():
            out[position] = os.path.relpath(typed.resolve(), root.resolve()).replace(
                os.sep, "/") + sep + rest
    return out


def _looks_like_path(arg: str) -> bool:
    """A test path or node id by its look, or an existing path."""
    return ("/" in arg or "::" in arg or arg.endswith(".py") or arg in (".", "..")
            or os.path.exists(arg))
