"""Risks, approvals and related documents, read from the tables and lists that hold them.

Tables are recognised by their header cells wherever they stand ("Risk | Mitigation",
"Role | Name | Date | Signature"); lists only inside a section titled for them. A column
plan.yaml has no key for is folded into the nearest text (a risk's "Owner" column joins its
mitigation) and reported, so nothing the team wrote is lost.
"""

from __future__ import annotations

import re

from tracker.importer.draft import DraftApproval, DraftRelated, DraftRisk
from tracker.importer.inline import empty_cell, strip_emphasis, unescape_cell, unescape_inline
from tracker.importer.markdown import code_span
from tracker.importer.tables import Table

_PATHLIKE = re.compile(r"[\w.\-/]+(?:/[\w.\-]*|\.[A-Za-z0-9]{1,8})")
_DESCRIBED = (" - ", " – ", " — ", ": ")
#: What a rendered document says after a URL it does not link (a scheme other than http,
#: https or mailto, such as javascript:).
_NOT_LINKED = " (not linked: only http, https and mailto links are)"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _cell(cells: list[str], index: int | None, rendered: bool) -> str | None:
    if index is None:
        return None
    value = unescape_cell(cells[index], rendered)
    return None if empty_cell(value) else value


def risk_table(table: Table, rendered: bool
               ) -> tuple[list[DraftRisk], list[tuple[int, str]]] | None:
    """Risks from a table with a "Risk" column and one of mitigation, impact, likelihood."""
    risk = table.column("risk", "risks", "threat")
    if risk is None:
        return None
    mitigation = table.column("mitigation", "mitigations", "response", "contingency",
                              "action", "actions", "plan", exclude=(risk,))
    impact = table.column("impact", "severity", exclude=(risk,))
    likelihood = table.column("likelihood", "probability", exclude=(risk,))
    if mitigation is None and impact is None and likelihood is None:
        return None
    known = {risk, mitigation, impact, likelihood}
    extras = [i for i in range(len(table.header)) if i not in known]
    risks: list[DraftRisk] = []
    notes: list[tuple[int, str]] = []
    for number, cells in table.rows:
        text = _cell(cells, risk, rendered)
        if text is None:
            continue
        text = text if rendered else strip_emphasis(text)
        remedy = _cell(cells, mitigation, rendered)
        folded = [f"{table.header[i].strip()}: {v}" for i in extras
                  if (v := _cell(cells, i, rendered)) is not None]
        if folded:
            remedy = "; ".join([*([remedy] if remedy else []), *folded])
            if not notes:
                columns = ", ".join(table.header[i].strip() for i in extras)
                notes.append((number, f"column {columns} of the risks table has no key in "
                                      "plan.yaml: added to each risk's mitigation"))
        risks.append(DraftRisk(risk=text, line=number, impact=_cell(cells, impact, rendered),
                               likelihood=_cell(cells, likelihood, rendered),
                               mitigation=remedy))
    return risks, notes


def approval_table(table: Table, rendered: bool
                   ) -> tuple[list[DraftApproval], list[tuple[int, str]]] | None:
    """Approvals from a table with a "Role" column and a name, date or signature column."""
    role = table.column("role")
    if role is None:
        return None
    name = table.column("name", "approver", "approved by", "owner", exclude=(role,))
    date = table.column("date", "signed", exclude=(role,))
    signature = table.column("signature", "sign off", "sign", exclude=(role,))
    if name is None and date is None and signature is None:
        return None
    out, notes = [], []
    for number, cells in table.rows:
        text = _cell(cells, role, rendered)
        if text is None:
            continue
        text = text if rendered else strip_emphasis(text)
        signed = [v for i in (date, signature) if (v := _cell(cells, i, rendered)) is not None]
        if signed and not rendered:  # a rendered document's sign-offs come from git
            notes.append((number, f"approval of {text!r}: date and signature "
                                  f"({', '.join(signed)}) not kept: plan.yaml lists roles and "
                                  "names"))
        out.append(DraftApproval(role=text, line=number, name=_cell(cells, name, rendered)))
    return out, notes


def approval_line(text: str, line: int) -> DraftApproval | None:
    """An approval from a list line: "Tech Lead: Dana" or "QA Lead: ________"."""
    role, sep, name = strip_emphasis(text).partition(":")
    role = strip_emphasis(role)
    if not role or len(role) > 80:
        return None
    name = strip_emphasis(name) if sep else ""
    return DraftApproval(role=role, line=line, name=None if empty_cell(name) else name)


def risk_line(text: str, line: int) -> DraftRisk | None:
    """A risk from a list line: "Flaky tests: quarantine them" or "Flaky tests → quarantine"."""
    stripped = strip_emphasis(text)
    for sep in ("→", "->", ":", " - ", " – ", " — "):
        risk, found, mitigation = stripped.partition(sep)
        if found and risk.strip() and mitigation.strip():
            return DraftRisk(risk=strip_emphasis(risk.strip(" *_")), line=line,
                             mitigation=strip_emphasis(mitigation))
    return DraftRisk(risk=stripped, line=line) if stripped else None


def related_line(text: str, line: int, rendered: bool) -> DraftRelated | None:
    """A related document from a list line.

    ``[Title](path)``, ``[Title](url) - what it is``, ``path - what it is``, ``path`` or just
    a title.
    """
    stripped = text.strip()
    if not stripped or len(stripped) > 1500:
        return None
    link = _link(stripped)
    if link is not None:
        title, target, tail = link
        title = title.replace("\\[", "[").replace("\\]", "]")
        tail = tail.strip().lstrip("-–—:").strip()
        if rendered:
            title = unescape_inline(title)
        elif tail:
            title = f"{title} - {tail}"
        if "://" not in target or target.startswith("file:"):
            target = _unescape_path(target, rendered)
        return _related(title, target, line)
    if rendered:
        return _unlinked(stripped, line) or DraftRelated(title=unescape_inline(stripped),
                                                         line=line)
    head, description = stripped, ""
    for sep in _DESCRIBED:
        before, found, after = stripped.partition(sep)
        if found and after.strip():
            head, description = before.strip(), after.strip()
            break
    span = code_span(head)
    if span is not None and span[1] == len(head):
        head = span[0]
    head = strip_emphasis(head)
    if "://" in head and " " not in head:
        return _related(description or head, head, line)
    if _PATHLIKE.fullmatch(head):
        return _related(description or head, head, line)
    return DraftRelated(title=strip_emphasis(stripped), line=line)


def _unescape_path(target: str, rendered: bool) -> str:
    """A path as written, from a link target: escapes undone, and in a rendered document
    the "./" that keeps a file name with a colon from reading as a URL scheme."""
    for code, char in (("%20", " "), ("%29", ")"), ("%3C", "<"), ("%3E", ">")):
        target = target.replace(code, char)
    if rendered and target.startswith("./") and _SCHEME.match(target[2:]):
        target = target[2:]
    return target


def _unlinked(text: str, line: int) -> DraftRelated | None:
    """A rendered URL the renderer would not link (``javascript:…``): "Title (`url`) (not
    linked: …)", or "`url` (not linked: …)" when the title is the URL itself."""
    if not text.endswith(_NOT_LINKED):
        return None
    shown = text[:-len(_NOT_LINKED)]
    whole = code_span(shown, 0)
    if whole is not None and whole[1] == len(shown):
        url = whole[0].replace("\\|", "|")
        return DraftRelated(title=url, line=line, url=url)
    start = shown.rfind(" (`")
    span = code_span(shown, start + 2) if start > 0 and shown.endswith(")") else None
    if span is None or span[1] != len(shown) - 1:
        return None
    title = shown[:start].replace("\\[", "[").replace("\\]", "]")
    return DraftRelated(title=unescape_inline(title), line=line,
                        url=span[0].replace("\\|", "|"))


def _link(text: str) -> tuple[str, str, str] | None:
    """(title, target, rest) of a line starting with a Markdown link ``[title](target)``."""
    if not text.startswith("["):
        return None
    index, escaped = 1, False
    while index < len(text):
        char = text[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "]":
            break
        index += 1
    if index >= len(text) or not text.startswith("(", index + 1):
        return None
    title = text[1:index]
    depth, end = 0, index + 2
    while end < len(text):
        if text[end] == "(":
            depth += 1
        elif text[end] == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    if end >= len(text) and text.endswith(")"):  # an unbalanced "(" in the target
        end = len(text) - 1
    if end >= len(text) or not title.strip():
        return None
    target = text[index + 2:end].strip()
    if not target:
        return None
    return title, target, text[end + 1:]


def _related(title: str, target: str, line: int) -> DraftRelated:
    if "://" in target or target.startswith("mailto:"):
        return DraftRelated(title=title, line=line, url=target)
    return DraftRelated(title=title, line=line, path=target)
