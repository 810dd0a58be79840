"""The keys each part of plan.yaml accepts, with their types and meaning.

One table serves the loader (unknown keys, "did you mean") and the JSON Schema export, so the
two cannot drift apart. Types are small strings: ``str``, ``text`` (Markdown), ``date``,
``int``, ``number``, ``bool``, ``id``, ``[T]`` for lists, ``@name`` for another table here,
and a few special shapes the loader parses itself (``weeks``, ``duration``, ``target``,
``claim``, ``testlink``, ``filecheck``, ``related``).
"""

from __future__ import annotations

Field = tuple[str, str]  # (type, description)

PLAN: dict[str, Field] = {
    "version": ("int", "Format version of this file; 1 is the only one so far."),
    "title": ("str", "Name of the plan, shown as the document's heading."),
    "owner": ("str", "Team or person who owns the plan."),
    "created": ("date", "Day the plan started; phase windows in weeks count from it."),
    "priority": ("str", "Overall priority, such as P0."),
    "review": ("@review", "When the plan is next reviewed, how often, and by whom."),
    "summary": ("text", "Markdown prose shown under the header, verbatim."),
    "sections": ("[@section]", "Prose sections shown before the phases."),
    "phases": ("[@phase]", "The stages of the plan, in order."),
    "appendix": ("[@section]", "Prose sections shown after the phases."),
    "metrics": ("[@metric]", "Success measures, measured or qualitative."),
    "risks": ("[@risk]", "Risks and their mitigations."),
    "approvals": ("[@approval]", "Roles whose sign-off the plan needs."),
    "related": ("[related]", "Other documents: a path, a URL, or {title, path|url}."),
    "coverage": ("@coverage", "Where coverage.py measures, if the project says nowhere else."),
    "runs": ("@runs", "How this project's runs are recorded: note: true shares them as git "
                      "notes."),
}

REVIEW: dict[str, Field] = {
    "next": ("date", "Date of the next review."),
    "every": ("duration", "Review interval such as 14d or 2w; at most ten years (3650d)."),
    "reviewers": ("[str]", "Who reviews the plan."),
}

SECTION: dict[str, Field] = {
    "id": ("id", "Optional number or slug, such as 1.1."),
    "title": ("str", "Heading of the section."),
    "body": ("text", "Markdown prose, code blocks included, rendered verbatim."),
}

PHASE: dict[str, Field] = {
    "id": ("id", "Short unique id such as 1 or setup."),
    "title": ("str", "Name of the phase."),
    "priority": ("str", "Priority such as P0."),
    "weeks": ("weeks", "Window in weeks counted from `created`: 3 or 1-2; at most week 520."),
    "start": ("date", "Explicit first day (instead of weeks)."),
    "due": ("date", "Explicit last day (instead of weeks)."),
    "body": ("text", "Markdown prose shown under the phase heading."),
    "sections": ("[@section]", "Prose sections of the phase."),
    "items": ("[@item]", "The phase's checklist."),
}

ITEM: dict[str, Field] = {
    "id": ("id", "Unique slug; tests can link to it with @pytest.mark.plan(ID)."),
    "text": ("str", "What will be done."),
    "tests": ("[testlink]", "Tests that prove the item: path, glob, node id or mapping."),
    "files": ("[filecheck]", "Evidence that is not a test: files that exist, contain text..."),
    "targets": ("[str]", "Source modules (paths or globs) whose coverage the item reports."),
    "expect": ("@expect", "Thresholds the evidence must reach."),
    "status": ("claim", "A status claimed by a person; shown beside the evidence."),
    "note": ("str", "Why the claim, or any remark."),
    "owner": ("str", "Who does it."),
    "due": ("date", "When it is due."),
}

EXPECT: dict[str, Field] = {
    "min_tests": ("int", "At least this many linked tests."),
    "min_files": ("int", "At least this many linked test files."),
    "target_coverage": ("number", "Coverage of the item's targets by the whole run, in "
                                  "percent, at least."),
    "own_coverage": ("number", "Coverage of the item's targets by its own linked tests "
                               "(the lines their test files ran), in percent, at least."),
    "min_assertions_per_test": ("number", "Assertions per linked test, on average, at least."),
    "max_no_assertion": ("int", "Linked tests with no assertion at all, at most."),
    "max_weak_assertions": ("int", "Weak assertions (assert x, is not None...) at most."),
    "max_mocks_per_test": ("number", "Mocks and patches per linked test, on average, at most."),
    "max_target_patches": ("int", "Patches of the targets' own functions, at most."),
    "max_async_unmarked": ("int", "Async linked tests without the asyncio mark, at most."),
    "max_complexity": ("int", "Cyclomatic complexity of any target function, at most."),
}

METRIC: dict[str, Field] = {
    "id": ("id", "Unique slug."),
    "title": ("str", "What is measured."),
    "measure": ("str", "How: coverage.total, tests.count, tests.ratio(marker=NAME)..."),
    "qualitative": ("bool", "True when people judge it; no measure."),
    "baseline": ("scalar", "Value when the plan started."),
    "target": ("target", "Goal such as '>= 90', '<= 5 min', '>= 20%'."),
    "note": ("str", "Any remark."),
}

RISK: dict[str, Field] = {
    "risk": ("str", "What could go wrong."),
    "impact": ("str", "How bad it would be."),
    "likelihood": ("str", "How likely it is."),
    "mitigation": ("str", "What keeps it small."),
}

APPROVAL: dict[str, Field] = {
    "role": ("str", "Role that signs off, such as Tech Lead."),
    "name": ("str", "Person expected to sign."),
}

RELATED: dict[str, Field] = {
    "title": ("str", "Title of the document."),
    "path": ("str", "Path in the repository."),
    "url": ("str", "Web address."),
}

COVERAGE: dict[str, Field] = {
    "source": ("[str]", "Packages or directories to measure."),
    "omit": ("[str]", "File patterns not to measure."),
}

RUNS: dict[str, Field] = {
    "note": ("bool", "Attach every run of committed code to its commit as a git note "
                     "(refs/notes/tracker), as --note does; --no-note turns it off for one "
                     "command."),
}

TESTLINK: dict[str, Field] = {
    "path": ("str", "A test file or directory."),
    "glob": ("str", "Test files matching a glob."),
    "node": ("str", "A pytest node id: file::Class::test[param]."),
    "keyword": ("str", "A pytest -k expression."),
    "marker": ("str", "Tests carrying this marker."),
    "fixture": ("str", "Tests using this fixture."),
}

FILECHECK: dict[str, Field] = {
    "path": ("str", "This file or directory exists."),
    "absent": ("str", "This file or directory does not exist."),
    "file": ("str", "A file whose content is checked with contains or lacks."),
    "contains": ("str", "Text the file (or the glob's files) must contain."),
    "lacks": ("str", "Text the file (or every file of the glob) must no longer contain."),
    "regex": ("bool", "Treat contains/lacks as a regular expression."),
    "glob": ("str", "Files matching this glob; at least min_files of them."),
    "min_files": ("int", "How many files the glob must match (default 1)."),
    "min": ("int", "With contains: the text occurs at least this many times, files together."),
    "max": ("int", "With contains: the text occurs at most this many times, files together."),
}

TABLES: dict[str, dict[str, Field]] = {
    "plan": PLAN, "review": REVIEW, "section": SECTION, "phase": PHASE, "item": ITEM,
    "expect": EXPECT, "metric": METRIC, "risk": RISK, "approval": APPROVAL,
    "related": RELATED, "coverage": COVERAGE, "runs": RUNS, "testlink": TESTLINK,
    "filecheck": FILECHECK,
}

CLAIMS = ("done", "in progress", "todo", "skipped", "blocked")
