"""Configuration in one place: defaults, then the environment, then the test dict; the instance folder."""

from __future__ import annotations

from app import create_app
from app.config import DEFAULTS, load


def test_the_environment_overrides_the_defaults_and_the_test_dict_overrides_both(tmp_path):
    environ = {
        "PASSERELLE_DATABASE": "/srv/env.db",
        "PASSERELLE_HTTPS": "yes",
        "PASSERELLE_INSTANCE": "/srv/i",
    }
    config = load(None, environ)
    assert config["DATABASE"] == "/srv/env.db" and config["INSTANCE_PATH"] == "/srv/i"
    assert config["SESSION_COOKIE_SECURE"] is True and config["PREFERRED_URL_SCHEME"] == "https"
    config = load({"DATABASE": str(tmp_path / "t.db")}, environ)
    assert config["DATABASE"] == str(tmp_path / "t.db")
    assert load(None, {})["DATABASE"] == DEFAULTS["DATABASE"]


def test_the_instance_folder_comes_from_the_config(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "x.db"), "INSTANCE_PATH": str(tmp_path / "here")})
    assert app.instance_path == str(tmp_path / "here")
    assert (tmp_path / "here" / "secret_key").read_text().strip() == app.config["SECRET_KEY"]


def test_the_memory_of_a_proposal_block_comes_from_the_environment():
    assert load(None, {})["PROPOSAL_BLOCK_MB"] == 128
    assert load(None, {"PASSERELLE_PROPOSAL_BLOCK_MB": "32"})["PROPOSAL_BLOCK_MB"] == 32.0
