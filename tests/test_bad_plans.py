"""The corpus of broken plans in ``tests/bad_plans``: every one must be refused cleanly.

For each file, ``tracker check FILE`` (a real subprocess) must exit 2, print the problem as
``FILE:LINE:COL: message`` at the expected line, one line per problem, and never a traceback.
``tracker render`` is run on a handful of them too.

Each plan is copied into a fresh folder (a "repository" of its own) and checked from there, so
the name in the messages is the bare file name, relative links resolve inside that folder, and
a payload that ran (``!!python/object/apply:os.system``) would leave a file behind in it.

A bug found here is marked ``Case(bug=...)`` (an ``xfail(strict=True)``) until it is fixed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

BAD_PLANS = Path(__file__).parent / "bad_plans"
TIMEOUT = 60


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def tracker(*args: str, cwd: Path, timeout: float = TIMEOUT,
            preexec_fn: Callable[[], None] | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args], cwd=cwd, capture_output=True,
        timeout=timeout, preexec_fn=preexec_fn,
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"))


def link_outside(name: str) -> Callable[[Path], None]:
    """A setup that makes ``tests/<name>`` a symlink to a folder outside the repository."""

    def setup(repo: Path) -> None:
        outside = repo.parent / "outside"
        outside.mkdir()
        (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
        (repo / "tests").mkdir()
        try:
            (repo / "tests" / name).symlink_to(outside, target_is_directory=True)
        except (OSError, NotImplementedError) as exc:  # Windows without the privilege
            pytest.skip(f"cannot create a symlink here: {exc}")

    return setup


@dataclass(frozen=True)
class Case:
    file: str
    line: int  #: where the (first relevant) problem must be reported
    fragment: str  #: part of the message expected on that line
    bug: str | None = None  #: why line or message are wrong today (xfail)
    setup: Callable[[Path], None] | None = None  #: prepares the repository around the plan
    render: bool = False  #: also run `tracker render` on it

    def param(self, *, for_line: bool) -> pytest.ParameterSet:
        marks = ([pytest.mark.xfail(strict=True, reason=self.bug)]
                 if self.bug and for_line else [])
        return pytest.param(self, id=self.file, marks=marks)


#: file → expected line and message fragment; the one table of this test.
CASES = [
    # YAML syntax
    Case("syntax_unclosed_bracket.yaml", 11, "line 10"),
    Case("syntax_bad_indentation.yaml", 10, "invalid YAML"),
    Case("syntax_unclosed_quote.yaml", 2, "quoted scalar", render=True),
    Case("tab_indentation.yaml", 8, "tab character", render=True),
    Case("multi_document.yaml", 4, "document"),
    Case("undefined_alias.yaml", 4, "undefined alias"),
    Case("dup_anchor.yaml", 5, "line 4"),
    Case("complex_key.yaml", 4, "keys must be plain words"),
    Case("deep_nesting.yaml", 4, "nest"),
    Case("control_char.yaml", 3, "control character"),
    # wrong types
    Case("type_title_list.yaml", 3, "must be text, not a list"),
    Case("type_phases_mapping.yaml", 5, "must be a list"),
    Case("type_items_string.yaml", 7, "must be a list"),
    Case("type_min_tests_text.yaml", 11, "must be a whole number"),
    Case("type_due_number.yaml", 10, "YYYY-MM-DD"),
    Case("top_level_list.yaml", 1, "must be a mapping"),
    Case("target_coverage_range.yaml", 12, "between 0 and 100"),
    # duplicates
    Case("dup_key_top.yaml", 4, "duplicate key 'title' (first at line 2)"),
    Case("dup_key_item.yaml", 11, "duplicate key 'text' (first at line 9)"),
    Case("dup_id_items.yaml", 10, "duplicate id 'a' (first used at line 8)", render=True),
    Case("dup_id_item_phase.yaml", 8, "duplicate id 'setup' (first used at line 5)"),
    Case("id_with_space.yaml", 8, "may hold only"),
    # dates
    Case("date_feb30.yaml", 3, "impossible date '2026-02-30'"),
    Case("date_month13.yaml", 7, "impossible date '2026-13-01'"),
    Case("date_next_week.yaml", 10, "'next week'"),
    Case("date_datetime.yaml", 3, "not a date and time"),
    Case("phase_due_before_start.yaml", 8, "before it starts"),
    Case("review_before_created.yaml", 5, "before the plan was created"),
    Case("weeks_without_created.yaml", 4, "no 'created' date"),
    Case("date_far_future.yaml", 3, "outside the days tracker counts with", render=True),
    Case("date_year_one.yaml", 3, "outside the days tracker counts with", render=True),
    Case("weeks_huge.yaml", 7, "run past week 520", render=True),
    Case("every_huge.yaml", 6, "longer than ten years"),
    # nothing to read, or not text
    Case("empty.yaml", 1, "empty", render=True),
    Case("whitespace_only.yaml", 1, "empty"),
    Case("comment_only.yaml", 1, "empty"),
    Case("null_document.yaml", 1, "empty", render=True),
    Case("latin1_title.yaml", 2, "byte 0xe9 is not valid UTF-8"),
    Case("utf16_bom.yaml", 1, "UTF-16", render=True),
    Case("binary_image.png", 3, "binary", render=True),
    Case("binary_nul.yaml", 3, "binary"),
    # unsafe YAML
    Case("tag_python_object.yaml", 4, "tag '!!python/object:collections.OrderedDict'"),
    Case("tag_os_system.yaml", 4, "tag '!!python/object/apply:os.system'", render=True),
    Case("alias_bomb.yaml", 4, "alias bomb"),
    Case("alias_recursive.yaml", 5, "an alias refers to the mapping or list that contains it"),
    Case("merge_scalar.yaml", 5, "'<<' must merge a mapping"),
    Case("merge_bomb.yaml", 3, "alias bomb"),
    # unknown keys
    Case("unknown_key_titel.yaml", 2, "did you mean 'title'?"),
    Case("unknown_key_test_in_item.yaml", 10, "did you mean 'tests'?"),
    Case("unknown_key_coverage_in_expect.yaml", 10,
         "did you mean 'own_coverage' or 'target_coverage'?"),
    # links leaving the repository
    Case("link_dotdot.yaml", 11, "outside the repository", render=True),
    Case("link_absolute.yaml", 11, "absolute path"),
    Case("symlink_outside.yaml", 11, "resolves outside the repository",
         setup=link_outside("evil"), render=True),
    Case("symlink_target.yaml", 12, "resolves outside the repository",
         setup=link_outside("evil")),
    # globs pathlib cannot match
    Case("glob_double_star.yaml", 11, "write 'tests/**/*.py'", render=True),
    Case("glob_target_stars.yaml", 12, "write 'src/**/*'", render=True),
    # values of the plan's small languages
    Case("version_2.yaml", 1, "format version 2"),
    Case("status_unknown.yaml", 10, "unknown status 'finished'"),
    Case("every_fortnight.yaml", 6, "'fortnight'"),
    Case("regex_invalid.yaml", 12, "invalid regular expression"),
    Case("regex_overflow.yaml", 12, "repetition count", render=True),
    Case("keyword_invalid.yaml", 11, "keyword expression"),
    Case("measure_unknown.yaml", 7, "unknown measure 'coverage.totl'"),
    Case("target_unreadable.yaml", 8, "cannot read target 'at least eighty'"),
]

_RESULTS: dict[tuple[str, str], tuple[Run, Path]] = {}


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_plans")


def run_case(case: Case, command: str, workdir: Path) -> tuple[Run, Path]:
    """Run ``tracker COMMAND FILE`` once per worker on a private copy of the case."""
    key = (case.file, command)
    if key not in _RESULTS:
        repo = workdir / f"{command}-{case.file}" / "repo"
        repo.mkdir(parents=True)
        shutil.copyfile(BAD_PLANS / case.file, repo / case.file)
        if case.setup is not None:
            case.setup(repo)
        args = [command, case.file] + (["--today", "2026-01-10"] if command == "render" else [])
        _RESULTS[key] = (tracker(*args, cwd=repo), repo)
    return _RESULTS[key]


def assert_refused(run: Run, repo: Path) -> None:
    assert run.code == 2, f"exit {run.code}\n{run.stderr}"
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert not (repo / "PWNED").exists(), "a YAML tag ran code"


def assert_reported(run: Run, case: Case) -> None:
    prefix = f"{case.file}:{case.line}:"
    at_line = [line for line in run.stderr.splitlines() if line.startswith(prefix)]
    assert at_line, f"nothing reported at {prefix}\n{run.stderr}"
    assert any(case.fragment in line for line in at_line), (
        f"{case.fragment!r} not in the problems at {prefix}\n{run.stderr}")


def test_corpus_is_large_and_every_file_is_in_the_table() -> None:
    files = {p.name for p in BAD_PLANS.iterdir() if not p.name.startswith(".")}
    listed = [c.file for c in CASES]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert files - {"README.md"} == set(listed)
    assert len(listed) >= 30


@pytest.mark.parametrize("case", [c.param(for_line=False) for c in CASES])
def test_check_refuses_cleanly(case: Case, workdir: Path) -> None:
    run, repo = run_case(case, "check", workdir)
    assert_refused(run, repo)
    assert run.stdout == ""


@pytest.mark.parametrize("case", [c.param(for_line=True) for c in CASES])
def test_check_reports_line_and_message(case: Case, workdir: Path) -> None:
    run, _ = run_case(case, "check", workdir)
    assert_reported(run, case)
    problems = run.stderr.splitlines()
    strays = [line for line in problems if case.file not in line]
    assert not strays, f"one line per problem, each naming the file:\n{run.stderr}"


@pytest.mark.parametrize("case", [c.param(for_line=True) for c in CASES if c.render])
def test_render_refuses_cleanly(case: Case, workdir: Path) -> None:
    run, repo = run_case(case, "render", workdir)
    assert_refused(run, repo)
    assert run.stdout == "", "no partial document on stdout"
    assert_reported(run, case)


# -- the plan path itself is unusable ----------------------------------------------------------

def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("path, fragment", [
    pytest.param("missing.yaml", "no such file", id="missing"),
    pytest.param(".", "is a directory", id="directory"),
    pytest.param("/dev/zero", "not a regular file", id="dev-zero", marks=[
        pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /dev/zero"),
    ]),
])
def test_unusable_plan_path(path: str, fragment: str, tmp_path: Path) -> None:
    run = tracker("check", path, cwd=tmp_path, timeout=30, preexec_fn=_limit_memory
                  if sys.platform.startswith("linux") else None)
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert f"{path}:1:" in run.stderr
    assert fragment in run.stderr


# -- valid plans: warnings only, and plans the loader must accept ------------------------------

WARNINGS_ONLY = """\
version: 1
title: Warnings only
created: 2026-01-05
phases:
  - id: p1
    title: Phase one
    items:
      - id: a
        text: Item a
        tests:
          - tests/test_missing.py
"""


def test_warnings_only_exit_0_or_1_with_strict(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(WARNINGS_ONLY, encoding="utf-8")
    plain = tracker("check", "plan.yaml", cwd=tmp_path)
    assert plain.code == 0, plain.stderr
    assert "plan.yaml:11:" in plain.stderr
    assert "warning" in plain.stderr and "tests/test_missing.py" in plain.stderr
    assert "ok" in plain.stdout
    strict = tracker("check", "--strict", "plan.yaml", cwd=tmp_path)
    assert strict.code == 1, strict.stderr
    assert "plan.yaml:11:" in strict.stderr
    for run in (plain, strict):
        assert "Traceback" not in run.stdout + run.stderr


def test_target_warning_is_at_the_target_line(tmp_path: Path) -> None:
    plan = WARNINGS_ONLY.replace("tests:\n          - tests/test_missing.py",
                                 "targets:\n          - src/missing.py")
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    run = tracker("check", "--strict", "plan.yaml", cwd=tmp_path)
    assert run.code == 1, run.stderr
    assert any(line.startswith("plan.yaml:11:") and "src/missing.py" in line
               for line in run.stderr.splitlines()), run.stderr


def test_nested_merge_keys_are_flattened(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("""\
version: 1
title: Merge keys
created: 2026-01-05
phases:
  - id: p1
    title: Phase one
    items:
      - &base {id: a, text: Item a, owner: alice}
      - &late {<<: *base, id: b, due: 2026-03-01}
      - {<<: *late, id: c}
""", encoding="utf-8")
    run = tracker("check", "plan.yaml", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "3 items" in run.stdout


def test_symlinked_test_file_outside_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "test_secret.py").write_text("def test_secret_outside():\n    pass\n",
                                            encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "tests").mkdir(parents=True)
    try:
        (repo / "tests" / "test_link.py").symlink_to(outside / "test_secret.py")
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"cannot create a symlink here: {exc}")
    (repo / "plan.yaml").write_text(WARNINGS_ONLY.replace("tests/test_missing.py",
                                                          "{keyword: secret}"),
                                    encoding="utf-8")
    run = tracker("check", "--strict", "plan.yaml", cwd=repo)
    assert "Traceback" not in run.stdout + run.stderr
    assert run.code != 0, "a test outside the repository was linked"
    assert "plan.yaml:11:" in run.stderr
