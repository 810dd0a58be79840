"""The commented starter plan written by ``tracker init``."""

from __future__ import annotations

import datetime as dt

STARTER = """\
# Editor completion and checks: run `tracker schema -o plan.schema.json` once.
# yaml-language-server: $schema=plan.schema.json
# The testing plan of this project, tracked by `tracker`.
# Status is earned by evidence: link each item to tests or files that prove it.
# `tracker check` validates this file; `tracker render` writes the Markdown document.
version: 1
title: {title}
owner: My Team
created: {today}
priority: P1
review:
  next: {review}          # `tracker remind` tells when this is due
  every: 14d
  reviewers: [Tech Lead]
summary: |
  Why this plan exists and what "done" means for it. Markdown, rendered as written.

phases:
  - id: "1"
    title: First safety net
    priority: P0
    weeks: 1-2              # due date = created + 2 weeks
    sections:
      - id: "1.1"
        title: Why this phase
        body: |
          Prose and code blocks are kept verbatim.
    items:
      - id: smoke-tests
        text: Add smoke tests for the main entry points
        tests:                # a path, a glob, a node id, or a mapping
          - tests/test_smoke.py
          - {{marker: smoke}}
        expect: {{min_tests: 3}}
      - id: pytest-config
        text: Configure pytest in pyproject.toml
        files:                # evidence that is not a test
          - {{file: pyproject.toml, contains: "[tool.pytest.ini_options]"}}
      - id: review-asserts
        text: Review weak assertions in the oldest tests
        status: todo          # nothing can prove this one: a claim, shown as a claim

metrics:
  - {{id: coverage, title: Code coverage, measure: coverage.total, baseline: "?", target: ">= 80"}}
  - {{id: tests, title: Test count, measure: tests.count, target: ">= 100"}}

risks:
  - {{risk: Slower CI, mitigation: Run the slow tests nightly}}

approvals:
  - {{role: Tech Lead}}
"""


def starter_plan(title: str, today: dt.date) -> str:
    """The starter text with today's date filled in."""
    return STARTER.format(title=title, today=today.isoformat(),
                          review=(today + dt.timedelta(days=14)).isoformat())
