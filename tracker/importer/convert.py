"""The import as one call: Markdown text in, plan.yaml text and a report out.

Steps, each in its own module: decode (:mod:`.source`), lines and outline
(:mod:`.markdown`), recognition (:mod:`.build`), ids/links/dates (:mod:`.finish`), YAML
(:mod:`.emit`). The result is loaded with tracker's own loader before it is returned: an
import that would not load is a bug to report, never a file to hand to the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath

from tracker.importer.build import build_draft
from tracker.importer.emit import emit_plan
from tracker.importer.finish import finish
from tracker.importer.infer import Repository
from tracker.importer.inline import key_line
from tracker.importer.markdown import outline, scan, split_lines
from tracker.importer.rendered import is_generated
from tracker.importer.report import Report
from tracker.importer.source import MAX_PARTS, Refused, decode_document

_FRONT_MATTER_LINES = 100


class ImportBug(Exception):
    """The importer wrote YAML that tracker's loader refuses: a bug, with the problems."""


@dataclass
class Imported:
    """plan.yaml text, the report, and the loader's warnings about the new plan."""

    text: str
    report: Report
    warnings: list[str] = field(default_factory=list)


def import_bytes(data: bytes, name: str, repo: Path | None = None) -> Imported:
    """Import a document's bytes (raises :class:`~.source.Refused` for unusable input)."""
    return import_markdown(decode_document(data, name), name, repo)


def import_markdown(text: str, name: str, repo: Path | None = None, *,
                    output_name: str = "plan.yaml") -> Imported:
    """Import Markdown text named ``name`` (in messages); check links against ``repo``.

    ``output_name`` is the plan's name in the loader's warnings about the result.
    """
    repository = Repository(repo.resolve(), str(repo)) if repo is not None else None
    from tracker.plan.load import load_plan_text

    lines = split_lines(text)
    front = _front_matter(lines)
    report = Report(name)
    doc = outline(scan(lines, name))
    plan = build_draft(doc, front, report, rendered=is_generated(lines),
                       fallback_title=_title_of(name))
    parts = (len(plan.phases) + len(plan.items()) + len(plan.sections) + len(plan.appendix)
             + sum(len(p.sections) for p in plan.phases) + len(plan.metrics) + len(plan.risks)
             + len(plan.approvals) + len(plan.related))
    if parts > MAX_PARTS:
        raise Refused(f"{name}: {parts:,} phases, sections and checklist items, more than one "
                      f"plan can hold ({MAX_PARTS:,}): split the document and import each part")
    finish(plan, report, repository)
    header = [f"Imported from {PurePath(name).name} by `tracker import`. Link the items the "
              "report lists as", "needing links, then run `tracker check`."]
    yaml_text = emit_plan(plan, header)
    loaded = load_plan_text(yaml_text, output_name,
                            root=repository.root if repository is not None else None)
    if loaded.errors or loaded.plan is None:
        raise ImportBug("; ".join(str(p) for p in loaded.errors) or "the plan did not load")
    return Imported(yaml_text, report, [str(p) for p in loaded.warnings])


def _title_of(name: str) -> str:
    stem = PurePath(name).stem if name != "-" else "Imported plan"
    words = stem.replace("-", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else "Imported plan"


def _front_matter(lines: list[str]) -> dict[str, str]:
    """Keys of YAML front matter at the top; its lines are blanked so prose stays prose."""
    if not lines or lines[0].strip() != "---":
        return {}
    for end in range(1, min(len(lines), _FRONT_MATTER_LINES)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}
    found: dict[str, str] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#") or line.startswith((" ", "\t", "-")):
            continue  # blank, a comment, or part of a nested value
        pair = key_line(line)
        if pair is None:
            return {}  # not YAML front matter after all: leave the lines alone
        found[pair[0]] = pair[1].strip().strip("\"'")
    for index in range(end + 1):
        lines[index] = ""
    return found
