"""gunicorn settings read by `make serve` and `make load` (gunicorn loads ./gunicorn.conf.py itself)."""

# A worker maps the machine's index snapshot at start (2 s at 100,000 organisations), and every change
# since (edits, new and deleted organisations) is patched in place in well under a second: no request
# rebuilds the index, but after a bulk import of more than 2,000 organisations (then one process
# builds, about 25 s at 100,000 alone, 60 s with four workers on two cores, and the others wait for
# its snapshot). 60 s covers that; the default 30 s would kill the waiting workers.
timeout = 60


def post_worker_init(worker):
    """Map the machine's index snapshot (or build it once), load the model and every template, before
    any request: a page's first request in a worker no longer compiles its templates (the network
    picture's first view took 0.3 s under load, against 50 ms after)."""
    from app.matching import warm_up

    app = worker.wsgi
    with app.app_context():
        warm_up(model=True)
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
