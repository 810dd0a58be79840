"""Displays of an Assessment as text: Markdown now, iCalendar later."""
