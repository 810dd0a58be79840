"""Error types that cross layers, in a module that imports nothing.

The pipeline and the commands catch a store that cannot be read without importing the store
(and ``sqlite3``) on paths that never open one.
"""


class StoreError(Exception):
    """The store cannot be used; the message is one line saying what is wrong and what to do."""
