"""The sync engine: the database is the queue of record, sync types are declarations, and every
attempt is kept. Pages read `models` and call `operations`; nothing else here is for them."""
