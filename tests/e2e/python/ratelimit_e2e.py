"""A sliding-window rate limiter written as one Lua script
(sliding_window.lua: TIME, ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE, ZRANGE
WITHSCORES), called through redis-py's ``register_script`` (EVALSHA, and
SCRIPT LOAD after NOSCRIPT).

Checks: worker processes racing for one window get exactly the limit
between them; a full window refuses with the time until a slot frees; the
window slides (requests are allowed again once old ones leave it); the key
expires with its window; the script still runs after SCRIPT FLUSH.
"""

import os
import subprocess
import sys
import uuid

import target

WORKERS = 4
REQUESTS = 50
LIMIT = 30
# The sliding window's length: long enough that a loaded machine sends
# the first four requests within it.
WINDOW_MS = 2000

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sliding_window.lua")) as f:
    SOURCE = f.read()


def limiter(r):
    return r.register_script(SOURCE)


def request(limit, key, window_ms, limit_count):
    allowed, detail = limit(keys=[key], args=[window_ms, limit_count, uuid.uuid4().hex])
    return allowed == 1, detail


def worker(key):
    """One worker process: REQUESTS requests; prints how many were allowed."""
    limit = limiter(target.client())
    allowed = sum(request(limit, key, 60_000, LIMIT)[0] for _ in range(REQUESTS))
    print(allowed, flush=True)


def main():
    r = target.client()
    limit = limiter(r)
    key = f"e2e:rate:{uuid.uuid4().hex}"
    workers = [
        subprocess.Popen([sys.executable, __file__, "worker", key], stdout=subprocess.PIPE, text=True)
        for _ in range(WORKERS)
    ]
    allowed = []
    for w in workers:
        out, _ = w.communicate(timeout=120)
        target.expect(w.returncode == 0, f"worker exited {w.returncode}")
        allowed.append(int(out))
    target.expect(sum(allowed) == LIMIT, f"allowed {allowed}, limit {LIMIT}")
    target.expect(r.zcard(key) == LIMIT, f"window holds {r.zcard(key)}")
    target.expect(0 < r.pttl(key) <= 60_000, f"pttl {r.pttl(key)}")
    target.ok(f"{WORKERS} worker processes, {WORKERS * REQUESTS} requests: {LIMIT} allowed")

    key = f"e2e:rate:{uuid.uuid4().hex}"
    left = [request(limit, key, WINDOW_MS, 3) for _ in range(3)]
    target.expect(left == [(True, 2), (True, 1), (True, 0)], f"first three: {left}")
    refused, wait_ms = request(limit, key, WINDOW_MS, 3)
    target.expect(not refused and 0 <= wait_ms <= WINDOW_MS, f"fourth: {refused}, {wait_ms}")
    target.ok("a full window refuses and says when a slot frees")

    target.wait_until("the window to slide", lambda: request(limit, key, WINDOW_MS, 3)[0], 10)
    target.expect(r.zcard(key) <= 3, f"window holds {r.zcard(key)}")
    target.ok("the window slides")

    target.wait_until("the window key to expire", lambda: r.exists(key) == 0, 10)
    target.ok("the key expires with its window")

    r.script_flush()
    target.expect(request(limit, key, WINDOW_MS, 3) == (True, 2), "after SCRIPT FLUSH")
    target.ok("the script is loaded again after SCRIPT FLUSH")
    target.passed()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "worker":
        worker(sys.argv[2])
    else:
        main()
