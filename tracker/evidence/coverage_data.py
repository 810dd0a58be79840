"""Where coverage.py should measure, and what it measured, through its public API.

Projects keep their coverage source in different places: coverage.py's own config files,
pytest-cov options on the command line (many CI scripts say ``--cov=src`` and nothing else),
or nowhere. We honour them in that order of explicitness and never measure the tests
themselves by accident. Results are read with ``Coverage.json_report`` (the supported way to
get per-file statements and branches), never with SQL against ``.coverage``.
"""

from __future__ import annotations

import configparser
import glob
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.evidence.traced_lines import TestFileLines, statements_only
from tracker.evidence.traced_lines import relative as _relative

if TYPE_CHECKING:  # imported where data is read: ``tracker run`` decides its settings
    # before pytest starts, and reads the data only after, off the path to the start
    from tracker.evidence.results import FileCoverage

#: pytest-cov options that take a value (``--cov-report=x`` or ``--cov-report x``).
_COV_VALUE_OPTIONS = ("--cov-report", "--cov-config", "--cov-fail-under", "--cov-context")
_COV_FLAGS = ("--cov-branch", "--no-cov", "--cov-append", "--no-cov-on-fail", "--cov-reset")
_SKIP_DIRS = {"tests", "test", "testing", "docs", "doc", "benchmarks", "examples", "scripts",
              "build", "dist", "site-packages", "node_modules"}


class CoverageError(Exception):
    """Coverage data or a report that cannot be read."""


@dataclass(frozen=True)
class CoverageSettings:
    """What to measure and why: ``origin`` says which setting decided it."""

    source: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()
    config_file: str | bool = True  #: True: coverage.py finds the project's own config
    origin: str = "default"


@dataclass(frozen=True)
class PytestCovArgs:
    """pytest-cov options pulled out of pytest arguments."""

    sources: tuple[str, ...]
    config_file: str | None
    remaining: tuple[str, ...]
    seen: bool  #: any pytest-cov option was given


def split_pytest_cov(args: list[str] | tuple[str, ...]) -> PytestCovArgs:
    """Remove pytest-cov options from ``args``, keeping their sources and config file.

    ``tracker run`` measures coverage itself; letting pytest-cov measure too would run two
    tracers and write a second data file.
    """
    sources: list[str] = []
    config: str | None = None
    remaining: list[str] = []
    seen = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            remaining.extend(args[i:])
            break
        if arg == "--cov" or arg.startswith("--cov="):
            seen = True
            if "=" in arg:
                value = arg.split("=", 1)[1]
            elif i + 1 < len(args) and not args[i + 1].startswith("-") and (
                    Path(args[i + 1]).suffix != ".py" and "::" not in args[i + 1]):
                i += 1
                value = args[i]
            else:
                value = "."
            sources.extend(v for v in value.split(",") if v)
        elif any(arg == o or arg.startswith(o + "=") for o in _COV_VALUE_OPTIONS):
            seen = True
            name, _, value = arg.partition("=")
            if not value and i + 1 < len(args):
                i += 1
                value = args[i]
            if name == "--cov-config":
                config = value
        elif arg in _COV_FLAGS:
            seen = True
        else:
            remaining.append(arg)
        i += 1
    return PytestCovArgs(tuple(dict.fromkeys(sources)), config, tuple(remaining), seen)


def project_coverage_source(root: Path) -> str | None:
    """The config file in which the project names its coverage source, if any."""
    candidates: list[tuple[str, str]] = [(".coveragerc", "run"), ("setup.cfg", "coverage:run"),
                                         ("tox.ini", "coverage:run")]
    for name, section in candidates:
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        if parser.has_section(section) and (parser.has_option(section, "source")
                                            or parser.has_option(section, "include")):
            return name
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            run = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get(
                "coverage", {}).get("run", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            run = {}
        if isinstance(run, dict) and ("source" in run or "include" in run):
            return "pyproject.toml"
    return None


def guess_source(root: Path) -> tuple[str, ...]:
    """The project's code when nothing says: ``src/``, else its top-level packages."""
    if (root / "src").is_dir():
        return ("src",)
    packages = sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in _SKIP_DIRS
        and (p / "__init__.py").is_file()
    )
    modules = sorted(p.name for p in root.glob("*.py")
                     if p.name not in ("setup.py", "conftest.py", "noxfile.py")
                     and not p.name.startswith("test"))
    return tuple(packages + modules) or (".",)


def omit_tests(root: Path, testpaths: tuple[str, ...],
               python_files: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Patterns that keep test files out of the measurement (the project's own
    ``python_files`` patterns too, such as ``check_*.py``)."""
    omit = ["*/test_*.py", "*/*_test.py", "*/conftest.py", "*/tests/*"]
    omit.extend(f"*/{p}" for p in python_files if "/" not in p)
    omit.extend(f"{(root / p).as_posix()}/*" for p in testpaths)
    return tuple(dict.fromkeys(omit))


def resolve_settings(root: Path, plan_source: tuple[str, ...], plan_omit: tuple[str, ...],
                     cov_args: PytestCovArgs, testpaths: tuple[str, ...],
                     python_files: tuple[str, ...] = ()) -> CoverageSettings:
    """Decide what to measure: ``--cov`` > plan.yaml > the project's coverage config > guess."""
    omit = omit_tests(root, testpaths, python_files)
    config: str | bool = cov_args.config_file or True
    if cov_args.sources:
        return CoverageSettings(cov_args.sources, omit + plan_omit, config, "--cov")
    if plan_source:
        return CoverageSettings(plan_source, omit + plan_omit, config, "plan.yaml")
    configured = project_coverage_source(root)
    if configured:
        return CoverageSettings((), plan_omit, config, configured)
    return CoverageSettings(guess_source(root), omit + plan_omit, config, "default")


def parse_coverage_json(data: Any, root: Path) -> tuple[FileCoverage, ...]:
    """Per-file coverage from coverage.py's JSON report (``coverage json``), the missing
    branch arcs included (listed by reports with branch coverage), so that the coverage of
    shards can later be combined exactly."""
    from tracker.evidence.results import FileCoverage

    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise CoverageError("not a coverage.py JSON report (no 'files' mapping)")
    out = []
    for name, entry in sorted(data["files"].items()):
        try:
            summary = entry["summary"]
            missing = tuple(int(n) for n in entry.get("missing_lines", ()))
            arcs = tuple(sorted((int(a), int(b)) for a, b in entry.get("missing_branches", ())))
            out.append(FileCoverage(
                path=_relative(name, root),
                statements=int(summary["num_statements"]),
                missing=missing,
                branches=int(summary.get("num_branches", 0)),
                missing_branches=int(summary.get("missing_branches", 0)),
                missing_arcs=arcs,
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise CoverageError(f"file entry {name!r} has an unknown shape ({exc})") from exc
    return tuple(out)


def parallel_parts(data_file: Path) -> list[Path]:
    """The parallel parts of a data file (``NAME.*``, as ``parallel = true`` writes them
    until ``coverage combine``), sorted."""
    return [p for p in sorted(data_file.parent.glob(glob.escape(data_file.name) + ".*"))
            if p.is_file()]


def read_data_files(data_files: list[Path], root: Path,
                    settings: CoverageSettings | None = None) -> tuple[FileCoverage, ...]:
    """Several coverage.py data files (shards' ``.coverage``, each with its parallel parts),
    combined by coverage.py's own combine and analysed as one: a line is covered when any
    shard ran it. The user's files are only read, as in :func:`read_data_file`."""
    return read_data_file(data_files[0], root, settings, also=data_files[1:])


def read_data_file(data_file: Path, root: Path, settings: CoverageSettings | None = None,
                   *, own: bool = False, measured_only: bool = False,
                   also: list[Path] | None = None) -> tuple[FileCoverage, ...]:
    """See :func:`_read_data`, which this is without the test files' lines."""
    return _read_data(data_file, root, settings, own=own, measured_only=measured_only,
                      also=also)[0]


def read_run_data(data_file: Path, root: Path, settings: CoverageSettings, *,
                  measured_only: bool, test_files: set[str] | None
                  ) -> tuple[tuple[FileCoverage, ...], TestFileLines]:
    """``tracker run``'s own data file, read once: its per-file values as
    :func:`read_data_file` with ``own``, and with ``test_files`` also which lines each of
    them ran, as :func:`read_test_file_lines` (from the same opened data, not a second
    read of the file after pytest has exited, when the user is waiting)."""
    return _read_data(data_file, root, settings, own=True, measured_only=measured_only,
                      test_files=test_files)


def _read_data(data_file: Path, root: Path, settings: CoverageSettings | None = None,
               *, own: bool = False, measured_only: bool = False,
               also: list[Path] | None = None, test_files: set[str] | None = None
               ) -> tuple[tuple[FileCoverage, ...], TestFileLines]:
    """Analyse a coverage.py data file and its parallel parts (``NAME.*``) into per-file values.

    The user's files are only read: they are combined in a temporary folder, since they may be
    the user's own (``tracker ingest --coverage .coverage`` must neither consume ``.coverage.*``
    nor rewrite ``.coverage``). With ``own``, the files are tracker's scratch files of one run
    (``tracker run``), combined where they are, and a single part is taken as it is: no copies.
    With ``measured_only``, only files that ran are analysed, not every file of the source
    that never ran: what a subset run needs, since a whole run's coverage is the one that
    counts (a project of a thousand modules would otherwise be parsed for fifteen tests).
    ``also``: more data files (and their parts) to combine with it, never ``own``.
    """
    import json
    import shutil
    import tempfile
    import warnings

    import coverage
    from coverage.exceptions import CoverageException, CoverageWarning, NoDataError

    settings = settings or CoverageSettings(config_file=True)
    cwd = os.getcwd()
    parts = parallel_parts(data_file)
    assert not (own and also), "tracker's own scratch files are one run's"
    for other in also or ():
        if not other.is_file() and not parallel_parts(other):
            raise CoverageError(f"{other}: no such file, nor parallel parts ({other.name}.*)")
        if other.is_file():
            parts.append(other)
        parts.extend(parallel_parts(other))
    copies: dict[str, str] = {}

    def said(exc: BaseException) -> str:  # name the user's files, not our copies
        text = str(exc)
        for copy, original in copies.items():
            text = text.replace(copy, original)
        return text

    try:
        with tempfile.TemporaryDirectory() as tmp:
            if own:
                base = str(data_file)
                if not data_file.exists() and len(parts) == 1:
                    os.replace(parts.pop(), base)  # one process measured: nothing to combine
                combine = [str(p) for p in parts]
            else:
                base = os.path.join(tmp, "data")
                if data_file.is_file():
                    shutil.copyfile(data_file, base)
                    copies[base] = str(data_file)
                for n, part in enumerate(parts):
                    copies[f"{base}.{n}"] = str(part)
                    shutil.copyfile(part, f"{base}.{n}")
                combine = [p for p in copies if p != base]
            os.chdir(root)  # coverage resolves relative sources and config against the cwd
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=CoverageWarning)  # we say it better
                cov = coverage.Coverage(data_file=base, config_file=settings.config_file,
                                        source=list(settings.source) or None,
                                        omit=list(settings.omit) or None)
                cov.load()  # the file's own data first: combining alone would replace it
                if combine:
                    cov.combine(combine, keep=True)
                    cov.save()
                out = os.path.join(tmp, "report.json")
                data = cov.get_data()
                morfs = sorted(data.measured_files()) if measured_only else None
                try:
                    cov.json_report(morfs=morfs, outfile=out, ignore_errors=True)
                except NoDataError:
                    return (), {}
            with open(out, "rb") as handle:
                report = json.load(handle)
            measured = parse_coverage_json(report, root)
            if own:  # a test's own subprocesses (pytester, sample projects in a temporary
                # folder) are not the project's code
                measured = tuple(f for f in measured if _inside(f.path))
            lines = (statements_only(_file_lines(data, root, measured, test_files),
                                     report, cov, data, root)
                     if test_files is not None else {})
    except CoverageException as exc:
        raise CoverageError(said(exc)) from exc
    except CoverageError:  # ours, already said
        raise
    except OSError as exc:
        raise CoverageError(f"cannot read it ({exc.strerror or exc})") from exc
    except Exception as exc:  # coverage raises sqlite3 errors for foreign files
        raise CoverageError(f"not a coverage.py data file ({said(exc)})") from exc
    finally:
        os.chdir(cwd)
    return measured, lines


def _inside(path: str) -> bool:
    """Whether a path :func:`_relative` gave is under the project's root."""
    return not (path.startswith("/") or path.startswith("../") or path == ".."
                or (len(path) > 1 and path[1] == ":"))


def read_test_file_lines(data_file: Path, root: Path, measured: tuple[FileCoverage, ...],
                         test_files: set[str]) -> TestFileLines:
    """Which lines each test file ran, from the contexts of a combined data file that
    ``tracker run`` recorded (:mod:`tracker.evidence.test_contexts`): by test file, then by
    measured source file (only those in ``measured``, the files the run reports), sorted line
    numbers. Empty when the data holds no test file's context. The key ``""`` holds the
    lines run outside any test: while pytest collected (imported) the test modules, which
    run every module's top level (``def``, ``class``, imports) before any test starts.
    Only the contexts of ``test_files`` (the files whose tests ran) are read: contexts of
    another origin (a project's own ``dynamic_context``) leave the result empty.
    """
    import coverage
    from coverage.exceptions import CoverageException

    try:
        data = coverage.CoverageData(basename=str(data_file))
        data.read()
        return _file_lines(data, root, measured, test_files)
    except CoverageException as exc:
        raise CoverageError(str(exc)) from exc
    except CoverageError:
        raise
    except Exception as exc:  # sqlite3 errors for a damaged file
        raise CoverageError(f"its contexts cannot be read ({exc})") from exc


def _file_lines(data: Any, root: Path, measured: tuple[FileCoverage, ...],
                test_files: set[str]) -> TestFileLines:
    """:func:`read_test_file_lines` from opened data (a ``CoverageData``)."""
    try:
        if not (data.measured_contexts() & test_files):
            return {}
        kept = {f.path for f in measured}
        found: dict[str, dict[str, list[int]]] = {}
        for name in sorted(data.measured_files()):
            path = _relative(name, root)
            if path not in kept:
                continue
            # A run pays for this after pytest exits, with tens of thousands of (line,
            # context) pairs: one list per context of this file, each line appended once
            # (a line is one key of contexts_by_lineno), filtered per context, not per pair.
            by_context: dict[str, list[int]] = {}
            for line, contexts in data.contexts_by_lineno(name).items():
                for context in contexts:
                    lines = by_context.get(context)
                    if lines is None:
                        by_context[context] = [line]
                    else:
                        lines.append(line)
            for context, lines in by_context.items():
                if context in test_files or not context:
                    found.setdefault(context, {})[path] = lines
    except Exception as exc:  # sqlite3 errors for a damaged file; coverage's own
        raise CoverageError(f"its contexts cannot be read ({exc})") from exc
    return {test: {path: tuple(sorted(set(lines))) for path, lines in sorted(files.items())}
            for test, files in sorted(found.items())}
