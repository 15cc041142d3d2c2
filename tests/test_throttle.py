"""Login throttling: per account, per address, kept in SQLite so it holds across processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import ACCOUNTS, PASSWORD, AuthActions

from app import create_app

TOO_MANY = "Too many failed attempts"


def fail(auth, who="member_bfc", times=1):
    for _ in range(times):
        assert auth.login(who, "a wrong password here").status_code == 401


def test_sixth_try_on_one_account_is_refused_even_with_the_right_password(auth, client):
    client.get("/auth/login?lang=en")
    fail(auth, times=5)
    response = auth.login("member_bfc", PASSWORD)
    assert response.status_code == 429 and TOO_MANY in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_other_accounts_are_not_locked_by_one_account(auth):
    fail(auth, times=5)
    assert auth.login("member_qc").status_code == 302


def test_a_success_clears_the_account_failures(auth):
    fail(auth, times=4)
    assert auth.login("member_bfc").status_code == 302
    auth.logout()
    fail(auth, times=4)
    assert auth.login("member_bfc").status_code == 302


def test_one_address_is_limited_across_accounts(seeded):
    client = seeded.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    auth = AuthActions(client)
    for index in range(20):
        assert auth.login(f"guess{index}@test.example.org", "a wrong password here").status_code == 401
    assert auth.login("member_qc").status_code == 429
    elsewhere = seeded.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    assert AuthActions(elsewhere).login("member_qc").status_code == 302


def test_failures_expire_after_the_window(auth, db):
    fail(auth, times=5)
    db.execute("UPDATE login_attempts SET at = at - 16 * 60")
    assert auth.login("member_bfc").status_code == 302


def test_limit_holds_across_server_processes(seeded, tmp_path):
    """Five failures in another Python process lock the account here too."""
    script = textwrap.dedent(
        f"""
        import re, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from conftest import AuthActions
        from app import create_app
        app = create_app({{"TESTING": True, "DATABASE": {seeded.config["DATABASE"]!r}, "SECRET_KEY": "other",
                          "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "EMBEDDING_MODEL": "fake"}})
        auth = AuthActions(app.test_client())
        email = {ACCOUNTS["member_bfc"][0]!r}
        codes = [auth.login(email, "a wrong password here").status_code for _ in range(5)]
        print(codes)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[401, 401, 401, 401, 401]"
    here = AuthActions(create_app({**seeded.config}).test_client())
    assert here.login("member_bfc").status_code == 429


def test_wrong_current_password_counts_as_a_failure(auth):
    auth.login("member_bfc")
    for _ in range(5):
        response = auth.post(
            "/auth/password", {"current_password": "guess", "new_password": "x" * 12, "confirm": "x" * 12}
        )
        assert response.status_code == 400
    response = auth.post(
        "/auth/password", {"current_password": PASSWORD, "new_password": "y" * 12, "confirm": "y" * 12}
    )
    assert response.status_code == 429
