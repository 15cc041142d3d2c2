"""Shared fixtures: an app on a fresh database per test, its client and CLI runner."""

from __future__ import annotations

import pytest

from app import create_app
from app.db import connect, init_db

# Cheap scrypt parameters keep the suite fast; test_users checks the production default.
TEST_HASH_METHOD = "scrypt:1024:8:1"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setattr("app.PROJECT_ROOT", tmp_path)  # instance folder inside tmp_path
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "test.db"),
            "SECRET_KEY": "test-secret",
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            "EMBEDDING_MODEL": "fake",
        }
    )
    db = connect(app.config["DATABASE"])
    init_db(db)
    db.close()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()
