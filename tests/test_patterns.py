"""Patterns from plan.yaml that must not hang: globs with repeated ``**``, regexes that
backtrack, ``-k`` expressions nested deep. Real trees and files, real commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.evidence.fileindex import FileIndex
from tracker.evidence.keyword import (
    MAX_DEPTH,
    KeywordError,
    haystack,
    keyword_filter,
    parse_keyword,
)
from tracker.evidence.patterns import FolderCache, count, expand, is_plain, parts_of, search
from tracker.evidence.pytest_config import read_pytest_config

from .helpers import write

#: A small tree with every kind of name a glob treats differently.
TREE = ["a/x.py", "a/b/x.py", "a/b/c/y.py", "a/.hidden/x.py", "b/ab.py", "b/a/x.txt",
        ".dot.py", "x.py", "ba/b/a/x.py", "c/[x].py"]
PARTS = ["**", "*", "a*", "?", "[ab]", "a", "b", "x.py", "*.py", ".*", "[[]x].py"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for rel in TREE:
        write(root, rel, "")
    return root


def _pathlib(root: Path, pattern: str) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.glob(pattern)} - {"."}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PARTS), min_size=1, max_size=4))
def test_globs_find_what_pathlib_finds(tree: Path, parts: list[str]) -> None:
    """Without repeated ``**`` pathlib is a fine oracle: the walk must agree with it."""
    pattern = "/".join(parts)
    if "**/**" in pattern:
        return
    assert expand(FolderCache(str(tree)), pattern) == _pathlib(tree, pattern)


@pytest.mark.parametrize("pattern", ["**/**/x.py", "**/**/**/**/**/*", "a/**/**/**/*.py",
                                     "**/./**/x.py", "**//**/*"])
def test_repeated_double_stars_mean_one(tree: Path, pattern: str) -> None:
    single = pattern.replace("/./", "/").replace("//", "/")
    while "**/**" in single:
        single = single.replace("**/**", "**")
    assert parts_of(pattern) == parts_of(single)
    assert expand(FolderCache(str(tree)), pattern) == _pathlib(tree, single)


def test_each_folder_is_listed_once_for_every_glob(tree: Path) -> None:
    cache = FolderCache(str(tree))
    listed: list[str] = []
    original = cache.listing

    def counting(rel: str) -> object:
        if rel not in cache._listings:
            listed.append(rel)
        return original(rel)

    cache.listing = counting  # type: ignore[method-assign]
    for pattern in ["**/*.py", "**/**/**/**/**/**/**/*", "*/**/x.py", "a/**/*"]:
        expand(cache, pattern)
    assert len(listed) == len(set(listed))


def test_a_symlink_loop_cannot_hang_a_glob(tmp_path: Path) -> None:
    write(tmp_path, "a/test_x.py", "")
    os.symlink("..", tmp_path / "a" / "up")
    cache = FolderCache(str(tmp_path))
    assert expand(cache, "**/test_x.py") == {"a/test_x.py"}  # ** does not enter links
    assert "a/up/a/test_x.py" in expand(cache, "*/*/*/test_x.py")  # wildcards do, finitely


def _binary_tree(root: Path, folders: int) -> None:
    """``folders`` folders, two per folder: deep enough (12 levels) for ``**`` to blow up."""
    queue, made = [root], 0
    while made < folders:
        parent = queue.pop(0)
        for name in "lr":
            if made < folders:
                (parent / name).mkdir()
                queue.append(parent / name)
                made += 1
    (root / "l" / "r" / "l" / "test_deep.py").write_text("def test_x():\n    pass\n")


@pytest.mark.slow
def test_eight_double_stars_on_5000_folders_finish_in_seconds(tmp_path: Path) -> None:
    """pathlib took 60 s for four ``**`` on this tree, and eight never finished; the command
    runs in a subprocess so that the old behaviour fails here instead of hanging."""
    _binary_tree(tmp_path, 5000)
    star = "**/" * 8
    write(tmp_path, "plan.yaml", f"""
        title: Deep
        phases:
          - id: "1"
            title: One
            items:
              - id: deep
                text: Deep tests
                tests: ["{star}test_*.py"]
                files: [{{glob: "{star}*", min_files: 5000}}]
        """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tracker", "status", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    item = json.loads(done.stdout)["items"][0]
    assert item["tests"]["linked"] == 1 and item["files"]["failing"] == []
    assert took < 30


def test_the_index_prunes_skipped_folders_while_walking(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_a.py", "")
    for i in range(50):
        write(tmp_path, f".venv/lib/p{i}/test_a.py", "")
    index = FileIndex(tmp_path, read_pytest_config(tmp_path))
    assert index.glob("**/test_a.py") == ["tests/test_a.py"]
    assert ".venv" not in index._folders._listings  # never listed
    assert len(index.glob(".venv/**/test_a.py")) == 50  # named: wanted


# --- regular expressions -----------------------------------------------------------------

def _regex_plan(root: Path, kind: str, pattern: str) -> None:
    write(root, "plan.yaml", f"""
        title: Regex
        phases:
          - id: "1"
            title: One
            items:
              - id: fast
                text: A fast pattern
                files: [{{file: big.txt, contains: "a+b$", regex: true}}]
              - id: slow
                text: A slow pattern
                files:
                  - {{file: big.txt, {kind}: "(a+)+$", regex: true}}
        """)
    (root / "big.txt").write_text("a" * 50_000 + "b\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["contains", "lacks"])
def test_a_backtracking_regex_fails_its_check_with_the_plan_line(tmp_path: Path,
                                                                 kind: str) -> None:
    """With ``re``, ``(a+)+$`` on 50 kB never ends; a pattern too slow to answer holds
    neither as contains nor as lacks, and the warning names the plan line."""
    _regex_plan(tmp_path, kind, "(a+)+$")
    done = subprocess.run([sys.executable, "-m", "tracker", "status", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    items = {i["id"]: i for i in json.loads(done.stdout)["items"]}
    assert items["fast"]["status"] == "done"
    assert items["slow"]["status"] != "done"
    assert items["slow"]["files"]["failing"]
    checked = subprocess.run([sys.executable, "-m", "tracker", "check", "--strict"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             check=False)
    assert checked.returncode == 1
    first = checked.stderr.splitlines()[0]
    assert first.startswith("plan.yaml:12:") and "too slow" in first, checked.stderr


def test_search_keeps_re_syntax_and_stops_on_time() -> None:
    assert search(r"(?<=x)y\b", "a\nxy z")
    assert search(r"^b$", "a\nb\nc")  # MULTILINE, as before
    assert not search(r"(\w)\1", "abc")
    from tracker.evidence.patterns import PatternTooSlow

    started = time.monotonic()
    with pytest.raises(PatternTooSlow):
        search(r"(a|aa)+$", "a" * 50_000 + "b", timeout=0.2)
    assert time.monotonic() - started < 10


#: Pieces of plain patterns: characters (a newline, a non-ASCII letter), anchors, any
#: character, and escaped punctuation, including what would otherwise repeat or group.
_PLAIN_PIECES = ["a", "b", "\n", " ", "é", "-", "=", ">", "7", ".", "^", "$", "\\.", "\\*",
                 "\\+", "\\(", "\\[", "\\|", "\\\\", "\\{", "\\$", "\\^"]


def test_plain_patterns_are_told_from_the_others() -> None:
    for plain in ("^pytest>=7", "a.b$", r"v1\.2\.3", r"\(x\)", "", "^$", "naïve text"):
        assert is_plain(plain), plain
    for other in ("a+", "a*", "a?", "a{2}", "(a)", "[ab]", "a|b", r"\w", r"\d", r"(\w)\1",
                  "\\", r"\é", "(?i)a"):
        assert not is_plain(other), other


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PLAIN_PIECES), max_size=6).map("".join),
       st.lists(st.sampled_from(["a", "b", "\n", " ", "é", ".", "^", "$", "-", "=", ">", "7",
                                 "*", "+", "(", "[", "|", "\\", "{"]), max_size=30).map("".join))
def test_plain_patterns_answer_as_the_regex_module_does(pattern: str, text: str) -> None:
    """A plain pattern is answered by ``re``: the same answers, search and count, as the
    ``regex`` module (which answers every other pattern) gives."""
    import regex

    assert is_plain(pattern)
    assert search(pattern, text) is (regex.search(pattern, text, regex.MULTILINE) is not None)
    assert count(pattern, text) == sum(1 for _ in regex.finditer(pattern, text,
                                                                 regex.MULTILINE))


def test_a_plan_with_plain_regexes_only_does_not_import_regex(tmp_path: Path) -> None:
    """``regex`` is imported for the patterns that need it, not for ``^pytest>=7``."""
    write(tmp_path, "requirements.txt", "pytest>=7.4\n")
    write(tmp_path, "plan.yaml", """
        title: Plain
        phases:
          - id: "1"
            title: One
            items:
              - id: pinned
                text: Pin pytest
                files:
                  - {file: requirements.txt, contains: "^pytest>=7", regex: true}
                  - {file: requirements.txt, lacks: "^nose$", regex: true}
        """)
    probe = ("import sys\nfrom tracker.cli import main\ncode = main(['status', '--json'])\n"
             "print('regex' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
    assert json.loads(done.stdout)["items"][0]["status"] == "done"


# --- -k expressions ------------------------------------------------------------------------

def test_two_thousand_nots_fold_into_one() -> None:
    even, odd = parse_keyword("not " * 2000 + "x"), parse_keyword("not " * 2001 + "x")
    assert even("x") and not even("y")
    assert odd("y") and not odd("x")


def test_deep_parentheses_are_a_clear_error() -> None:
    assert parse_keyword("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)("x")
    with pytest.raises(KeywordError, match="nested more than"):
        parse_keyword("(" * 2000 + "x" + ")" * 2000)
    with pytest.raises(KeywordError, match="nested more than"):
        parse_keyword("(not " * 2000 + "x" + ")" * 2000)


def test_a_deep_keyword_link_is_one_line_naming_the_plan_line(tmp_path: Path) -> None:
    deep = "(" * 2000 + "x" + ")" * 2000
    write(tmp_path, "plan.yaml", f"""
        title: Deep
        phases:
          - id: "1"
            title: One
            items:
              - id: deep
                text: Deep
                tests: [{{keyword: "{deep}"}}]
        """)
    done = subprocess.run([sys.executable, "-m", "tracker", "check"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("plan.yaml:8:") and "nested more than" in first


_WORDS = st.sampled_from(["a", "b", "ab", "test_x", "slow"])


@st.composite
def _expressions(draw: st.DrawFn, depth: int = 0) -> str:
    """A random -k expression over a few names: and, or, not, parentheses."""
    if depth > 3 or draw(st.booleans()):
        return ("not " if draw(st.booleans()) else "") + draw(_WORDS)
    left, right = draw(_expressions(depth + 1)), draw(_expressions(depth + 1))
    return f"({left} {draw(st.sampled_from(['and', 'or']))} {right})"


@given(_expressions(), st.lists(st.lists(_WORDS, max_size=4), max_size=12))
def test_a_keyword_filter_over_many_tests_agrees_with_matching_each(
        expression: str, tests: list[list[str]]) -> None:
    """Links match -k expressions against thousands of tests at once (keyword_filter):
    each answer is the one matching that test alone gives."""
    haystacks = [haystack(names) for names in tests]
    one = parse_keyword(expression)
    assert keyword_filter(expression)(haystacks) == [one(h) for h in haystacks]
    deep = "(" * (MAX_DEPTH - 5) + expression + ")" * (MAX_DEPTH - 5)
    assert keyword_filter(deep)(haystacks) == [one(h) for h in haystacks]
