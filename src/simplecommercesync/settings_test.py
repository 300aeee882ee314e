"""Settings for the test suite: the product's settings, in an environment of the tests' own.

pytest-django imports settings before any conftest runs, so what the tests need must be in place
here: a private var dir per test process (else every run, and `make run` in the same checkout,
would share `./var`, its SQLite test database and its SQLite task queue), fixed keys, and the
backends `make test` chose through TEST_DATABASE_URL / TEST_REDIS_URL. Subprocesses that tests
start inherit the same environment.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SCS_ENV", "test")
os.environ.setdefault("SCS_VAR_DIR", tempfile.mkdtemp(prefix="scs-test-"))
os.environ.setdefault("SCS_SECRET_KEY", "test-secret-key-not-for-production-use-0123456789")
os.environ.setdefault(
    "SCS_ENCRYPTION_KEYS",
    "uHnD2cHc9Vb1m9o3cB0yR6kQbYp5mTz6vS9W4gWm0aE=,0zv1LZr3Zq9c0D6nY6Sxv0rH8k0bZbq2hS8b2mQ6Uo0=",
)
# Each test process (xdist worker) has a task queue of its own, which the `scs worker` processes
# its tests start inherit: test runs sharing one Redis database never take each other's tasks.
os.environ["SCS_QUEUE_NAME"] = f"scs-test-{os.getpid()}"
# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it are
# ordinary synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
for _test_name, _name in (("TEST_DATABASE_URL", "DATABASE_URL"), ("TEST_REDIS_URL", "REDIS_URL")):
    if os.environ.get(_test_name):
        os.environ[_name] = os.environ[_test_name]
    else:
        os.environ.pop(_name, None)

from simplecommercesync.settings import *  # noqa: E402,F403
