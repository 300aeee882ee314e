"""One call path for every provider: session, call policy, shared rate limits, tokens, typed errors."""
