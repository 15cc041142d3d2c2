"""Embedders: the deterministic fake used by tests, and the bundled all-MiniLM-L6-v2 (loaded once)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from models.errors import EmbeddingModelError, PasserelleError
from models.matching.embeddings import (
    Embedder,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    bf16_supported,
    get_embedder,
    normalise_rows,
)
from models.matching.passages import split_sentences

SEED = Path(__file__).resolve().parent.parent / "data" / "eval" / "profiles_en.jsonl"


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2 on the production path; the model is loaded once per process."""
    embedder = SentenceTransformerEmbedder()
    embedder.embed_batch(["warm up"])
    return embedder


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_fake_is_deterministic_normalised_and_counts():
    texts = ["GMP manufacturing of CAR-T cells", "CAR-T cells GMP manufacturing platform", "export aid"]
    one, two = FakeEmbedder(dim=32), FakeEmbedder(dim=32)
    a, b = one.embed_batch(texts), two.embed_batch(list(texts))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 32) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-6)
    assert _cos(a[0], a[1]) > 0.7 > 0.3 > _cos(a[0], a[2])
    one.embed_batch(["again"])
    assert (one.calls, one.texts_embedded) == (2, 4)
    assert one.embed_batch([]).shape == (0, 32)
    assert isinstance(one, Embedder) and one.count_tokens("three little words") == 3


def test_fake_rejects_bad_input():
    fake = FakeEmbedder()
    with pytest.raises(ValueError, match="wrap it"):
        fake.embed_batch("a single string")
    with pytest.raises(ValueError, match=r"texts\[1\]"):
        fake.embed_batch(["ok", None])
    with pytest.raises(ValueError, match="dim"):
        FakeEmbedder(dim=1)


def test_get_embedder_reads_the_configured_name():
    assert isinstance(get_embedder("fake"), FakeEmbedder)
    assert isinstance(get_embedder(" FAKE "), FakeEmbedder)
    default = get_embedder(None)
    assert isinstance(default, SentenceTransformerEmbedder)
    assert default.model_id in ("all-MiniLM-L6-v2@bf16", "all-MiniLM-L6-v2@fp32")
    assert get_embedder("").model_id == default.model_id
    with pytest.raises(ValueError, match="precision"):
        SentenceTransformerEmbedder(precision="fp16")


def test_model_id_names_the_numerics():
    assert SentenceTransformerEmbedder(precision="fp32").model_id == "all-MiniLM-L6-v2@fp32"
    assert SentenceTransformerEmbedder(precision="bf16").model_id == "all-MiniLM-L6-v2@bf16"
    expected = "bf16" if bf16_supported() else "fp32"
    assert SentenceTransformerEmbedder().model_id == f"all-MiniLM-L6-v2@{expected}"


def test_unloadable_model_fails_lazily_with_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-model"
    missing.mkdir()
    embedder = SentenceTransformerEmbedder(str(missing))  # nothing is loaded yet
    assert embedder.model_id == "no-such-model@" + embedder.precision
    with pytest.raises(EmbeddingModelError, match="PASSERELLE_EMBEDDING_MODEL") as excinfo:
        embedder.embed_batch(["hello"])
    assert str(missing) in str(excinfo.value)
    assert isinstance(excinfo.value, PasserelleError)


def test_real_model_shape_normalisation_french_and_english(real_embedder):
    texts = [
        "Production de cellules CAR-T en conditions BPF.",
        "Fabrication de cellules CAR-T selon les bonnes pratiques de fabrication.",
        "Aide à l'export et prospection d'investissements étrangers.",
        "GMP manufacturing of CAR-T cell therapies.",
        "Export support and foreign investment prospection.",
    ]
    vectors = real_embedder.embed_batch(texts)
    assert vectors.shape == (5, 384) == (len(texts), real_embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.1  # French paraphrase
    assert _cos(vectors[3], vectors[0]) > _cos(vectors[3], vectors[4]) + 0.2  # English
    assert _cos(vectors[4], vectors[2]) > _cos(vectors[4], vectors[3]) + 0.2  # export, both languages
    assert real_embedder.embed_batch([]).shape == (0, 384)


def test_real_model_is_loaded_once(real_embedder):
    assert SentenceTransformerEmbedder(precision="fp32").model is real_embedder.model
    assert get_embedder(None).model is real_embedder.model


def test_count_tokens_is_the_real_untruncated_count(real_embedder):
    assert real_embedder.count_tokens("") == 2  # [CLS] [SEP]
    assert real_embedder.count_tokens("word " * 600) == 602  # beyond the 256 window: not truncated
    assert real_embedder.count_tokens("thérapie") > 1
    assert real_embedder.max_tokens == 256


def test_production_path_stays_within_0_99_cosine_of_fp32(real_embedder):
    profiles = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    sentences = [s for p in profiles[::5] for s in split_sentences(p["expertise"])][:40]
    fp32 = SentenceTransformerEmbedder(precision="fp32").embed_batch(sentences)
    for precision in ("auto", "bf16"):
        fast = SentenceTransformerEmbedder(precision=precision).embed_batch(sentences)
        cosines = np.sum(fast * fp32, axis=1)
        assert cosines.min() >= 0.99, (precision, cosines.min())
    assert not np.array_equal(SentenceTransformerEmbedder(precision="bf16").embed_batch(sentences), fp32)


def test_a_worker_keeps_only_the_bf16_weights_and_embeds_the_same(real_embedder):
    import torch

    from models.matching.embeddings import bundled_model_path

    if real_embedder.precision != "bf16":
        pytest.skip("this CPU embeds in float32: there is no second copy to drop")
    name = f"{bundled_model_path()}/"  # its own loaded copy: the session's model stays as it is
    worker = SentenceTransformerEmbedder(name)
    texts = ["thérapie cellulaire", "Plateforme de bioproduction de vecteurs viraux AAV."]
    before = worker.embed_batch(texts)
    assert worker.drop_float32()
    dtypes = {p.dtype for p in worker.model[0].model.parameters()}
    assert dtypes == {torch.bfloat16}, "the loaded model holds the bf16 network only"
    np.testing.assert_array_equal(worker.embed_batch(texts), before)
    # A float32 embedder of the same model in that process still embeds in float32.
    fp32 = SentenceTransformerEmbedder(name, precision="fp32").embed_batch(texts)
    reference = SentenceTransformerEmbedder(precision="fp32").embed_batch(texts)
    np.testing.assert_allclose(fp32, reference, atol=1e-5)


def _sentences(count: int = 40) -> list[str]:
    profiles = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines()]
    return [s for p in profiles[::3] for s in split_sentences(p["expertise"] + " " + p["offers"])][:count]


def _hf_mean_pooled(network, ids: list[list[int]]) -> np.ndarray:
    from models.matching.embeddings import _padded_forward

    return normalise_rows(
        np.concatenate([_padded_forward(network, ids[i : i + 8]) for i in range(0, len(ids), 8)])
    )


def test_the_packed_forward_is_the_hugging_face_forward(real_embedder):
    import torch

    from models.matching.packed_bert import PackedBert

    model = real_embedder.model
    ids = sorted(model.tokenizer(_sentences())["input_ids"], key=len)
    assert len({len(x) for x in ids}) > 10 and len({len(x) for x in ids}) < len(ids)  # groups of one length
    network = copy.deepcopy(model[0].auto_model).float()
    with torch.inference_mode():
        packed = normalise_rows(PackedBert(network, 4096, dtype=torch.float32)(ids).numpy())
        reference = _hf_mean_pooled(network, ids)
    assert np.sum(packed * reference, axis=1).min() >= 0.99999


def test_the_production_path_stays_within_0_9999_of_the_bf16_hugging_face_one(real_embedder):
    import torch

    from models.matching.embeddings import _bf16_network

    texts = _sentences()
    ids = real_embedder.model.tokenizer(texts)["input_ids"]
    with torch.inference_mode():
        reference = _hf_mean_pooled(_bf16_network(real_embedder.model_name), ids)
    cosines = np.sum(real_embedder.embed_batch(texts) * reference, axis=1)
    assert cosines.min() >= 0.9999, cosines.min()


def test_a_text_embeds_the_same_alone_or_in_a_batch(real_embedder):
    texts = _sentences(12) + ["", "CAR-T", "CAR-T"]
    together = real_embedder.embed_batch(texts)
    alone = np.concatenate([real_embedder.embed_batch([text]) for text in texts])
    assert np.sum(together * alone, axis=1).min() >= 0.9999
    np.testing.assert_array_equal(together[-1], together[-2])
