"""Growing the vocabulary from the fitting corpus: phrases paired across languages, never held out."""

from __future__ import annotations

import numpy as np
import pytest

from models.heldout import HeldOutLeak
from models.matching.topics import parse_vocabulary
from models.topic_growth import grow, keyphrases

VOCABULARY = parse_vocabulary(
    [{"id": "gmp", "fr": "BPF", "en": "GMP", "terms_fr": ["bpf"], "terms_en": ["gmp"]}]
)


def profile(name, text):
    return {"short_name": name, "name": f"Organisation {name}", "expertise": text, "offers": "", "seeks": ""}


def embed(texts):
    vectors = np.array([[len(text), 1.0] for text in texts], dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_keyphrases_have_no_stop_word_or_number_at_either_end():
    found = keyphrases("Des greffes de peau depuis 1985 contre les brûlures.")
    assert "greffes de peau" in found and "brulures" in found
    assert not any(p.startswith(("de ", "depuis")) or p.endswith((" de", "1985")) for p in found)


def test_phrases_the_same_profiles_use_in_each_language_become_one_topic():
    texts = [
        ("skin grafts for burns", "greffes de peau pour les brulures"),
        ("burns and skin grafts", "brulures et greffes de peau"),
        ("GMP batches", "lots BPF"),
        ("viral vectors", "vecteurs viraux"),
        ("vectors", "vecteurs"),
        ("cord blood", "sang de cordon"),
        ("cord", "cordon"),
        *[(word, word) for word in "tuvwxyz"],  # enough profiles for two of them to be a rare phrase
    ]
    english = [profile(str(i), en) for i, (en, _) in enumerate(texts)]
    french = [profile(str(i), fr) for i, (_, fr) in enumerate(texts)]
    topics = {topic["en"]: topic for topic in grow(english, french, VOCABULARY, embed)}
    grafts = next(topic for en, topic in topics.items() if "grafts" in en or "burns" in en)
    assert {"skin grafts", "burns"} & set(grafts["terms_en"])
    assert {"greffes de peau", "brulures"} & set(grafts["terms_fr"])
    assert not any(
        "gmp" in term for topic in topics.values() for term in topic["terms_en"]
    )  # already a topic


def test_growing_refuses_held_out_organisations():
    with pytest.raises(HeldOutLeak, match="growing the topic vocabulary"):
        grow([profile("IVADO", "stages")], [profile("IVADO", "stages")], VOCABULARY, embed)
