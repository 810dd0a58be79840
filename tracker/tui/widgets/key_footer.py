"""Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

#: What one shown key looks like: key, description, enabled, tooltip.
KeyView = tuple[str, str, bool, str]


class KeyFooter(Footer):
    """The bindings of the focused widget, recomposed only when they differ from the shown ones.

    Textual's Footer rebuilds all its key widgets whenever the screen says its bindings may
    have changed: focus moves, the screen resumes, an action's state is refreshed. Opening
    the app does that three times with the same keys, and each rebuild styles a dozen new
    widgets: a third of the time to the first screen went there. Moving between the tree and
    the filter box keeps the same keys too.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[KeyView, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        keys = shown_keys(screen)
        will_show = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_show and keys == self._shown:
            return
        if will_show:
            self._shown = keys
        super().bindings_changed(screen)


def shown_keys(screen: Screen) -> tuple[KeyView, ...]:
    """The keys a footer on ``screen`` shows now, in order (the palette key included)."""
    return tuple((binding.key, binding.description, enabled, tooltip)
                 for _node, binding, enabled, tooltip in screen.active_bindings.values()
                 if binding.show or binding.action == "command_palette")
