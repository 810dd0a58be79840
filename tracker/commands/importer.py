"""``tracker import``: adopt an existing Markdown testing plan in one command.

Teams already have their plan as a Markdown file; retyping it as plan.yaml would take an
afternoon. The command reads the document, writes an equivalent plan.yaml (stdout, or a file
with ``-o``) and prints on stderr what it inferred, so a person checks a short report rather
than the whole document. Bad input (a binary, an empty file, an unclosed code fence) is one
line and exit 2, like every tracker command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from tracker.commands.common import fail


def _fail(message: str) -> NoReturn:
    fail(message)


@click.command("import")
@click.argument("document", metavar="PLAN.md", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write plan.yaml to this file (atomically) instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT when it already exists.")
@click.option("--repo", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="The repository the plan is about: keep only links to files and tests "
                   "that exist in it; report the others as needing links.")
def import_command(document: Path, output: Path | None, force: bool,
                   repo: Path | None) -> None:
    """Turn a Markdown testing plan (PLAN.md, or - for stdin) into plan.yaml.

    Reads the header (**Status:**, **Created:**, **Priority:**), phase headings such as
    "## Phase 2: Coverage (P1) - Week 3-4", numbered subsections, prose (kept verbatim),
    checklists (a ticked box is a "done" claim; a trailing "(...)" is its note), success
    metrics, risk and approval tables, related documents and the next review date. Items
    naming a test file, test or module are linked to it; the report on stderr lists every
    inference and the items that still need links. A document written by `tracker render`
    imports back to the same plan.
    """
    from tracker.importer.convert import ImportBug, import_markdown
    from tracker.importer.source import Refused, read_document

    if output is not None and output.exists() and not force:
        _fail(f"{output}: already exists; pass --force to overwrite it")
    name = "<stdin>" if str(document) == "-" else str(document)
    try:
        text = read_document(document, name)
        result = import_markdown(text, name, repo,
                                 output_name=output.name if output else "plan.yaml")
    except Refused as exc:
        _fail(str(exc))
    except ImportBug as exc:
        _fail(f"{name}: the import did not make a valid plan.yaml; this is a bug in tracker "
              f"import, please report it with the document: {exc}")
    for line in result.report.lines():
        click.echo(line, err=True)
    for warning in result.warnings:
        click.echo(warning, err=True)
    if output is None:
        # on a terminal, nothing from the document may drive it; redirected, the plan is
        # written exactly as made (it is data)
        from tracker.text import clean

        sys.stdout.write(clean(result.text) if sys.stdout.isatty() else result.text)
        return
    from tracker.fsutil import write_atomic

    try:
        write_atomic(output, result.text)
    except OSError as exc:
        _fail(f"{output}: cannot write it ({exc.strerror}): check the folder and permissions")
    click.echo(f"wrote {output}", err=True)
