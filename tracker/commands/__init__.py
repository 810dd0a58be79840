"""Commands kept in their own modules, registered on the ``tracker`` group by cli.py.

Each module holds one command or a few related ones and imports what they need inside the
command functions, so that registering them costs nothing at start-up.
"""
