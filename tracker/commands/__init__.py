"""Commands that live in their own modules, registered on the ``tracker`` group by cli.py.

Each module holds one click command and imports what it needs inside the command, so that
registering it costs nothing at start-up.
"""
