"""Settings → Sync: the shell around the sync types' tabs. Each sync type brings its own tab and
pages (`settings_pages` in its declaration); this app mounts them, adds Tax, and lists the tabs."""
