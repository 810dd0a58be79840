"""tracker: a phased testing plan as living data, its status earned by evidence."""

__version__ = "0.1.0"
