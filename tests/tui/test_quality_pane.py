"""The detail pane shows an item's test-quality and complexity findings, offenders named."""

from __future__ import annotations

import shutil

from tracker.tui.launch import make_app
from tracker.tui.widgets.plan_tree import PlanTree

from ..helpers import write
from ..test_quality import SAMPLE
from .conftest import TODAY
from .test_app import detail_text


async def test_the_pane_names_weak_tests_and_complex_functions(tmp_path):
    shutil.copytree(SAMPLE, tmp_path, dirs_exist_ok=True)
    write(tmp_path, "plan.yaml", """
title: Quality
phases:
  - id: "1"
    title: Quality
    items:
      - id: weak
        text: Strengthen the weak assertions
        tests: [tests/test_patterns.py]
        expect: {max_weak_assertions: 0}
      - id: simple
        text: Keep the cart simple
        targets: [src/shop/cart.py]
        expect: {max_complexity: 2}
""")
    app = make_app(tmp_path / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(PlanTree)
        seen = {}
        for _ in range(4):
            await pilot.press("down")
            node = tree.cursor_node
            if node is not None and node.data.kind == "item":
                seen[node.data.id] = detail_text(app)
        assert "✘ 7 weak assertions (at most 0)" in seen["weak"]
        assert "tests/test_patterns.py::test_bare_truthiness (line 25: bare truthiness)" \
            in seen["weak"]
        assert "✘ 6 complexity (at most 2)" in seen["simple"]
        assert "src/shop/cart.py::checkout (6)" in seen["simple"]
        assert "src/shop/cart.py::discount (3)" in seen["simple"]
