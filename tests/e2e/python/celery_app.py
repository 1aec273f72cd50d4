"""The Celery application the Celery end-to-end run enqueues to: Redis
broker and Redis result backend, both on the target."""

from celery import Celery

import target

app = Celery("keel_e2e", broker=target.kombu_url(), backend=target.kombu_url())
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Give up quickly instead of retrying a dead server for minutes.
    broker_connection_retry_on_startup=True,
    broker_connection_max_retries=3,
    result_expires=600,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
)


@app.task
def add(x, y):
    return x + y


@app.task(bind=True, max_retries=5)
def flaky(self, counter):
    """Fails the first two times it runs, then returns how often it ran.
    The attempts are counted in the store itself, so the count is right
    whichever worker process runs each attempt."""
    attempts = target.client().incr(counter)
    if attempts < 3:
        raise self.retry(exc=RuntimeError(f"attempt {attempts} fails"), countdown=0)
    return attempts


@app.task(bind=True, max_retries=2)
def hopeless(self):
    """Always fails; after two retries the failure is the result."""
    raise self.retry(exc=ValueError("hopeless"), countdown=0)
