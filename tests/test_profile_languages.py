"""Profiles in the language their organisation writes in, with a second version in the other one.

The engine embeds the texts as written (``text_language``); pages show the reader's version when the
organisation wrote one, else the text as written, marked with its language and a visible note. The
second version is the members' to write: saving it is audited and owes the engine nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import AuthActions, bearer, org_id, page_text

from app.coordination.queries import ensure_pairing
from app.operations import SYSTEM, organisations
from app.orgs.queries import get_organisation, translations_of
from models.errors import Conflict, InvalidImport
from models.profiles import dump_records, parse_import

EFS_FR = "Antenne régionale de l'Établissement français du sang."
EFS_EN = "Regional branch of the French national blood service."
MILA_EN = "AI research institute founded by Yoshua Bengio"
SEED = Path(__file__).resolve().parent.parent / "data" / "seed" / "ecosystem.jsonl"
ENGLISH_NOTE = re.compile(r'<span lang="en">[^<]*</span> <span class="lang-note">\(en anglais\)</span>')


def _reader(app, who: str, lang: str):
    client = app.test_client()
    assert AuthActions(client).login(who).status_code == 302
    client.get(f"/auth/password?lang={lang}")
    return client


def _post_version(client, org: int, data: dict):
    """Post the second-version form (its fields are prefixed ``translation-``) with a CSRF token."""
    token = AuthActions(client).csrf_token("/auth/password")
    return client.post(f"/members/{org}/profile/translation", data={**data, "translation-csrf_token": token})


def _engine_jobs(db) -> list[tuple]:
    return db.execute("SELECT org_id, status, generation FROM engine_jobs ORDER BY org_id").fetchall()


def test_the_seed_holds_each_profile_in_its_language_with_the_other_as_second_version(seeded, db):
    efs, mila = get_organisation(db, org_id(db, "EFS BFC")), get_organisation(db, org_id(db, "Mila"))
    assert efs["text_language"] == "fr" and efs["expertise"].startswith(EFS_FR[:-1])
    assert translations_of(db, efs["id"])["en"]["expertise"].startswith(EFS_EN[:-1])
    assert mila["text_language"] == "en" and MILA_EN in mila["expertise"]
    assert list(translations_of(db, mila["id"])) == ["fr"]
    languages = dict(db.execute("SELECT text_language, COUNT(*) FROM organisations GROUP BY 1").fetchall())
    assert languages == {"fr": 42, "en": 4}


def test_an_efs_member_reads_its_profile_in_french_and_an_english_reader_in_english(seeded, db):
    efs = org_id(db, "EFS BFC")
    french = _reader(seeded, "member_bfc", "fr").get(f"/organisations/{efs}")
    html = page_text(french)
    assert f'<span lang="fr">{EFS_FR[:-1]}' in html and EFS_EN[:-1] not in html
    assert "(en anglais)" not in html
    english = page_text(_reader(seeded, "member_qc", "en").get(f"/organisations/{efs}"))
    assert f'<span lang="en">{EFS_EN[:-1]}' in english and EFS_FR[:-1] not in english
    assert "(in French)" not in english  # the version the reader reads is not flagged


def test_a_profile_without_the_readers_version_is_marked_with_its_language_and_a_note(seeded, db):
    mila = org_id(db, "Mila")
    french_version = page_text(_reader(seeded, "member_bfc", "fr").get(f"/organisations/{mila}"))
    assert MILA_EN not in french_version and '<span lang="fr">' in french_version
    organisations.save_translation(db, SYSTEM, mila, "fr", {"expertise": "", "offers": "", "seeks": ""})
    assert translations_of(db, mila) == {}
    html = page_text(_reader(seeded, "member_bfc", "fr").get(f"/organisations/{mila}"))
    assert MILA_EN in html
    assert len(ENGLISH_NOTE.findall(html)) == 3  # expertise, offers, seeks
    assert "Text in French" not in html


def test_evidence_passages_are_shown_as_embedded_with_their_language(seeded, db):
    efs, mila = org_id(db, "EFS BFC"), org_id(db, "Mila")
    pairing_id = ensure_pairing(db, efs, mila, "event", "engine", 0.5)
    html = page_text(_reader(seeded, "coordinator", "fr").get(f"/coordination/pairings/{pairing_id}"))
    partner = re.findall(r'<blockquote class="partner">.*?</blockquote>', html, re.S)
    assert partner and all(ENGLISH_NOTE.search(quote) for quote in partner)  # Mila wrote in English
    own = re.findall(r'<blockquote class="own">.*?</blockquote>', html, re.S)
    assert own and all('<span lang="fr">' in quote and "lang-note" not in quote for quote in own)


def test_a_member_saves_the_english_version_and_no_engine_job_is_made(seeded, db):
    efs = org_id(db, "EFS BFC")
    client = _reader(seeded, "member_bfc", "fr")
    form = page_text(client.get(f"/members/{efs}/profile"))
    assert "Version anglaise du profil" in form and 'name="translation-expertise"' in form
    assert re.search(r'<textarea[^>]*lang="en"[^>]*name="translation-offers"', form)
    jobs, events = _engine_jobs(db), db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    texts = {"expertise": "Blood service of the region.", "offers": "GMP slots.", "seeks": "Partners."}
    data = {f"translation-{k}": v for k, v in texts.items()}
    data["translation-updated_at"] = get_organisation(db, efs)["updated_at"]
    response = _post_version(client, efs, data)
    assert response.status_code == 302
    shown = page_text(client.get(response.headers["Location"]))
    assert "La version anglaise du profil est enregistrée\u00a0; les suggestions ne changent pas." in shown
    assert translations_of(db, efs)["en"]["offers"] == "GMP slots."
    assert translations_of(db, efs)["en"]["updated_by"] == seeded.user_ids["member_bfc"]
    assert _engine_jobs(db) == jobs  # never embedded: the engine owes nothing
    event = db.execute("SELECT name, data FROM events ORDER BY id DESC LIMIT 1").fetchone()
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events + 1
    assert event[0] == "organisation.translation_saved" and json.loads(event[1]) == {"languages": ["en"]}
    english = page_text(_reader(seeded, "member_qc", "en").get(f"/organisations/{efs}"))
    assert '<span lang="en">Blood service of the region.</span>' in english


def test_a_half_written_version_is_refused_and_changes_nothing(seeded, db):
    efs = org_id(db, "EFS BFC")
    client = _reader(seeded, "member_bfc", "fr")
    before = translations_of(db, efs)
    data = {"translation-expertise": "Only this.", "translation-offers": "", "translation-seeks": ""}
    response = _post_version(client, efs, data)
    assert response.status_code == 400
    html = page_text(response)
    refused = "La deuxième version n’a pas été enregistrée\u00a0: corrigez les champs signalés ci-dessous."
    assert refused in html
    assert html.count("Remplissez aussi ce texte, ou videz les trois pour retirer la version.") == 2
    assert "Only this.</textarea>" in html  # what was typed is kept
    assert translations_of(db, efs) == before
    assert client.post(f"/members/{efs}/profile/translation", data=data).status_code == 400  # no CSRF token


def test_another_organisations_member_may_not_write_its_version(seeded, db):
    thecell = org_id(db, "ThéCell")
    client = _reader(seeded, "member_bfc", "fr")
    data = {"translation-expertise": "x", "translation-offers": "y", "translation-seeks": "z"}
    assert _post_version(client, thecell, data).status_code == 403
    assert _post_version(client, 99999, data).status_code == 404


def test_a_version_in_the_language_the_texts_are_in_is_a_conflict(seeded, db):
    efs = org_id(db, "EFS BFC")
    with pytest.raises(Conflict):
        organisations.save_translation(db, SYSTEM, efs, "fr", {"expertise": "a", "offers": "b", "seeks": "c"})


def _lines(*records) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()


def test_import_with_an_unknown_translation_language_names_line_and_field(seeded, db, runner, tmp_path):
    seed = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()][:2]
    seed[1] = seed[1] | {"translations": {"de": {"expertise": "a", "offers": "b", "seeks": "c"}}}
    with pytest.raises(InvalidImport) as refused:
        parse_import(_lines(*seed), "jsonl")
    assert refused.value.problems == ["line 2: translations: unknown language 'de'; use fr or en"]
    seed[1]["translations"] = {"en": {"expertise": "a", "offers": "", "seeks": "c", "extra": "d"}}
    with pytest.raises(InvalidImport) as refused:
        parse_import(_lines(*seed), "jsonl")
    assert refused.value.problems == [
        "line 2: translations.en: unknown field 'extra'",
        "line 2: translations.en.offers must not be empty",
    ]
    seed[1]["translations"] = {"fr": {"expertise": "a", "offers": "b", "seeks": "c"}}
    seed[1]["text_language"] = "de"
    with pytest.raises(InvalidImport) as refused:
        parse_import(_lines(*seed), "jsonl")
    assert refused.value.problems == ["line 2: text_language must be fr or en, got 'de'"]
    path = tmp_path / "bad.jsonl"
    seed[0]["offers"] = "Changed."
    path.write_bytes(_lines(*seed))
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code != 0 and "line 2: text_language" in result.output
    assert get_organisation(db, org_id(db, "EFS BFC"))["offers"] != "Changed."  # nothing written


def test_a_csv_version_has_its_own_columns(seeded, db):
    records = parse_import(SEED.read_bytes(), "jsonl")[:2]
    text = dump_records(records, "csv")
    header = text.splitlines()[0].split(",")
    assert header[-5:] == [
        "text_language",
        "translation_language",
        "translation_expertise",
        "translation_offers",
        "translation_seeks",
    ]
    assert parse_import(text.encode(), "csv") == records
    bad = text.replace(",fr,en,", ",fr,es,", 1)
    with pytest.raises(InvalidImport) as refused:
        parse_import(bad.encode(), "csv")
    assert refused.value.problems == ["line 2: translations: unknown language 'es'; use fr or en"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_keeps_the_second_version(seeded, db, runner, tmp_path, fmt):
    efs = org_id(db, "EFS BFC")
    texts = {"expertise": "Our own English.", "offers": "Slots.", "seeks": "Partners."}
    organisations.save_translation(db, SYSTEM, efs, "en", texts)
    path = tmp_path / f"orgs.{fmt}"
    assert runner.invoke(args=["export-orgs", "--format", fmt, "-o", str(path)]).exit_code == 0
    db.execute("DELETE FROM profile_translations")
    db.conn.commit()
    result = runner.invoke(args=["import-orgs", str(path)])
    assert result.exit_code == 0, result.output
    assert "46 updated" in result.output
    assert {k: translations_of(db, efs)["en"][k] for k in texts} == texts
    assert len(db.execute("SELECT * FROM profile_translations").fetchall()) == 46
    again = runner.invoke(args=["import-orgs", str(path)])
    assert "46 unchanged" in again.output


def test_the_api_shows_both_versions_and_patches_the_second_without_an_engine_job(seeded, db, api_tokens):
    efs = org_id(db, "EFS BFC")
    client = seeded.test_client()
    headers = bearer(api_tokens["member_bfc"])
    shown = client.get(f"/api/v1/organisations/{efs}", headers=headers).get_json()["organisation"]
    assert shown["text_language"] == "fr" and shown["translations"]["en"]["expertise"].startswith(EFS_EN[:-1])
    jobs = _engine_jobs(db)
    version = {"expertise": "API English.", "offers": "Slots.", "seeks": "Partners."}
    answer = client.patch(
        f"/api/v1/organisations/{efs}", json={"translations": {"en": version}}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["organisation"]["translations"] == {"en": version}
    assert _engine_jobs(db) == jobs
    same = client.patch(
        f"/api/v1/organisations/{efs}", json={"translations": {"fr": version}}, headers=headers
    )
    assert same.status_code == 409
    bad = client.patch(
        f"/api/v1/organisations/{efs}", json={"translations": {"de": version}}, headers=headers
    )
    assert bad.status_code == 422
    empty = client.patch(f"/api/v1/organisations/{efs}", json={}, headers=headers)
    assert empty.status_code == 200  # an empty change keeps the second version
    assert translations_of(db, efs)["en"]["expertise"] == "API English."
