"""The Dashboard: the workspace at a glance."""
