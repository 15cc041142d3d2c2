"""Language: French by default, English by switch, and both catalogues complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


@pytest.fixture(scope="module")
def french():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="fr")


def source_messages() -> set[str]:
    """Every msgid the code and templates use (what `pybabel extract -F babel.cfg` finds)."""
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={**KEYWORDS, "_l": None}, options_map={"app/templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_has_a_french_translation(french):
    missing = []
    for msgid in sorted(source_messages()):
        message = french.get(msgid)
        strings = message.string if message else None
        if not message or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(msgid)
    assert missing == [], "run `make translations` and translate these in messages.po"


def test_no_fuzzy_or_empty_entries(french):
    assert [m.id for m in french if m.id and (m.fuzzy or not m.string)] == []


def test_french_by_default_and_english_by_switch(client):
    page = client.get("/auth/login")
    text = page.get_data(as_text=True)
    assert '<html lang="fr">' in text and "Se connecter" in text and "Mot de passe" in text
    switched = client.get("/auth/login?lang=en")
    assert switched.status_code == 302 and switched.headers["Location"] == "/auth/login"
    text = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in text and "Log in" in text and "Password" in text
    client.get("/auth/login?lang=fr")
    assert "Se connecter" in client.get("/auth/login").get_data(as_text=True)


def test_browser_preference_is_used_until_a_choice_is_made(client):
    text = client.get("/auth/login", headers={"Accept-Language": "en-CA,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in text


@pytest.mark.parametrize(
    "lang, words",
    [
        ("fr", ["Partenaires suggérés", "Échange de personnel", "Essai clinique conjoint", "Intéressé"]),
        ("en", ["Suggested partners", "Staff exchange", "Joint clinical trial", "Interested"]),
    ],
)
def test_member_page_renders_in_both_languages(auth, client, lang, words):
    auth.login("member_bfc")
    client.get(f"/auth/password?lang={lang}")
    text = client.get("/members/", follow_redirects=True).get_data(as_text=True)
    assert all(word in text for word in words)


def test_language_choice_survives_login(auth, client):
    client.get("/auth/login?lang=en")
    auth.login("coordinator")
    assert "Review queue" in client.get("/coordination/").get_data(as_text=True)


def test_every_score_part_of_the_engine_has_a_label():
    from models.matching.weights import FEATURES
    from models.vocabulary import PART_LABELS as PARTS

    assert [name for name in FEATURES if name not in PARTS] == []


def french_strings(catalogue):
    """(msgid, msgstr) of every French string, each plural form apart."""
    for message in catalogue:
        if message.id:
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            yield from ((msgid, form) for form in forms)


def test_french_typography_is_one_convention(french):
    """A no-break space before : ; ? ! and inside « », the apostrophe ’, and no English quotes."""
    wrong = []
    for msgid, text in french_strings(french):
        spaces = re.search(r" [:;?!]| »|« |[^\s\u00a0][;?!](\s|$)|[^\s\u00a0]«|»[^\s\u00a0.,)]", text)
        if spaces or re.search(r"['“”\"]", text):
            wrong.append((msgid, text))
    assert wrong == []


def test_one_french_word_per_concept(french):
    """A meeting is a « rendez-vous », an email a « courriel », a form a « formulaire », the coordinators
    « la coordination »."""
    others = (
        r"(\b(une|la|les|des|cette|aucune|vos) rencontres?|^Rencontres?)\b(?! d’affaires)"
        r"|\b(e-mails?|questionnaires?)\b"
        r"|\bcoordinateurs\b"  # those who coordinate are « la coordination »
    )
    wrong = [(msgid, text) for msgid, text in french_strings(french) if re.search(others, text)]
    assert wrong == []


def test_one_english_word_per_concept(french):
    """The English text (the msgids) writes "email", never "e-mail", as the French writes « courriel »."""
    msgids = [m.id if isinstance(m.id, str) else " ".join(m.id) for m in french if m.id]
    assert [msgid for msgid in msgids if re.search(r"\be-mails?\b", msgid, re.IGNORECASE)] == []
