"""redis-py's ``Lock`` end to end (its acquire, extend and release are Lua
scripts sent with EVALSHA).

Checks: acquire and ownership, contention between two holders, extend
(added and replaced TTL), release (only by the owner), expiry (an expired
lock can be taken by another and the old owner can no longer extend or
release it), and mutual exclusion between worker processes that increment
a counter with a non-atomic GET and SET under the lock.
"""

import subprocess
import sys
import uuid

from redis.exceptions import LockNotOwnedError

import target

WORKERS = 4
ROUNDS = 25


def worker(name, counter):
    """One worker process: ROUNDS read-modify-write increments under the lock."""
    r = target.client()
    for _ in range(ROUNDS):
        with r.lock(name, timeout=10, blocking_timeout=30):
            value = int(r.get(counter) or 0)
            r.set(counter, value + 1)


def single_holder_checks(r, name):
    first = r.lock(name, timeout=10)
    second = r.lock(name, timeout=10)
    target.expect(first.acquire(blocking=False), "first acquire")
    target.expect(first.locked() and first.owned(), "first owns the lock")
    target.ok("acquire")

    target.expect(not second.acquire(blocking=False), "second acquired a held lock")
    target.expect(not second.acquire(blocking_timeout=0.2), "second acquired with a wait")
    target.expect(not second.owned(), "second owns nothing")
    try:
        # The release script itself refuses a token that is not the owner's.
        second.do_release(b"not-the-owner")
        raise AssertionError("a non-owner released the lock")
    except LockNotOwnedError:
        pass
    target.ok("contention: a second holder waits and cannot release")

    target.expect(first.extend(20), "extend")
    target.expect(20_000 < r.pttl(name) <= 30_000, f"extended pttl {r.pttl(name)}")
    target.expect(first.extend(5, replace_ttl=True), "extend replace_ttl")
    target.expect(0 < r.pttl(name) <= 5_000, f"replaced pttl {r.pttl(name)}")
    target.ok("extend adds to and replaces the TTL")

    token = first.local.token
    first.release()
    target.expect(not first.locked() and r.exists(name) == 0, "released")
    try:
        first.do_release(token)
        raise AssertionError("released twice")
    except LockNotOwnedError:
        pass
    target.expect(second.acquire(blocking=False), "second acquires after release")
    second.release()
    target.ok("release")

    short = r.lock(name, timeout=0.3)
    target.expect(short.acquire(blocking=False), "short acquire")
    late = r.lock(name, timeout=10)
    target.wait_until("the short lock to expire", lambda: late.acquire(blocking=False), 10)
    for op in (lambda: short.extend(1), short.release):
        try:
            op()
            raise AssertionError("the expired owner still holds the lock")
        except LockNotOwnedError:
            pass
    target.expect(late.owned(), "the new owner holds it")
    late.release()
    target.ok("expiry: an expired lock goes to the next holder")


def main():
    r = target.client()
    name = f"e2e:lock:{uuid.uuid4().hex}"
    single_holder_checks(r, name)

    counter = f"{name}:counter"
    workers = [
        subprocess.Popen([sys.executable, __file__, "worker", name, counter])
        for _ in range(WORKERS)
    ]
    for w in workers:
        target.expect(w.wait(timeout=120) == 0, f"worker exited {w.returncode}")
    total = int(r.get(counter))
    target.expect(total == WORKERS * ROUNDS, f"counter {total}, lost updates")
    target.ok(f"{WORKERS} worker processes: {total} increments, none lost")
    target.passed()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        main()
