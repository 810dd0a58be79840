"""What the loader refuses because later commands could not use it, and what it must not.

Globs pathlib cannot match, regexes ``re`` cannot compile, dates too near the calendar's ends
to count from, a document that is only ``~``: each was once accepted by ``tracker check`` and
crashed a later command. Each must now be one problem at its line, saying what to write.
And the limits must not catch honest plans: a plan of 100,000 items has no alias to expand.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.plan.dates import EARLIEST, LATEST, MAX_INTERVAL_DAYS, MAX_WEEK
from tracker.plan.load import load_plan_text
from tracker.plan.model import CheckKind, LinkKind
from tracker.plan.yamlread import MAX_NODES

HEAD = "title: T\ncreated: 2026-01-05\nphases:\n  - id: p\n    title: P\n    items:\n" \
       "      - id: a\n        text: A\n"  # the item's keys go on line 9


def errors(text: str) -> list[tuple[int, str]]:
    result = load_plan_text(text, "plan.yaml")
    return [(p.location.line, p.message) for p in result.errors]


def only_error(text: str) -> tuple[int, str]:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


# -- globs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("item", "fix"), [
    ("tests: ['tests/**.py']", "write 'tests/**/*.py'"),
    ("tests: [{glob: 'tests/**test_*.py'}]", "write 'tests/**/*test_*.py'"),
    ("tests: ['***']", "write '**/*'"),
    ("files: ['a**/b*']", "write 'a*/b*'"),
    ("files: [{glob: 'docs/**.md', min_files: 2}]", "write 'docs/**/*.md'"),
    ("targets: ['src/**.py']", "write 'src/**/*.py'"),
    ("targets: ['src\\**.py']", "write 'src/**/*.py'"),
])
def test_a_double_star_inside_a_name_is_refused_with_the_fix(item, fix):
    line, message = only_error(HEAD + f"        {item}\n")
    assert line == 9
    assert "'**' (any folders) is a whole path segment" in message and fix in message


@pytest.mark.parametrize("item", ["tests: [{glob: '.'}]", "tests: [{glob: './'}]",
                                  "files: [{glob: './.'}]", "files: [{glob: '.\\'}]"])
def test_a_glob_of_the_plan_folder_itself_is_refused(item):
    line, message = only_error(HEAD + f"        {item}\n")
    assert line == 9 and "is the plan's folder itself, not a pattern of files" in message


def test_globs_with_whole_double_stars_load():
    text = HEAD + ("        tests: ['tests/**/*.py', '**/test_x.py', {glob: 'tests/**'}]\n"
                   "        files: [{glob: '**/*.md'}, 'docs/*']\n"
                   "        targets: ['src/**/*.py']\n")
    result = load_plan_text(text, "plan.yaml")
    assert result.problems == []
    assert result.plan is not None
    item = result.plan.phases[0].items[0]
    assert [t.kind for t in item.tests] == [LinkKind.GLOB] * 3
    assert [f.kind for f in item.files] == [CheckKind.GLOB] * 2


def test_a_double_star_in_a_plain_path_is_not_a_glob_problem():
    """Only globs are matched by pathlib: a path or node id is looked up as written."""
    text = HEAD + "        tests: [{path: 'tests/a**b.py'}, 'tests/x.py::test_a**']\n"
    assert errors(text) == []


# -- regular expressions -------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "fragment"), [
    ("x{99999999999}", "repetition count such as {n} is too large"),
    ("a{1,4294967296}", "repetition count such as {n} is too large"),
    ("(" * 1000 + ")" * 1000, "nests too deeply"),
    ("([a-z]+", "missing ), unterminated subpattern"),
])
def test_a_regex_that_does_not_compile_is_refused_at_its_line(pattern, fragment):
    text = HEAD + f"        files:\n          - {{file: f.txt, regex: true,\n" \
                  f"             contains: '{pattern}'}}\n"
    line, message = only_error(text)
    assert line == 11 and message.startswith("invalid regular expression: ")
    assert fragment in message


def test_a_regex_error_quoting_a_control_character_prints_it_harmlessly():
    text = HEAD + '        files: [{file: f.txt, regex: true, lacks: "(?\\e)"}]\n'
    line, message = only_error(text)
    assert line == 9 and "unknown extension ?" in message
    assert "\x1b" not in message


# -- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line"), [
    ("title: T\ncreated: 9999-12-25\n", 2),
    ("title: T\ncreated: 0001-01-01\n", 2),
    ("title: T\nreview: {next: 9999-12-31}\n", 2),
    ("title: T\nphases:\n  - {id: p, title: P, due: 9999-12-31}\n", 3),
    ("title: T\nphases:\n  - {id: p, title: P, start: '0099-12-31'}\n", 3),
    (HEAD + "        due: 9900-01-01\n", 9),
])
def test_a_date_near_the_ends_of_the_calendar_is_refused(text, line):
    found_line, message = only_error(text)
    assert found_line == line
    assert "outside the days tracker counts with (0100-01-01 to 9899-12-31)" in message


def test_the_first_and_last_days_a_plan_may_name_load():
    text = (f"title: T\ncreated: {EARLIEST}\nreview: {{next: {LATEST}}}\n"
            f"phases:\n  - {{id: p, title: P, start: {EARLIEST}, due: {LATEST}}}\n")
    result = load_plan_text(text, "plan.yaml")
    assert result.problems == []
    assert result.plan is not None and result.plan.phases[0].due == LATEST


def test_a_phase_window_longer_than_ten_years_is_refused():
    assert errors(f"title: T\ncreated: {LATEST}\nphases:\n"
                  f"  - {{id: p, title: P, weeks: 1-{MAX_WEEK}}}\n") == []
    line, message = only_error("title: T\ncreated: 2026-01-05\nphases:\n"
                               "  - {id: p, title: P, weeks: 1-99999999999}\n")
    assert line == 4 and f"run past week {MAX_WEEK}" in message
    assert "start: and due:" in message


def test_the_last_day_of_the_longest_window_can_be_computed():
    """With created at LATEST and weeks at their cap, the window still ends inside the
    calendar, with years to spare for the sums later commands do."""
    end = LATEST + dt.timedelta(weeks=MAX_WEEK)
    assert end + dt.timedelta(days=MAX_INTERVAL_DAYS) < dt.date.max - dt.timedelta(days=365)
    assert EARLIEST - dt.timedelta(days=365) > dt.date.min


@pytest.mark.parametrize("every", ["99999999999d", f"{MAX_INTERVAL_DAYS + 1}d", "522w",
                                   "9" * 5000 + "d"])
def test_a_review_interval_longer_than_ten_years_is_refused(every):
    line, message = only_error(f"title: T\nreview:\n  next: 2026-02-01\n  every: {every}\n")
    assert line == 4 and "longer than ten years" in message
    assert len(message) < 200


def test_the_longest_review_interval_loads():
    result = load_plan_text(f"title: T\nreview: {{every: {MAX_INTERVAL_DAYS}d}}\n", "p.yaml")
    assert result.problems == []
    assert result.plan is not None and result.plan.review is not None
    assert result.plan.review.every_days == MAX_INTERVAL_DAYS


def test_an_unusable_created_date_is_not_also_reported_missing():
    text = "title: T\ncreated: 0001-01-01\nphases:\n  - {id: p, title: P, weeks: 1-2}\n"
    assert [line for line, _ in errors(text)] == [2]


# -- nothing to read -----------------------------------------------------------------------

@pytest.mark.parametrize("text", ["~\n", "null\n", "---\n", "--- ~\n", "# only\n~\n", ""])
def test_a_document_that_holds_nothing_is_one_error(text):
    result = load_plan_text(text, "plan.yaml")
    assert result.plan is None
    assert [(p.location.line, p.message) for p in result.problems] == [
        (1, "plan is empty: write a plan (`tracker init` makes a starter)")]


def test_text_that_is_not_unicode_is_refused_at_its_position():
    result = load_plan_text("title: T\nowner: a\ud800b\n", "plan.yaml")
    assert [(p.location.line, p.location.column) for p in result.errors] == [(2, 9)]
    assert "U+D800" in result.errors[0].message


# -- scale and aliases ---------------------------------------------------------------------

@pytest.mark.slow
def test_a_plan_of_100000_items_without_aliases_loads():
    items = "".join(f"      - {{id: item-{n}, text: Item number {n}}}\n" for n in range(100_000))
    text = "title: Big\nphases:\n  - id: p\n    title: P\n    items:\n" + items
    result = load_plan_text(text, "plan.yaml")
    assert result.problems == []
    assert result.plan is not None and len(result.plan.phases[0].items) == 100_000


def test_aliases_used_within_the_limit_load():
    items = "".join(f"  - {{<<: *base, id: i{n}}}\n" for n in range(1, 2000))
    text = "title: T\nphases:\n- id: p\n  title: P\n  items:\n" \
           "  - &base {id: i0, text: T, owner: Ann, due: 2026-03-01}\n" + items
    result = load_plan_text(text, "plan.yaml")
    assert result.problems == []
    assert result.plan is not None
    assert len(result.plan.phases[0].items) == 2000
    assert {i.owner for i in result.plan.phases[0].items} == {"Ann"}


def test_a_bomb_of_empty_lists_is_refused():
    """Nothing but empty lists: every expansion must count, not only the values inside."""
    levels = ["l0: &l0 []"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]"
                               for i in range(1, 9)]
    result = load_plan_text("title: T\n" + "\n".join(levels) + "\n", "plan.yaml")
    assert result.plan is None
    assert [p.message for p in result.problems] == [
        f"more than {MAX_NODES:,} values after expanding aliases (an alias bomb?): write the "
        "data out without nested aliases"]


def test_a_bomb_of_merge_keys_is_refused():
    levels = ["a0: &a0 {x: 1, y: 2, z: 3}"] + [
        f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 9)}]}}" for i in range(1, 10)]
    result = load_plan_text("title: T\n" + "\n".join(levels) + "\n", "plan.yaml")
    assert result.plan is None
    assert "an alias bomb?" in result.problems[0].message
