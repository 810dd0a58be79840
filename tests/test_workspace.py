"""Resolving links against real files: paths, globs, node ids, markers, -k, plan markers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker.evidence.keyword import KeywordError, haystack, parse_keyword
from tracker.evidence.pytest_config import read_pytest_config
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import write

TESTS = """
import pytest
from pytest import mark

pytestmark = [pytest.mark.network]

@pytest.mark.timeout
def test_timeout_retries():
    assert True

@pytest.mark.plan("props")
@pytest.mark.parametrize("x", [1, 2, 3])
def test_prop(x):
    assert x

class TestRetry:
    pytestmark = mark.slow

    def test_retry_once(self, benchmark):
        assert benchmark

    async def test_retry_async(self):
        assert True

class TestWithInit:
    def __init__(self):
        pass

    def test_never_collected(self):
        assert False

def helper():
    pass
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, "tests/test_client.py", TESTS)
    write(tmp_path, "tests/unit/test_small.py", "def test_a():\n    assert 1\n")
    write(tmp_path, "tests/unit/helpers.py", "def test_not_a_test_file():\n    pass\n")
    write(tmp_path, "requirements.txt", "pytest-asyncio>=0.21\n")
    write(tmp_path, "src/client.py", "X = 1\n")
    return tmp_path


def plan_with(root: Path, items: str) -> Path:
    return write(root, "plan.yaml", "title: T\nphases:\n  - id: p\n    title: P\n    items:\n"
                 + items)


def evidence(root: Path, items: str):
    result = load_plan(plan_with(root, items))
    assert result.errors == [], result.errors
    assert result.plan is not None
    return gather_workspace(result.plan, root)


def test_each_kind_of_link_resolves(repo):
    ws = evidence(repo, """
      - id: a
        text: A
        tests:
          - tests/test_client.py::test_timeout_retries
          - tests/test_client.py::TestRetry
          - tests/unit
          - "tests/**/test_*.py"
          - {marker: slow}
          - {marker: network}
          - {keyword: "retry and not async"}
          - {fixture: benchmark}
          - tests/test_client.py::test_prop[2]
""")
    links = ws.items["a"].links
    got = [link.tests for link in links]
    base = "tests/test_client.py::"
    assert got[0] == (base + "test_timeout_retries",)
    assert got[1] == (base + "TestRetry::test_retry_once", base + "TestRetry::test_retry_async")
    assert got[2] == ("tests/unit/test_small.py::test_a",)
    assert len(got[3]) == 5
    assert set(got[4]) == {base + "TestRetry::test_retry_once",
                           base + "TestRetry::test_retry_async"}
    assert len(got[5]) == 4, "module-level pytestmark applies to every test"
    assert got[6] == (base + "TestRetry::test_retry_once",)
    assert got[7] == (base + "TestRetry::test_retry_once",)
    assert got[8] == (base + "test_prop[2]",)
    assert all(link.resolved for link in links)
    assert [p.location.path for p in ws.problems] == ["tests/test_client.py"], "plan('props')"


def test_links_that_match_nothing_are_warnings_with_reasons(repo):
    ws = evidence(repo, """
      - id: a
        text: A
        tests:
          - tests/test_missing.py
          - tests/test_client.py::test_nope
          - tests/test_client.py::test_timeout_retries[1]
          - {marker: hypothesis}
          - "tests/**/nothing_*.py"
""")
    reasons = [link.problem for link in ws.items["a"].links]
    assert reasons == ["no such file or directory",
                       "tests/test_client.py has no test 'test_nope'",
                       "test_timeout_retries is not parametrized, so [1] cannot exist",
                       "no test is marked 'hypothesis'",
                       "no file matches the glob"]
    mine = [p for p in ws.problems if p.location.path.endswith("plan.yaml")]
    assert [p.location.line for p in mine] == [10, 11, 12, 13, 14]
    assert all(p.severity.value == "warning" for p in mine)


def test_plan_marker_links_from_the_test_side(repo):
    ws = evidence(repo, "      - {id: props, text: Properties}\n")
    assert ws.items["props"].marked == ("tests/test_client.py::test_prop",)
    assert ws.tests["tests/test_client.py::test_prop"].cases == 3


def test_plan_marker_naming_an_unknown_item_is_reported(repo):
    ws = evidence(repo, "      - {id: other, text: Other}\n")
    assert len(ws.problems) == 1
    problem = ws.problems[0]
    assert problem.location.path == "tests/test_client.py"
    assert "plan('props') names no item" in problem.message


def test_file_checks(repo):
    ws = evidence(repo, """
      - id: a
        text: A
        files:
          - {file: requirements.txt, contains: pytest-asyncio}
          - {file: requirements.txt, lacks: "pytest-asyncio>=0\\\\.2", regex: true}
          - {path: tests/unit}
          - {absent: tests/old.py}
          - {glob: "tests/**/test_*.py", min_files: 3}
          - {file: missing.txt, contains: x}
""")
    results = [(c.ok, c.detail) for c in ws.items["a"].checks]
    assert results == [(True, "found"), (False, "still present"), (True, "exists"),
                       (True, "absent"), (False, "2 of 3 files match"), (False, "file missing")]


def test_symlink_out_of_the_repository_is_an_error(repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside, "test_secret.py", "def test_x():\n    pass\n")
    os.symlink(outside, repo / "tests" / "evil")
    ws = evidence(repo, "      - {id: a, text: A, tests: [tests/evil/test_secret.py]}\n")
    assert not ws.items["a"].links[0].resolved
    errors = [p for p in ws.problems if p.severity.value == "error"]
    assert errors and "outside the repository" in errors[0].message


def test_syntax_error_in_a_linked_test_file_is_reported(repo):
    write(repo, "tests/test_broken.py", "def test_x(:\n    pass\n")
    ws = evidence(repo, "      - {id: a, text: A, tests: [tests/test_broken.py]}\n")
    assert "tests/test_broken.py:1 has a syntax error" in ws.items["a"].links[0].problem


def test_pytest_config_decides_test_files(repo):
    write(repo, "pytest.ini", "[pytest]\npython_files = check_*.py\ntestpaths = tests\n"
                              "addopts = -m 'not slow' --import-mode=importlib\n")
    write(repo, "tests/check_more.py", "import pytest\n@pytest.mark.slow\ndef test_c():\n"
                                      "    pass\n")
    config = read_pytest_config(repo)
    assert config.python_files == ("check_*.py",)
    assert config.addopts == ("-m", "not slow", "--import-mode=importlib")
    ws = evidence(repo, "      - {id: a, text: A, tests: [{marker: slow}]}\n")
    assert ws.items["a"].links[0].tests == ("tests/check_more.py::test_c",)


def test_pyproject_config(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["t"]\n'
                                     'python_functions = ["check_", "test_"]\n')
    config = read_pytest_config(tmp_path)
    assert config.testpaths == ("t",) and config.python_functions == ("check_", "test_")


@pytest.mark.parametrize(("expr", "names", "expected"), [
    ("retry", ["test_retry_once"], True),
    ("RETRY", ["test_retry_once"], True),
    ("retry and not slow", ["test_retry", "slow"], False),
    ("(a or b) and not c", ["xb"], True),
    ("not (a or b)", ["xb"], False),
    ("test_x[1-2]", ["test_x[1-2]"], True),
    ("retry", ["test_re", "try"], False),  # a name ends where the next begins
    ("a or b or c", ["c"], True),
    ("a and b and c", ["ab", "C"], True),
])
def test_keyword_expressions(expr, names, expected):
    assert parse_keyword(expr)(haystack(names)) is expected


@pytest.mark.parametrize("expr", ["", "a and", "(a", "a b", "and", "a $ b"])
def test_bad_keyword_expressions(expr):
    with pytest.raises(KeywordError):
        parse_keyword(expr)
