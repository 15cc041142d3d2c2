"""Issue 13, seventh round: new channels and rankers, measured on the development sets only.

Every trial is judged as ``scripts/development_sets.py`` judges its own: the four development sets
(v1 to v4) pooled, under weights fitted on the seed alone (what ``flask evaluate --fit`` would ship),
and, in brackets, each set under weights fitted on the seed and the other three ("leave one set
out"). Nothing here is fitted on a development set for what ships, nothing is written, and the
held-out set (v5) is never read. README's *Seventh round* holds the figures.

The trials:
- a linear map from French passage vectors into the English ones, fitted on the seed's parallel
  profiles (``data/eval/profiles_fr.jsonl`` beside ``profiles_en.jsonl``), pulled towards the
  identity by a ridge penalty;
- French words glossed into English with the FreeDict French-English dictionary, inside the TF-IDF
  part (skipped unless Debian's ``dict-freedict-fra-eng`` and ``dict-freedict-eng-fra`` are
  installed: ``apt-get install dict-freedict-fra-eng dict-freedict-eng-fra``);
- character 4- and 5-grams, so that French and English cognates meet, in place of the words of the
  TF-IDF part, or beside them (whole profile, or each direction: A's seeks against B's offers);
- one learnt part for "both are of the same kind";
- gradient-boosted trees and a pointwise ridge on the parts, the tracks and the kinds, in place of
  the pairwise ridge;
- pseudo-relevance feedback: a candidate close to the query's five best gains.

Run: ``.venv/bin/python scripts/seventh_round.py`` (about two minutes with the bundled model).
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402

from models.heldout import HELD_OUT_SETS, JUDGED_BY_DEFAULT  # noqa: E402
from models.language import guess_language  # noqa: E402
from models.matching import evaluate as ev  # noqa: E402
from models.matching import index as index_module  # noqa: E402
from models.matching.embeddings import normalise_rows  # noqa: E402
from models.matching.passages import split_profile  # noqa: E402
from models.matching.topics import fold  # noqa: E402
from models.profiles import ORG_TYPES, TRACKS  # noqa: E402

DICTIONARY = Path("/usr/share/dictd")
AS_IS = lambda q, names, parts, about: parts  # noqa: E731
SEED_NAMES = [f"seed {name}" for name in ev.CORPORA]


def report(label: str, collected, shape=AS_IS, **fitting) -> None:
    pooled, each = ds.leave_one_set_out(collected, shape, **fitting)
    figures = " / ".join(f"{value:.3f}" for value in each.values())
    print(
        f"{label:<62} {ds.fitted_on_seed(collected, shape, **fitting):.3f}  ({pooled:.3f}: {figures})",
        flush=True,
    )


def records_of_each_set() -> dict[str, list[dict]]:
    english = ev.load_records(ev.EVAL_DIR / "profiles_en.jsonl")
    french = ev.load_records(ev.EVAL_DIR / "profiles_fr.jsonl")
    sets = {f"seed {name}": ev.corpus(name, english, french) for name in ev.CORPORA}
    for name in JUDGED_BY_DEFAULT:
        sets[name] = ev.load_held_out(sets["seed mixed"], *HELD_OUT_SETS[name])[0]
    return sets


# --- a linear map from French passages into the English space --------------------------------


def parallel_passages(embedder) -> list[tuple[str, str]]:
    """(French, English) pairs from the seed's two versions: whole fields, and their passages where
    both versions split a field into as many passages."""
    english = ev.load_records(ev.EVAL_DIR / "profiles_en.jsonl")
    french = ev.load_records(ev.EVAL_DIR / "profiles_fr.jsonl")
    pairs = []
    for en, fr in zip(english, french, strict=True):
        passages = {
            lang: split_profile(record, embedder.count_tokens) for lang, record in (("en", en), ("fr", fr))
        }
        for field in ("expertise", "offers", "seeks"):
            pairs.append((fr[field], en[field]))
            mine = {lang: [p.text for p in passages[lang] if p.field == field] for lang in passages}
            if len(mine["en"]) == len(mine["fr"]) > 1:
                pairs += list(zip(mine["fr"], mine["en"], strict=True))
    return pairs


class FrenchMapped:
    """The embedder, with each French text's vector moved by ``W`` into the English space."""

    def __init__(self, base, weights: np.ndarray):
        self.base, self.weights = base, weights

    def __getattr__(self, name):
        return getattr(self.base, name)

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        vectors = self.base.embed_batch(texts).copy()
        french = np.array([guess_language(text) == "fr" for text in texts], dtype=bool)
        if french.any():
            vectors[french] = normalise_rows(vectors[french] @ self.weights)
        return vectors


def collect_mapped(penalty: float):
    from app import create_app, matching

    with create_app().app_context():
        base = matching.embedder()
        pairs = parallel_passages(base)
        french, english = (base.embed_batch([pair[i] for pair in pairs]) for i in (0, 1))
        dim = french.shape[1]
        weights = np.eye(dim) + np.linalg.solve(
            french.T @ french + penalty * np.eye(dim), french.T @ (english - french)
        )
        mapped = FrenchMapped(base, weights.astype(np.float32))
        original = matching.embedder
        matching.embedder = lambda: mapped
        try:
            return ds.collect()[0], len(pairs)
        finally:
            matching.embedder = original


# --- the TF-IDF part with other tokens -----------------------------------------------------------


def dictionary() -> dict[str, list[str]]:
    """French word (folded) -> up to three English words, from FreeDict's two directions."""
    _alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def number(text: str) -> int:
        value = 0
        for char in text:
            value = value * 64 + _alphabet.index(char)
        return value

    def entries(name: str):
        with gzip.open(DICTIONARY / f"freedict-{name}.dict.dz") as packed:
            data = packed.read()
        for line in (DICTIONARY / f"freedict-{name}.index").read_text(encoding="utf-8").splitlines():
            head, offset, length = line.split("\t")
            if head.startswith("00") or " " in head:
                continue
            body = data[number(offset) : number(offset) + number(length)].decode("utf-8", "replace")
            senses = [re.sub(r"^\d+\.\s*", "", row.strip()) for row in body.split("\n")[1:]]
            words = [w.strip() for row in senses if row and row[0] not in '["' for w in row.split(",")]
            yield fold(head), [fold(w) for w in words if w and " " not in w and w.isascii()]

    glosses: dict[str, list[str]] = {}
    for head, words in entries("fra-eng"):
        glosses.setdefault(head, []).extend(words[:3])
    for head, words in entries("eng-fra"):  # the other direction read backwards
        for word in words:
            if len(glosses.setdefault(word, [])) < 3 and head not in glosses[word]:
                glosses[word].append(head)
    return {word: english for word, english in glosses.items() if english}


def collect_lexical(tokens: str, glosses: dict[str, list[str]] | None = None):
    """The parts again, with the TF-IDF part built on other tokens: ``gloss`` (French words gain
    their English ``glosses``, FreeDict's by default) or ``characters``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = index_module._WORD
    stop = index_module.STOP_WORDS
    if glosses is None:
        glosses = dictionary() if tokens == "gloss" else {}

    def clean(text: str) -> str:
        return " ".join(w for w in words.findall(fold(text)) if w not in stop)

    def glossed(text: str) -> str:
        found = words.findall(fold(text))
        if guess_language(text) == "fr":
            for word in list(found):
                english = glosses.get(word) or glosses.get(word[:-1] if word[-1:] in "sx" else "")
                found += [w for w in (english or [])[:2] if words.fullmatch(w)]
        return " ".join(found)

    def lexical(orgs):
        if tokens == "gloss":
            vectorizer = TfidfVectorizer(
                preprocessor=glossed, token_pattern=words.pattern, stop_words=list(stop), sublinear_tf=True
            )
        else:
            vectorizer = TfidfVectorizer(
                preprocessor=clean, analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True, min_df=2
            )
        matrix = (
            vectorizer.fit_transform([index_module.profile_text(o) for o in orgs]).astype(np.float32).tocsr()
        )
        idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_.tolist(), strict=True))
        return matrix, idf, vectorizer

    original = index_module._lexical
    index_module._lexical = lexical
    try:
        return ds.collect()[0]
    finally:
        index_module._lexical = original


def char_similarities(sets: dict[str, list[dict]]) -> dict[str, tuple]:
    """Per set: whole-profile character 4/5-gram cosines, and seeks against offers and expertise."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    def clean(text: str) -> str:
        return " ".join(w for w in index_module._WORD.findall(fold(text)) if w not in index_module.STOP_WORDS)

    out = {}
    for name, records in sets.items():
        vectorizer = TfidfVectorizer(
            preprocessor=clean, analyzer="char_wb", ngram_range=(4, 5), sublinear_tf=True, min_df=2
        )
        whole = vectorizer.fit_transform([index_module.profile_text(r) for r in records])
        seeks = vectorizer.transform([r.get("seeks") or "" for r in records])
        offers = vectorizer.transform(
            [f"{r.get('offers') or ''} {r.get('expertise') or ''}" for r in records]
        )
        rows = {r["short_name"]: i for i, r in enumerate(records)}
        out[name] = (
            rows,
            (whole @ whole.T).toarray(),
            (seeks @ offers.T).toarray(),
            (offers @ seeks.T).toarray(),
        )
    return out


def with_columns(collected, similarities, which: tuple[int, ...]):
    """The collected parts with the chosen similarity columns beside them."""
    shaped = {}
    for name, rows in collected.items():
        index, *matrices = similarities[name]
        shaped[name] = [
            (
                query,
                names,
                np.hstack(
                    [
                        parts,
                        np.array([[matrices[w][index[query.org], index[n]] for w in which] for n in names]),
                    ]
                ),
                about,
            )
            for query, names, parts, about in rows
        ]
    return shaped


# --- other rankers -------------------------------------------------------------------------------


def same_kind(query, names, parts, about):
    return np.hstack([parts, np.array([[about[n][1] == about[query.org][1]] for n in names], np.float32)])


def pointwise(query, names, parts, about):
    """Parts, their ranks within the query, the track, the partner's kind and their product."""
    track = np.zeros((len(names), len(TRACKS)), np.float32)
    track[:, TRACKS.index(query.track)] = 1
    kind = np.array([[about[n][1] == k for k in ORG_TYPES] for n in names], np.float32)
    ranks = parts.argsort(0).argsort(0) / max(1, len(names) - 1)
    crossed = (track[:, :, None] * kind[:, None, :]).reshape(len(names), -1)
    return np.hstack([parts, ranks, track, kind, crossed])


def judged_by(collected, model) -> float:
    development = [name for name in collected if not name.startswith("seed")]
    figures = []
    for name in development:
        for query, names, parts, about in collected[name]:
            order = np.argsort(-model(pointwise(query, names, parts, about)), kind="stable")
            figures.append(ev.ndcg_at_k([names[i] for i in order], query.relevant))
    return float(np.mean(figures))


def other_rankers(collected) -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge

    rows = [row for name in SEED_NAMES for row in collected[name]]
    features = np.vstack([pointwise(*row) for row in rows])
    grades = np.concatenate([[q.relevant.get(n, 0) for n in names] for q, names, _, _ in rows])
    for depth, rounds in ((2, 200), (3, 200)):
        trees = HistGradientBoostingRegressor(
            max_depth=depth, max_iter=rounds, learning_rate=0.05, min_samples_leaf=40
        )
        trees.fit(features, grades)
        label = f"gradient-boosted trees, depth {depth} (pointwise)"
        print(f"{label:<62} {judged_by(collected, trees.predict):.3f}")
    ridge = Ridge(alpha=100).fit(features, grades)
    print(f"{'a pointwise ridge on the same features':<62} {judged_by(collected, ridge.predict):.3f}")


def pseudo_relevance(collected, similarities, beta: float, k: int = 5) -> float:
    weights = ds.fit(collected, SEED_NAMES, AS_IS)
    figures = []
    for name in (n for n in collected if not n.startswith("seed")):
        index, whole, _, _ = similarities[name]
        for query, names, parts, _about in collected[name]:
            score = parts @ weights
            rows = np.array([index[n] for n in names])
            closeness = whole[np.ix_(rows, rows[np.argsort(-score)[:k]])].mean(axis=1)
            standard = lambda x: (x - x.mean()) / (x.std() + 1e-9)  # noqa: E731
            order = np.argsort(-(standard(score) + beta * standard(closeness)), kind="stable")
            figures.append(ev.ndcg_at_k([names[i] for i in order], query.relevant))
    return float(np.mean(figures))


def main() -> None:
    print(f"{'development sets, 151 queries':<62} fitted on the seed  (left one set out: v1 / v2 / v3 / v4)")
    collected, _ = ds.collect()
    report("the engine's parts as they are", collected)
    for penalty in (1.0, 10.0):
        mapped, pairs = collect_mapped(penalty)
        report(f"French passages mapped into English ({pairs} pairs, ridge {penalty:g})", mapped)
    if (DICTIONARY / "freedict-fra-eng.index").exists():
        report("French words glossed in English inside the TF-IDF part", collect_lexical("gloss"))
    else:
        print("French words glossed in English: skipped, dict-freedict-fra-eng is not installed")
    report("character 4/5-grams in place of words in the TF-IDF part", collect_lexical("characters"))
    similarities = char_similarities(records_of_each_set())
    report(
        "character 4/5-grams beside the words (whole profile)", with_columns(collected, similarities, (0,))
    )
    report(
        "character 4/5-grams beside the words (each direction)", with_columns(collected, similarities, (1, 2))
    )
    report("one learnt part for two organisations of the same kind", collected, same_kind)
    report("the same, signed", collected, same_kind, positive=False)
    other_rankers(collected)
    for beta in (0.25, 0.5):
        label = f"pseudo-relevance feedback from the five best, weight {beta:g}"
        print(f"{label:<62} {pseudo_relevance(collected, similarities, beta):.3f}")


if __name__ == "__main__":
    main()
