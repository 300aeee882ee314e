"""Exit 0 when the PostgreSQL and Redis given on the command line answer; used by `make test`."""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlparse


def answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), 1):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    postgres_url, redis_url = argv
    return 0 if answers(postgres_url, 5432) and answers(redis_url, 6379) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
