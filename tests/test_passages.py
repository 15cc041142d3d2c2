"""Profiles are cut into passages the model reads whole: nothing truncated, nothing lost."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from models.matching.embeddings import SentenceTransformerEmbedder
from models.matching.passages import PASSAGE_FIELDS, Passage, split_profile, split_sentences

DATA = Path(__file__).resolve().parent.parent / "data"


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


PROFILES = _read(DATA / "eval" / "profiles_en.jsonl")
PROFILES_FR = _read(DATA / "eval" / "profiles_fr.jsonl")


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2; the model itself is loaded once per process."""
    return SentenceTransformerEmbedder()


def _words(count_tokens, max_tokens, profile):
    passages = split_profile(profile, count_tokens, max_tokens)
    return {f: " ".join(p.text for p in passages if p.field == f).split() for f in PASSAGE_FIELDS}


def test_seed_profiles_are_all_there():
    assert len(PROFILES) == 46 and len(PROFILES_FR) == 46


@pytest.mark.parametrize("max_tokens", [128, 40])
def test_no_passage_exceeds_the_window_and_no_word_is_lost(real_embedder, max_tokens):
    count = real_embedder.count_tokens
    longest = 0
    for profile in PROFILES + PROFILES_FR:
        passages = split_profile(profile, count, max_tokens)
        longest = max(longest, *(count(p.text) for p in passages))
        for field in PASSAGE_FIELDS:
            got = [p for p in passages if p.field == field]
            assert [p.index for p in got] == list(range(len(got)))
            assert " ".join(p.text for p in got).split() == profile[field].split(), (
                profile["short_name"],
                field,
            )
    assert longest <= max_tokens
    assert max_tokens <= real_embedder.max_tokens
    if max_tokens == 40:
        assert longest > 30  # the packer fills passages, it does not cut every sentence alone


def test_the_model_reads_every_token_of_a_passage(real_embedder):
    """The tokenizer's count is what the model really reads: nothing is truncated away."""
    passages = [p for profile in PROFILES for p in split_profile(profile, real_embedder.count_tokens)]
    longest = max(passages, key=lambda p: real_embedder.count_tokens(p.text))
    features = real_embedder.model.tokenize([longest.text])
    assert features["input_ids"].shape[1] == real_embedder.count_tokens(longest.text) > 60


def test_overlong_sentence_is_cut_on_clauses_then_words(real_embedder):
    clauses = ", ".join(
        f"clause {i} about allogeneic CAR-T manufacturing in grade B rooms" for i in range(60)
    )
    no_punctuation = " ".join(["bioproduction"] * 700)
    blob = "x-" * 1500  # one 'word' of 3,000 word-pieces: no whitespace to cut on
    for text in (clauses + ".", no_punctuation, blob):
        passages = split_profile({"expertise": text}, real_embedder.count_tokens)
        assert len(passages) > 2
        assert all(real_embedder.count_tokens(p.text) <= 128 for p in passages)
        assert "".join("".join(p.text for p in passages).split()) == "".join(text.split())
    clause_cut = split_profile({"expertise": clauses + "."}, real_embedder.count_tokens)
    assert all(p.text.endswith((",", ".")) for p in clause_cut)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "It makes ATMPs, e.g. CAR-T cells, incl. autologous ones. It has approx. 1.5 M€ of funding.",
            ["It makes ATMPs, e.g. CAR-T cells, incl. autologous ones.", "It has approx. 1.5 M€ of funding."],
        ),
        (
            "Dr. Martin leads it, cf. Fig. 2 and vs. Pr. Roy. See J. Smith et al. For details.",
            ["Dr. Martin leads it, cf. Fig. 2 and vs. Pr. Roy.", "See J. Smith et al. For details."],
        ),
        (
            "Vous cherchez un partenaire ? Écrivez-nous ! M. Dupont répond, p. ex. en 48 h. « Merci. » Fin",
            [
                "Vous cherchez un partenaire ?",
                "Écrivez-nous !",
                "M. Dupont répond, p. ex. en 48 h.",
                "« Merci. »",
                "Fin",
            ],
        ),
        (
            "Version 2.0 is out… Phase I/II trials start.\nNew line",
            ["Version 2.0 is out…", "Phase I/II trials start.", "New line"],
        ),
    ],
)
def test_split_sentences_keeps_abbreviations_and_numbers(text, expected):
    assert split_sentences(text) == expected


def test_passage_is_frozen_and_hash_depends_on_field_and_text():
    a = Passage("offers", 0, "GMP slots")
    assert a.content_hash == Passage("offers", 3, "GMP slots").content_hash
    assert a.content_hash != Passage("seeks", 0, "GMP slots").content_hash
    assert a.content_hash != Passage("offers", 0, "GMP slot").content_hash
    assert len(a.content_hash) >= 16 and int(a.content_hash, 16) >= 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "changed"


def test_split_profile_rejects_bad_input():
    with pytest.raises(ValueError, match="must be a string"):
        split_profile({"expertise": ["a list"]}, lambda t: len(t.split()))
    with pytest.raises(ValueError, match="max_tokens"):
        split_profile({"expertise": "x"}, lambda t: len(t.split()), max_tokens=2)
    assert split_profile({"expertise": "", "offers": None}, lambda t: len(t.split())) == []
