"""gunicorn settings read by `make serve` and `make load` (gunicorn loads ./gunicorn.conf.py itself)."""


def post_worker_init(worker):
    """Map the machine's index snapshot (or build it once) before the worker takes any request."""
    from app.matching import warm_up

    with worker.wsgi.app_context():
        warm_up()
