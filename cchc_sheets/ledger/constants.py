"""Facts about the ledger's file that both readers need: the full store (SQLAlchemy) and the
quick read-only path (``quick``, standard library only). No imports, so either can use them."""

SCHEMA_VERSION = 2          # raise it with a step in ``schema.MIGRATIONS`` (2: locks keep what their workbook was built with)
BUSY_TIMEOUT_MS = 15_000    # how long a SQLite reader or writer waits for the write lock
