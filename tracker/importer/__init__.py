"""Markdown testing plan → plan.yaml: ``tracker import``."""
