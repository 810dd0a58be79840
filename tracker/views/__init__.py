"""What the terminal UI's screens show, shaped as typed values outside Textual.

The screens only display these: the shaping (which rows, in which order, what is listed once)
is plain Python that tests can check without an app, and that never imports Textual.
"""
