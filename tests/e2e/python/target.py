"""Where the end-to-end scripts connect, and how they report.

The harness (crates/keel/tests/libraries.rs) sets ``E2E_URL`` to
``redis://127.0.0.1:<port>/0`` (keel) or ``unix:///<dir>/redis.sock?db=0``
(the reference redis-server, which listens on a Unix socket only). Every
script prints one ``ok <check>`` line per check that held and ``PASS`` as
its last line; any failure raises, prints a traceback and exits non-zero.
"""

import os
import sys
import time
from urllib.parse import urlparse

import redis

URL = os.environ["E2E_URL"]


def client(**kwargs):
    """A redis-py client for the target."""
    return redis.Redis.from_url(URL, **kwargs)


def kombu_url():
    """The same target as a kombu/Celery broker or result-backend URL."""
    parsed = urlparse(URL)
    if parsed.scheme == "unix":
        return f"redis+socket://{parsed.path}"
    return URL


def ok(check):
    """Reports a check that held."""
    print(f"ok {check}", flush=True)


def passed():
    """Reports that every check held."""
    print("PASS", flush=True)


def wait_until(what, condition, timeout=30.0):
    """Polls ``condition`` until it is true; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def expect(condition, message):
    """Fails with ``message`` unless ``condition`` holds."""
    if not condition:
        print(f"FAIL {message}", file=sys.stderr, flush=True)
        raise AssertionError(message)
