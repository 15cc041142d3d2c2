"""gunicorn settings read by `make serve` and `make load` (gunicorn loads ./gunicorn.conf.py itself)."""

# A new or deleted organisation makes the next request rebuild the index (about a minute at 100,000
# organisations on two cores); the default 30 s would kill the worker in the middle of it, again and
# again. Edits of existing profiles patch the index in well under a second.
timeout = 120


def post_worker_init(worker):
    """Map the machine's index snapshot (or build it once) before the worker takes any request."""
    from app.matching import warm_up

    with worker.wsgi.app_context():
        warm_up()
