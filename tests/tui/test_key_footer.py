"""The footer shows the focused widget's keys and is rebuilt only when they change.

The footer composes its keys after a refresh: the tests wait until it shows what they expect
(conftest.wait_until) rather than for one idle moment, which a loaded machine can end early.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.reactive import reactive
from textual.widgets import Button, Input
from textual.widgets._footer import FooterKey

from tracker.tui.launch import make_app
from tracker.tui.widgets.key_footer import KeyFooter

from .conftest import TODAY, wait_until


def shown(app: App) -> list[tuple[str, str, bool]]:
    footer = app.screen.query_one(KeyFooter)
    return [(key.key, key.description, key.has_class("-disabled"))
            for key in footer.query(FooterKey)]


class Toggle(App[None]):
    """Two focusable widgets with the same keys, and a key that can be switched off."""

    BINDINGS = [Binding("g", "go", "Go"), Binding("x", "toggle", "Toggle")]
    allowed = reactive(True, bindings=True)

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "go" and not self.allowed else True

    def action_toggle(self) -> None:
        self.allowed = not self.allowed

    def action_go(self) -> None:
        pass


async def settled_keys(pilot: Pilot[None], app: App[None]) -> list[FooterKey]:
    """The footer's key widgets once the same widgets stayed through five pauses in a row:
    a rebuild the start scheduled, which a loaded machine runs late, is over by then."""
    keys, same = list(app.query(FooterKey)), 0
    for _ in range(200):
        await pilot.pause(0.02)
        now = list(app.query(FooterKey))
        same = same + 1 if now == keys else 0
        keys = now
        if same >= 5:
            break
    return keys


async def test_same_keys_keep_their_widgets_changed_keys_are_shown():
    app = Toggle()
    async with app.run_test(size=(80, 10)) as pilot:
        await wait_until(pilot, lambda: ("g", "Go", False) in shown(app))
        first = await settled_keys(pilot, app)  # a busy machine rebuilds late after start
        await pilot.press("tab")  # focus moves: the screen says bindings changed
        await pilot.pause()
        assert app.focused.id == "two"
        assert list(app.query(FooterKey)) == first, "same keys: nothing rebuilt"
        await pilot.press("x")  # "go" is now shown disabled
        await wait_until(pilot, lambda: ("g", "Go", True) in shown(app))
        await pilot.press("x")
        await wait_until(pilot, lambda: ("g", "Go", False) in shown(app))


async def test_the_apps_footer_shows_its_keys_after_the_filter_box(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: {"r", "t", "e", "slash", "m", "h", "q"} <= {
            key for key, _, _ in shown(app)})
        keys = {key for key, _, _ in shown(app)}
        assert {"r", "t", "e", "slash", "m", "h", "q"} <= keys
        await pilot.press("slash")
        await wait_until(pilot, lambda: app.query_one("#filter", Input).has_focus)
        assert app.query_one("#filter", Input).has_focus
        await pilot.press("enter")
        await wait_until(pilot, lambda: {key for key, _, _ in shown(app)} == keys)
        assert {key for key, _, _ in shown(app)} == keys
