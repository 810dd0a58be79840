"""The terminal UI: the plan at a glance and live progress while tests run (Textual)."""
