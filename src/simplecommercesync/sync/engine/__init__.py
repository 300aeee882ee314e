"""The engine: what a sync type is (`declaration`), the queue of record (`queue`, `models`), the drain
that works it (`drain`), exactly-once QuickBooks writes (`writes`), links between the two sides
(`links`), dry-run plans (`planning`), the clients of one drain (`clients`, `tokens`) and the
engine's own error kinds (`errors`). It never names a sync type: drains get their declaration."""
