"""Every action of the app in the command palette, under namespaced names."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (palette name, action name on the app, help)
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("plan: reload", "reload", "Read plan.yaml and the evidence again"),
    ("plan: edit selected node", "edit", "Open $EDITOR at the selected node's line"),
    ("plan: filter", "filter", "Filter the tree by text or status:NAME"),
    ("run: all tests", "run_all", "Run the whole suite under coverage and record it"),
    ("run: selected item or phase", "run_selected", "Run only the selection's tests"),
    ("run: cancel", "cancel_run", "Stop the running suite; earlier runs stay intact"),
    ("view: metrics", "metrics", "Metrics with targets and trends"),
    ("view: history", "history", "Coverage and test count over runs and commits"),
    ("view: reminders", "reminders", "What is overdue or due soon"),
    ("view: toggle dark mode", "toggle_dark", "Switch between light and dark themes"),
    ("view: change theme", "change_theme", "Pick one of Textual's themes"),
)


class TrackerCommands(Provider):
    """Lists the same actions the keys call."""

    async def discover(self) -> Hits:
        for name, action, help_text in COMMANDS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self._run, action),
                          help=help_text)

    async def _run(self, action: str) -> None:
        app = self.app
        if action in getattr(app, "MAIN_SCREEN_ACTIONS", ()):
            await app.back_to_main()  # type: ignore[attr-defined]
        await app.run_action(action)
