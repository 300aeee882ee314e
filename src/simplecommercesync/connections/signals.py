"""Signals other parts of the product subscribe to.

`connection_healthy` is sent (workspace_id, provider) whenever a connection becomes usable again:
first connect, reconnect, or recovery. The sync engine releases held work and starts a catch-up
pass on it.

`account_switched` is sent (workspace_id, provider, old_account_id, new_account_id) when a
different portal or company was connected; each receiver returns a list of the portal-specific
settings it holds, as short descriptions, to be flagged "needs review".

`refresh_due` is sent (connection_id, eta) when a connection's next refresh should be queued; the
task module receives it, so the refresh code never imports the task queue.
"""

from django.dispatch import Signal

refresh_due = Signal()

connection_healthy = Signal()
account_switched = Signal()
