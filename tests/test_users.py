"""Password storage and strength rules."""

import hashlib

from app.users import OWASP_SCRYPT_METHOD, hash_password, password_problem, verify_password


def test_production_hash_meets_owasp_minimum_for_scrypt():
    method, n, r, p = OWASP_SCRYPT_METHOD.replace(":", " ").split()
    assert method == "scrypt" and int(n) >= 2**17 and int(r) >= 8 and int(p) >= 1
    stored = hash_password("a long enough passphrase")
    assert stored.startswith("scrypt:131072:8:1$")
    assert verify_password(stored, "a long enough passphrase")
    assert not verify_password(stored, "a long enough passphrasE")


def test_hash_is_salted():
    assert hash_password("same passphrase here", "scrypt:1024:8:1") != hash_password(
        "same passphrase here", "scrypt:1024:8:1"
    )
    assert hashlib.sha256(b"same passphrase here").hexdigest() not in hash_password(
        "same passphrase here", "scrypt:1024:8:1"
    )


def test_password_rules():
    assert "at least 10" in password_problem("short")
    assert "too weak" in password_problem("qwertyuiop1")
    assert "too weak" in password_problem("alice.martin2024", email="alice.martin2024@example.org")
    assert password_problem("rivière lente sous la passerelle") is None
