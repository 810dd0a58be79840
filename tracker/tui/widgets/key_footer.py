"""Textual's Footer, rebuilt only when the keys it shows change, and fitted to the width."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen
from textual.widgets import Footer

#: What one shown key looks like: key, description, enabled, tooltip.
KeyView = tuple[str, str, bool, str]

#: Narrower than this, keys are packed closer (Textual's compact footer).
COMPACT_BELOW = 100
#: Narrower than this, the palette key (ctrl+p, which still works) makes room for the app's.
PALETTE_FROM = 90


class KeyFooter(Footer):
    """The bindings of the focused widget, recomposed only when they differ from the shown ones.

    Textual's Footer rebuilds all its key widgets whenever the screen says its bindings may
    have changed: focus moves, the screen resumes, an action's state is refreshed. Opening
    the app does that three times with the same keys, and each rebuild styles a dozen new
    widgets: a third of the time to the first screen went there.

    At 80 columns the app's keys and the palette key do not fit on one line: the footer packs
    them closer below 100 columns and leaves the palette key out below 90.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple[KeyView, ...] | None = None

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.compact = width < COMPACT_BELOW
        palette = width >= PALETTE_FROM
        if palette != self.show_command_palette:
            self.show_command_palette = palette
            if self._shown is not None:  # keys are shown: show them again without it
                self.refresh(recompose=True)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        keys = shown_keys(screen)
        will_show = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_show and keys == self._shown:
            return
        if will_show:
            self._shown = keys
        super().bindings_changed(screen)


def shown_keys(screen: Screen[Any]) -> tuple[KeyView, ...]:
    """The keys a footer on ``screen`` shows now, in order (the palette key included)."""
    return tuple((binding.key, binding.description, enabled, tooltip)
                 for _node, binding, enabled, tooltip in screen.active_bindings.values()
                 if binding.show or binding.action == "command_palette")
