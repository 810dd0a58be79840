"""Resolving links against real files: paths, globs, node ids, markers, -k, plan markers."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tracker.evidence.fileindex import FileIndex
from tracker.evidence.keyword import KeywordError, haystack, parse_keyword
from tracker.evidence.pytest_config import PytestConfig, read_pytest_config
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
    assert not [p for p in ws.problems if p.location.path.endswith("plan.yaml")], \
        "whether a link matches nothing is for assess to say: a run may show its tests"
    import datetime as dt

    from tracker.assess import assess
    from tracker.evidence.bundle import Evidence

    plan = load_plan(repo / "plan.yaml").plan
    assert plan is not None
    judged = assess(plan, Evidence(workspace=ws), dt.date(2026, 3, 20))
    mine = judged.unmatched
    assert [p.location.line for p in mine] == [10, 11, 12, 13, 14]
    assert all(p.severity.value == "warning" for p in mine)
    assert [str(p).split(": ", 2)[-1] for p in mine] == [
        f"test link {str(link.link)!r} matches nothing: {link.problem}"
        for link in ws.items["a"].links]


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


UNITTESTS = """
import unittest

import pytest


@pytest.mark.plan("shared")
class ClientContract:
    def test_get(self):
        pass


class ClientCase(ClientContract, unittest.TestCase):
    def test_post(self):
        pass


class TestHttpClient(ClientContract):
    pass


class TestOff(ClientContract):
    __test__ = False
"""


def test_unittest_classes_and_inherited_tests_are_linked(repo):
    write(repo, "tests/test_http.py", UNITTESTS)
    ws = evidence(repo, """
      - id: shared
        text: Shared
        tests:
          - tests/test_http.py::ClientCase
          - {keyword: "HttpClient"}
          - tests/test_http.py
""")
    base = "tests/test_http.py::"
    links = [link.tests for link in ws.items["shared"].links]
    assert links[0] == (base + "ClientCase::test_get", base + "ClientCase::test_post")
    assert links[1] == (base + "TestHttpClient::test_get",)
    assert len(links[2]) == 3
    # a base class's marks apply to every test of its subclasses, their own ones too
    assert ws.items["shared"].marked == (base + "ClientCase::test_get",
                                         base + "ClientCase::test_post",
                                         base + "TestHttpClient::test_get")
    assert [p.location.path for p in ws.problems] == ["tests/test_client.py"], "plan('props')"


def test_a_file_whose_classes_inherit_tests_from_another_file_says_so(repo):
    """pallets' test suites subclass a test class imported from a sibling test file; the
    scan of one file cannot see those tests, and must not claim the file holds none."""
    write(repo, "tests/test_base.py", "class TestSigner:\n    def test_sign(self):\n"
                                      "        assert 1\n")
    write(repo, "tests/test_url.py", "from test_base import TestSigner as Base\n\n"
                                     "class TestURLSigner(Base):\n    pass\n\n"
                                     "class Helper(Base):\n    pass\n")
    write(repo, "tests/test_empty.py", "X = 1\n")
    ws = evidence(repo, """
      - {id: url, text: URL, tests: [tests/test_url.py]}
      - {id: empty, text: Empty, tests: [tests/test_empty.py]}
""")
    assert ws.items["url"].links[0].problem == (
        "reading shows no test function: TestURLSigner inherits its tests from Base, "
        "defined in another file; a run shows them")
    assert ws.items["empty"].links[0].problem == "the files hold no test functions"


def finishes(work: Callable[[], Any], fifo: Path, seconds: float = 10) -> Any:
    """What ``work()`` returns, run in a thread; fails if it is still running after
    ``seconds`` (blocked on the FIFO), after unblocking it by opening the FIFO's write end."""
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # a reader waits: let it go
        thread.join(seconds)
        pytest.fail(f"still running after {seconds}s: blocked opening {fifo}")
    assert done, "the work raised (see the thread's traceback above)"
    return done[0]


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


@needs_fifo
def test_a_fifo_named_like_a_test_file_is_never_opened(repo):
    fifo = repo / "tests/test_pipe.py"
    os.mkfifo(fifo)
    result = load_plan(plan_with(repo, """
      - id: a
        text: A
        tests:
          - tests
          - "tests/*.py"
          - tests/test_pipe.py::test_x
          - {marker: slow}
          - {fixture: benchmark}
          - {keyword: "pipe or small"}
      - {id: props, text: Properties}
"""))
    assert result.plan is not None
    ws = finishes(lambda: gather_workspace(result.plan, repo), fifo)
    links = ws.items["a"].links
    assert "tests/test_pipe.py" not in links[0].files, "pytest collects regular files only"
    assert links[1].files == ("tests/test_client.py", "tests/test_pipe.py")
    assert not any(t.startswith("tests/test_pipe.py") for link in links for t in link.tests)
    assert links[2].problem == "tests/test_pipe.py does not exist"
    assert links[5].tests == ("tests/unit/test_small.py::test_a",)


@needs_fifo
def test_the_index_reads_only_regular_files(repo):
    fifo = repo / "tests/test_pipe.py"
    os.mkfifo(fifo)
    index = FileIndex(repo, PytestConfig())
    assert finishes(lambda: index.read("tests/test_pipe.py"), fifo) == b""
    assert index.stamp("tests/test_pipe.py") is None
    assert finishes(lambda: index.all_tests(needle=b"x"), fifo)
    assert "tests/test_pipe.py" not in index.test_files()
    assert index.read("tests/unit/test_small.py") == b"def test_a():\n    assert 1\n"
    # a file that was regular when stat-ed and is a FIFO when opened is not read either
    assert finishes(lambda: FileIndex._read_regular(fifo), fifo) == b""


def test_globs_leave_out_environments_and_folders_pytest_skips(repo):
    write(repo, ".venv/lib/site-packages/pkg/test/test_small.py", "def test_x():\n    pass\n")
    write(repo, "node_modules/x/test_small.py", "def test_y():\n    pass\n")
    write(repo, ".git/hooks/test_small.py", "def test_z():\n    pass\n")
    ws = evidence(repo, """
      - id: a
        text: Anywhere
        tests: ["**/test_small.py"]
      - id: b
        text: Named
        tests: [".venv/**/test_small.py"]
    """)
    assert ws.items["a"].links[0].files == ("tests/unit/test_small.py",)
    assert ws.items["b"].links[0].files == (".venv/lib/site-packages/pkg/test/test_small.py",)
