"""One folder per sync type, each declared in its `declaration.py` and listed in `sync/catalogue.py`.
A sync type never imports another: it names one by key ("invoices"), and a drain reaches the others
through `context.peers`."""
