"""Screens beyond the main one: metrics and history."""
