"""Integration with the real bundled model (loaded once for this module): meaning across languages."""

from __future__ import annotations

import pytest

from app import create_app, matching
from app.db import connect, init_db
from app.orgs.queries import get_by_short_name
from app.seed import seed_organisations


@pytest.fixture(scope="module")
def real_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("real") / "real.db"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "x", "EMBEDDING_MODEL": None})
    db = connect(path)
    init_db(db)
    seed_organisations(db)
    with app.app_context():
        matching.sync(db)
    db.close()
    return app


@pytest.fixture
def db(real_app):
    with real_app.app_context():
        database = connect(real_app.config["DATABASE"])
        yield database
        database.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("production de cellules CAR-T en BPF", {"EFS BFC", "C3i", "CIUSSS Est / HMR"}),
        ("banque de sang de cordon", {"Héma-Québec", "EFS BFC"}),
        ("ingénierie tissulaire pour les grands brûlés", {"LOEX", "URGO"}),
        ("plasmid DNA manufacturing", {"RD-Biotech"}),
    ],
)
def test_search_finds_english_profiles_from_french_queries(db, query, expected):
    top = [hit.short_name for hit in matching.search(db, query, top_k=5)]
    assert expected & set(top[:3]), top


def test_burn_care_partner_is_suggested_to_the_wound_care_company(db):
    urgo = get_by_short_name(db, "URGO")
    names = [s.short_name for s in matching.suggestions_for(db, urgo["id"], "economic", top_k=3)]
    assert "LOEX" in names


def test_suggestions_carry_passage_evidence_from_both_profiles(db):
    efs = get_by_short_name(db, "EFS BFC")
    best = matching.suggestions_for(db, efs["id"], "joint_trial", top_k=1)[0]
    assert best.evidence.passages, "a top suggestion must show the passages behind it"
    pair = best.evidence.passages[0]
    assert pair.own_text in efs[pair.own_field]
    partner = get_by_short_name(db, best.short_name)
    assert pair.partner_text in partner[pair.partner_field]
    assert best.evidence.shared_topics


def test_production_embeddings_agree_with_plain_float32_encode(real_app):
    """The fast path (``models/matching/embeddings.py``) against ``SentenceTransformer.encode`` in fp32."""
    import numpy as np

    from bench.bench_embeddings import production_texts
    from models.matching.embeddings import SentenceTransformerEmbedder

    production = SentenceTransformerEmbedder()
    texts = production_texts(production)[::6]  # the real length mix, topic labels included
    fast = production.embed_batch(texts)
    plain = production.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    cosines = np.sum(fast * plain, axis=1)
    assert cosines.min() >= 0.99 and cosines.mean() >= 0.999, (cosines.min(), cosines.mean())
