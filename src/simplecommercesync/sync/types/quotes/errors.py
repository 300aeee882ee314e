"""Error kinds only quote sync raises, so they live with it (docs/quotes.md quotes their fixes word
for word)."""

from __future__ import annotations

from simplecommercesync.sync.engine.errors import ErrorKind

QUOTE_NOT_EDITABLE = ErrorKind(
    "quote_not_editable",
    "Can't change the other side",
    "The other side refused the change because of its own rules (named in the message): undo the "
    "change on the side you edited, or make it by hand on the other side, then press Retry Sync.",
)
