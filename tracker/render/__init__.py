"""The outputs: one module per format, each rendering the one report model.

:mod:`tracker.render.report` computes the :class:`~tracker.render.report.Report` once from an
Assessment; each format (``markdown``, ``status_text``, ``status_json``, ``remind_text``,
``remind_json``, ``ics``) only turns it into text, behind the small ``Reporter`` protocol.
Nothing here judges, reads git or the store: the displays only display.
"""
