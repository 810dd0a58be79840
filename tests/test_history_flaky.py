"""Flaky tests from the run history (tracker.evidence.flaky): outcomes compared only between runs
whose test file, conftest.py files and the linked items' targets were identical."""

from __future__ import annotations

import datetime as dt

from tracker.evidence.flaky import flaky_tests
from tracker.evidence.results import RunRecord, TestOutcome

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
TEST = "tests/api/test_client.py"
SAME = {TEST: "1" * 40, "tests/conftest.py": "c" * 40, "src/client.py": "s" * 40}


def run(run_id: int, outcome: str, hashes: dict[str, str] | None = None,
        nodeid: str = f"{TEST}::test_retry") -> RunRecord:
    return RunRecord(started=T0, finished=T0, id=run_id,
                     outcomes=(TestOutcome(nodeid, outcome),
                               TestOutcome(f"{TEST}::test_steady", "passed")),
                     file_hashes=dict(SAME if hashes is None else hashes))


def test_a_test_failing_sometimes_on_unchanged_code_is_flaky_with_its_record():
    runs = [run(i, "failed" if i in (3, 9) else "passed") for i in range(1, 15)]
    found = flaky_tests(runs)
    assert [f.nodeid for f in found] == [f"{TEST}::test_retry"]  # test_steady always passed
    assert found[0].describe() == "failed 2 of 14 runs of unchanged code"
    assert found[0].failing_runs == (3, 9) and dict(found[0].outcomes) == {"failed": 2,
                                                                            "passed": 12}


def test_a_change_in_the_file_its_conftest_or_a_target_explains_the_change():
    changed_test = {**SAME, TEST: "2" * 40}
    changed_conftest = {**SAME, "tests/conftest.py": "d" * 40}
    changed_root_conftest = {**SAME, "conftest.py": "e" * 40}  # a new conftest.py above
    changed_target = {**SAME, "src/client.py": "t" * 40}
    for hashes in (changed_test, changed_conftest, changed_root_conftest):
        assert flaky_tests([run(1, "passed"), run(2, "failed", hashes)]) == ()
    targets = {TEST: ["src/client.py"]}
    assert flaky_tests([run(1, "passed"), run(2, "failed", changed_target)], targets) == ()
    # without the item's targets, only the test's own files count: the same code, flaky
    assert len(flaky_tests([run(1, "passed"), run(2, "failed", changed_target)])) == 1


def test_a_conftest_in_another_folder_does_not_matter():
    other = {**SAME, "tests/web/conftest.py": "f" * 40}
    found = flaky_tests([run(1, "passed"), run(2, "error", other)])
    assert found[0].describe() == "failed 1 of 2 runs of unchanged code"


def test_skips_and_runs_without_the_files_hash_prove_nothing():
    unknown = {k: v for k, v in SAME.items() if k != TEST}
    assert flaky_tests([run(1, "passed"), run(2, "skipped"), run(3, "failed", unknown)]) == ()


def test_an_xfail_that_sometimes_passes_varied_without_failing():
    found = flaky_tests([run(1, "xfailed"), run(2, "xpassed"), run(3, "xfailed")])
    assert found[0].failed == 0
    assert found[0].describe() == "varied over 3 runs of unchanged code (1 xpassed, 2 xfailed)"


def test_runs_of_each_version_of_the_code_are_compared_apart_and_counted_together():
    v2 = {**SAME, TEST: "2" * 40}
    runs = [run(1, "passed"), run(2, "failed"), run(3, "passed", v2), run(4, "passed", v2),
            run(5, "failed", v2), run(6, "failed", {**SAME, TEST: "3" * 40})]
    found = flaky_tests(runs)
    assert found[0].describe() == "failed 2 of 5 runs of unchanged code"
    assert found[0].failing_runs == (2, 5)
