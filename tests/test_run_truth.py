"""Runs that must not make an item look better than its evidence: real projects, real runs.

Each test builds a small git repository the way real suites are set up (``addopts`` filters,
subset runs, conftest.py files in subfolders, xdist, unittest classes, crashes) and checks
what ``tracker run`` records and what ``tracker status`` concludes.

``tracker run`` runs as a user starts it, in a process, with real pytest and coverage.py; the
sample's pytest loads no plugins from entry points (``clean_env``: the ones installed for this
suite cost a second per run and the samples use none), except where the test says
``autoload=True``. What the runs left is read in this process (``call_cli``), through the
same ``tracker.cli.main`` the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.store import Store, default_store_path

from .helpers import call_cli, clean_env, git, run_cli, write

pytestmark = pytest.mark.slow

TODAY = "2026-03-20"


def project(tmp_path: Path, files: dict[str, str], items: str) -> Path:
    root = tmp_path / "p"
    for relpath, text in files.items():
        write(root, relpath, text)
    write(root, "plan.yaml", "title: Truth\nphases:\n  - id: '1'\n    title: One\n    items:\n"
          + items)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    return root


def run(root: Path, *pytest_args: str, autoload: bool = False) -> tuple[int, str]:
    done = run_cli("run", "--show-output", "--", "-p", "no:cacheprovider", *pytest_args,
                   cwd=root, env=clean_env(autoload=autoload))
    assert "Traceback (most recent call last)" not in done.stderr, done.stderr
    return done.returncode, done.stderr


def items(root: Path) -> dict[str, dict]:
    done = call_cli("status", "--json", "--today", TODAY, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    return {i["id"]: i for i in json.loads(done.stdout)["items"]}


def runs(root: Path) -> int:
    with Store.open(default_store_path(root)) as store:
        return store.runs_count()


PARAM_TESTS = """
    import pytest

    @pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.slow)])
    def test_sizes(n):
        assert n == 1
"""


def test_a_case_deselected_by_addopts_keeps_the_item_from_done(tmp_path):
    root = project(tmp_path, {
        "pytest.ini": '[pytest]\naddopts = -m "not slow"\nmarkers =\n    slow: slow\n',
        "tests/test_sizes.py": PARAM_TESTS,
    }, "      - {id: sizes, text: Sizes, tests: [tests/test_sizes.py::test_sizes]}\n")
    code, _ = run(root)
    assert code == 0
    with Store.open(default_store_path(root)) as store:
        assert store.latest_run().deselected == ("tests/test_sizes.py::test_sizes[2]",)
    sizes = items(root)["sizes"]
    assert sizes["status"] == "in progress"
    assert "1 linked test did not run (deselected): test_sizes[2]" in sizes["reason"]


def test_a_subset_run_does_not_hide_a_case_that_failed_before(tmp_path):
    root = project(tmp_path, {
        "tests/test_x.py": """
            import pytest

            @pytest.mark.parametrize("n", [1, 2, 3])
            def test_x(n):
                assert n != 3
        """,
    }, "      - {id: x, text: X, tests: [tests/test_x.py::test_x]}\n")
    assert run(root)[0] == 1
    assert items(root)["x"]["status"] == "failing"
    assert run(root, "-k", "test_x and 1")[0] == 0
    x = items(root)["x"]
    assert x["status"] == "failing", "test_x[3] failed and never ran again"
    assert "test_x[3]" in x["reason"]


def test_runs_that_test_nothing_are_not_recorded(tmp_path):
    root = project(tmp_path, {"tests/test_a.py": "def test_a():\n    assert False\n"},
                   "      - {id: a, text: A, tests: [tests/test_a.py]}\n")
    assert run(root)[0] == 1
    for args, code in ((("--collect-only",), 0), (("-m", "nothing_has_this"), 5),
                       (("--help",), 0)):
        got, stderr = run(root, *args)
        assert got == code, (args, stderr)
        assert "nothing recorded" in stderr.strip().splitlines()[-1], (args, stderr)
    assert runs(root) == 1
    assert items(root)["a"]["status"] == "failing"


def test_a_test_that_kills_pytest_records_nothing(tmp_path):
    root = project(tmp_path, {"tests/test_a.py": """
        import os

        def test_fine():
            pass

        def test_exit():
            os._exit(1)
    """}, "      - {id: a, text: A, tests: [tests/test_a.py]}\n")
    code, stderr = run(root)
    assert code == 2
    last = stderr.strip().splitlines()[-1]
    assert "before its session finished after tests/test_a.py::test_fine" in last
    assert not default_store_path(root).exists() or runs(root) == 0


def test_a_changed_conftest_makes_its_tests_stale(tmp_path):
    root = project(tmp_path, {
        "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef client():\n    return 1\n",
        "tests/api/test_api.py": "def test_api(client):\n    assert client == 1\n",
        "tests/other/test_other.py": "def test_other():\n    pass\n",
    }, "      - {id: api, text: API, tests: [tests/api/test_api.py]}\n"
       "      - {id: other, text: Other, tests: [tests/other/]}\n")
    assert run(root)[0] == 0
    assert items(root)["api"]["status"] == "done"
    write(root, "tests/conftest.py", "import pytest\n\n@pytest.fixture\ndef client():\n"
                                     "    raise RuntimeError('down')\n")
    found = items(root)
    assert found["api"]["status"] == "stale"
    assert "tests/conftest.py" in found["api"]["reason"]
    assert found["other"]["status"] == "stale"  # the same conftest.py applies to it


def test_a_conftest_that_fails_to_import_fails_the_items_under_it(tmp_path):
    root = project(tmp_path, {
        "tests/unit/test_u.py": "def test_u():\n    pass\n",
        "tests/integration/conftest.py": "import not_installed_anywhere_xyz\n",
        "tests/integration/test_i.py": "def test_i():\n    pass\n",
    }, "      - {id: unit, text: Unit, tests: [tests/unit/]}\n"
       "      - {id: integ, text: Integration, tests: [tests/integration/]}\n")
    run(root, "--continue-on-collection-errors")
    found = items(root)
    assert found["unit"]["status"] == "done"
    assert found["integ"]["status"] == "failing"
    assert found["integ"]["reason"].startswith("cannot be collected: tests/integration")


def test_a_module_skipped_while_collecting_says_so(tmp_path):
    root = project(tmp_path, {"tests/test_gpu.py": """
        import pytest

        pytest.skip("no GPU here", allow_module_level=True)

        def test_gpu():
            pass
    """}, "      - {id: gpu, text: GPU, tests: [tests/test_gpu.py]}\n")
    run(root)
    gpu = items(root)["gpu"]
    assert gpu["status"] == "in progress"
    assert "skipped while collecting: tests/test_gpu.py: no GPU here" in gpu["reason"]


UNITTEST = """
    import unittest


    class CartChecks(unittest.TestCase):
        def test_add(self):
            self.assertEqual(1 + 1, 2)

        def test_remove(self):
            self.assertEqual(1 - 1, 1)
"""


def test_tests_only_a_run_shows_are_counted_for_their_links(tmp_path):
    root = project(tmp_path, {
        "tests/test_cart.py": UNITTEST,
        "tests/test_ids.py": """
            import pytest

            @pytest.mark.parametrize("name", ["ünï", "plain"])
            def test_ids(name):
                assert name
        """,
    }, "      - {id: by-class, text: Class, tests: ['tests/test_cart.py::CartChecks']}\n"
       "      - {id: by-case, text: Case, tests: ['tests/test_cart.py::CartChecks::test_add']}\n"
       "      - {id: unicode, text: Unicode, tests: ['tests/test_ids.py::test_ids[ünï]']}\n")
    run(root)
    found = items(root)
    assert found["by-class"]["status"] == "failing", found["by-class"]
    assert "test_remove" in found["by-class"]["reason"]
    assert found["by-case"]["status"] == "done", found["by-case"]
    assert found["unicode"]["status"] == "done", found["unicode"]


def test_workers_coverage_is_measured_under_xdist(tmp_path):
    pytest.importorskip("xdist")
    root = project(tmp_path, {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
                          '[tool.coverage.run]\nsource = ["src"]\n',
        "src/calc/__init__.py": "",
        "src/calc/ops.py": "def add(a, b):\n    if a < 0:\n        return b\n    return a + b\n",
        "tests/test_ops.py": "def test_add():\n    from calc.ops import add\n"
                             "    assert add(1, 2) == 3\n",
    }, "      - {id: ops, text: Ops, tests: [tests/test_ops.py], targets: [src/calc/ops.py]}\n")
    code, stderr = run(root, "-n", "2", autoload=True)  # xdist and tracker as installed
    assert code == 0, stderr
    with Store.open(default_store_path(root)) as store:
        coverage = {f.path: f for f in store.latest_run().coverage}
    assert coverage["src/calc/ops.py"].missing == (3,), "the workers' lines were measured"


def test_a_plan_below_the_pytest_rootdir_links_and_stales_its_own_paths(tmp_path):
    root = tmp_path / "mono"
    write(root, "pytest.ini", "[pytest]\npython_files = check_*.py\n")
    write(root, "svc/checks/check_pay.py", "import pytest\n\n@pytest.mark.plan('pay')\n"
                                          "def test_pay():\n    pass\n\n"
                                          "def test_refund():\n    assert False\n")
    write(root, "svc/checks/test_ignored.py", "def test_not_collected():\n    pass\n")
    write(root, "svc/plan.yaml", "title: Svc\nphases:\n  - id: '1'\n    title: One\n    items:\n"
          "      - {id: pay, text: Pay}\n"
          "      - {id: refund, text: Refund, tests: [checks/check_pay.py::test_refund]}\n"
          "      - {id: ignored, text: Ignored, tests: [checks/test_ignored.py]}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "mono")
    svc = root / "svc"
    before = items(svc)
    assert before["refund"]["status"] == "in progress"  # found by the root's python_files
    assert before["ignored"]["status"] == "in progress"  # a link that matches nothing
    run(svc)
    with Store.open(default_store_path(svc)) as store:
        ids = sorted(o.nodeid for o in store.latest_run().outcomes)
    assert ids == ["checks/check_pay.py::test_pay", "checks/check_pay.py::test_refund"]
    found = items(svc)
    assert found["pay"]["status"] == "done"
    assert found["refund"]["status"] == "failing"
    write(svc, "checks/check_pay.py", "def test_pay():\n    assert False\n")
    assert items(svc)["pay"]["status"] in ("stale", "in progress")
    assert items(svc)["refund"]["status"] == "stale"


def test_a_marker_only_a_conftest_hook_adds_is_matched_by_the_run(tmp_path):
    root = project(tmp_path, {
        "tests/integration/conftest.py": """
            import pytest

            def pytest_collection_modifyitems(items):
                for item in items:
                    if "integration" in str(item.path):
                        item.add_marker(pytest.mark.integration)
        """,
        "tests/integration/test_flow.py": "def test_flow():\n    pass\n",
        "tests/test_unit.py": "def test_unit():\n    pass\n",
    }, "      - {id: flows, text: Flows, tests: [{marker: integration}]}\n"
       "      - {id: nothing, text: Nothing, tests: [{marker: nosuchmarker}]}\n")
    before = call_cli("check", "--strict", cwd=root)
    assert before.returncode == 1 and "'marker: integration' matches nothing" in before.stderr
    assert run(root)[0] == 0
    after = call_cli("check", "--strict", cwd=root)
    assert "integration" not in after.stderr, "the run shows the marker: no warning"
    assert "'marker: nosuchmarker' matches nothing" in after.stderr
    assert after.returncode == 1
    got = items(root)
    assert got["flows"]["status"] == "done" and got["flows"]["tests"]["linked"] == 1
    assert got["nothing"]["status"] != "done"
    document = call_cli("render", "--today", TODAY, cwd=root)
    assert "`marker: integration` (1 test seen in the run)" in document.stdout
    assert "`marker: nosuchmarker` (matches nothing)" in document.stdout
    assert "integration" not in document.stderr and "nosuchmarker" in document.stderr


def test_a_subset_run_of_other_files_forgets_nothing_an_earlier_run_knew(tmp_path):
    root = project(tmp_path, {
        "pytest.ini": "[pytest]\naddopts = -m \"not slow\"\nmarkers =\n    slow: slow\n",
        "tests/sub/conftest.py": """
            import pytest

            @pytest.fixture
            def sizes():
                return [1, 2]
        """,
        "tests/sub/test_data.py": "def test_data(sizes):\n    assert sizes == [1, 2]\n",
        "tests/test_a.py": PARAM_TESTS,
        "tests/test_other.py": "def test_other():\n    pass\n",
    }, "      - {id: data, text: Data, tests: [tests/sub/test_data.py]}\n"
       "      - {id: sizes, text: Sizes, tests: ['tests/test_a.py::test_sizes']}\n"
       "      - {id: other, text: Other, tests: [tests/test_other.py]}\n")
    assert run(root)[0] == 0
    got = items(root)
    assert got["data"]["status"] == "done" and got["sizes"]["status"] != "done"
    write(root, "tests/sub/conftest.py", """
        import pytest

        @pytest.fixture
        def sizes():
            return [9]
    """)
    assert run(root, "-q", "tests/test_other.py")[0] == 0
    got = items(root)
    assert got["data"]["status"] == "stale", got["data"]["reason"]
    assert "conftest.py" in got["data"]["reason"]
    assert got["sizes"]["status"] != "done", "test_sizes[2] was deselected and never ran"
    assert "deselected" in got["sizes"]["reason"]
    assert got["other"]["status"] == "done"
    assert run(root, "-qx")[0] != 0  # -qx is a subset too: the failing data test stops it
    assert items(root)["other"]["status"] == "done"


def test_the_run_knows_fixtures_and_markers_better_than_the_source(tmp_path):
    root = project(tmp_path, {
        "tests/conftest.py": "import pytest\n\n@pytest.fixture\ndef frozen():\n    return 1\n",
        "tests/test_f.py": """
            from hypothesis import given, strategies as st

            def test_uses_the_fixture(frozen):
                assert frozen == 1

            @given(frozen=st.booleans())
            def test_a_hypothesis_argument(frozen):
                assert frozen in (True, False)
        """,
        "tests/test_env.py": """
            import pytest

            @pytest.fixture
            def test_env():
                return 1

            def test_real(test_env):
                assert test_env == 1
        """,
    }, "      - {id: frozen, text: F, tests: [{fixture: frozen}], expect: {min_tests: 2}}\n"
       "      - {id: env, text: E, tests: [tests/test_env.py]}\n")
    assert run(root)[0] == 0
    got = items(root)
    assert got["frozen"]["status"] != "done", got["frozen"]["reason"]  # one test uses it
    assert got["frozen"]["tests"]["linked"] == 1
    assert got["env"]["status"] == "done", "a fixture named test_env is not a test"


def test_pytests_own_error_is_shown_when_nothing_ran(tmp_path):
    root = project(tmp_path, {"tests/test_a.py": "def test_a():\n    pass\n"},
                   "      - {id: a, text: A, tests: [tests/test_a.py]}\n")
    done = run_cli("run", "--progress", "--", "-p", "no:cacheprovider", "tests/test_nosuch.py",
                   cwd=root, env=clean_env())
    assert done.returncode == 4, done.stderr
    assert "file or directory not found: tests/test_nosuch.py" in done.stderr
    assert "nothing recorded" in done.stderr and runs(root) == 0


def test_a_links_count_is_the_runs_when_the_source_cannot_count_cases(tmp_path):
    root = project(tmp_path, {
        "tests/conftest.py": """
            import pytest

            @pytest.fixture(params=[1, 2, 3])
            def size(request):
                return request.param
        """,
        "tests/test_v.py": "def test_size(size):\n    assert size\n",
    }, "      - {id: sizes, text: Sizes, tests: [tests/test_v.py]}\n")
    assert run(root)[0] == 0
    got = items(root)["sizes"]
    assert got["status"] == "done" and got["tests"]["linked"] == 3
    document = call_cli("render", "--today", TODAY, cwd=root).stdout
    assert "done: 3 tests, all passing" in document
    assert "`tests/test_v.py` (3 tests)" in document, "the same count on one line"


@pytest.mark.parametrize("workers", [(), ("-p", "xdist", "-n", "2")])
def test_a_marker_link_names_the_deselected_cases_that_carry_it(tmp_path, workers):
    root = project(tmp_path, {
        "pytest.ini": "[pytest]\naddopts = -m \"not slow\"\nmarkers =\n    slow: slow\n",
        "tests/test_a.py": PARAM_TESTS,
        "tests/test_b.py": "import pytest\n\n@pytest.mark.slow\ndef test_slow():\n    pass\n",
    }, "      - {id: slow, text: Slow ones, tests: [{marker: slow}]}\n")
    assert run(root, *workers)[0] == 0
    got = items(root)["slow"]
    assert got["status"] != "done" and got["tests"]["linked"] == 2, got
    assert "test_sizes[2]" in got["reason"] and "deselected" in got["reason"]
    assert run(root, "-m", "slow", "-k", "not 2", *workers)[0] == 0
    got = items(root)["slow"]
    assert got["status"] != "done", "test_sizes[2] is slow and never ran"
    assert run(root, "-m", "slow", *workers)[0] == 1  # it fails when it runs
    assert items(root)["slow"]["status"] == "failing"
