"""What several processes must agree on: shared Redis clients and one-runner-at-a-time locks."""
