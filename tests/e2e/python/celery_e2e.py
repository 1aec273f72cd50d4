"""Celery end to end: a real worker process consumes tasks from the Redis
broker on the target and stores results in the Redis result backend there.

Checks: tasks are enqueued and processed, a failing task is retried until
it succeeds, a task that keeps failing ends as FAILURE with its exception,
and every result is stored under Celery's result key.
"""

import json
import os
import signal
import subprocess
import sys
import uuid

import target
from celery_app import add, app, flaky, hopeless

TIMEOUT = 60


def start_worker():
    here = os.path.dirname(os.path.abspath(__file__))
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "celery_app", "worker",
            "--pool=solo", "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"e2e-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=here,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )


def stored(task_id):
    """The result the backend stored for ``task_id``."""
    raw = target.client().get(f"celery-task-meta-{task_id}")
    target.expect(raw is not None, f"no stored result for {task_id}")
    return json.loads(raw)


def main():
    worker = start_worker()
    try:
        sums = [add.delay(i, i) for i in range(20)]
        values = [r.get(timeout=TIMEOUT) for r in sums]
        target.expect(values == [2 * i for i in range(20)], f"sums: {values}")
        target.ok("20 tasks enqueued and processed by the worker")

        for r in sums:
            meta = stored(r.id)
            target.expect(meta["status"] == "SUCCESS", f"stored: {meta}")
            target.expect(meta["result"] == r.get(timeout=TIMEOUT), f"stored: {meta}")
        target.ok("every result stored in the backend")

        counter = f"e2e:flaky:{uuid.uuid4().hex}"
        retried = flaky.delay(counter)
        target.expect(retried.get(timeout=TIMEOUT) == 3, "flaky task result")
        target.expect(int(target.client().get(counter)) == 3, "flaky ran three times")
        target.expect(stored(retried.id)["status"] == "SUCCESS", "flaky stored")
        target.ok("a failing task retried twice, then succeeded")

        failed = hopeless.delay()
        try:
            failed.get(timeout=TIMEOUT)
            raise AssertionError("hopeless task succeeded")
        except ValueError as e:
            target.expect(str(e) == "hopeless", f"exception: {e!r}")
        meta = stored(failed.id)
        target.expect(meta["status"] == "FAILURE", f"stored: {meta}")
        target.expect(meta["result"]["exc_type"] == "ValueError", f"stored: {meta}")
        target.ok("a task failing every retry stored as FAILURE")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    target.expect(worker.returncode == 0, f"worker exited {worker.returncode}")
    target.ok("worker shut down cleanly")
    app.close()
    target.passed()


if __name__ == "__main__":
    main()
