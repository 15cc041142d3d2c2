"""Issue 13, eleventh round: a French-English lexicon learnt from the seed's parallel profiles.

The seventh round glossed French words in English with a general dictionary (FreeDict), which knows
few of the field's words, and lost (0.681). Here the glosses come from the seed itself: each seed
profile exists in English (``data/eval/profiles_en.jsonl``) and in French (``profiles_fr.jsonl``),
field by field and, where the two versions have as many sentences, sentence by sentence. A French
word is glossed by the English words that share its aligned segments most (Dice coefficient over
the segments, at least ``MIN_PAIRS`` together, mutual best match; at most two), so "essais" meets "trials" and
"hôte" meets "host". Only the seed, the fitting set, is read to learn it; the development sets are
only judged. In the TF-IDF part (``lexical``) a French text gains its words' English glosses, as the
seventh round's FreeDict trial did (``seventh_round.collect_lexical``).

Judged as ``scripts/development_sets.py`` judges: the four development sets (v1 to v4) pooled under
weights fitted on the seed alone (what ``flask evaluate --fit`` would ship), then each set left out
of a fit on the seed and the other three; the English and French queries apart. Nothing is written
and no held-out set (v5, v6) is read.

Run: ``.venv/bin/python scripts/eleventh_round.py`` (about a minute with the bundled model).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import development_sets as ds  # noqa: E402
import eighth_round  # noqa: E402
import seventh_round  # noqa: E402

from models.matching import evaluate as ev  # noqa: E402
from models.matching import index as index_module  # noqa: E402
from models.matching.topics import fold  # noqa: E402

FIELDS = ("expertise", "offers", "seeks")
MIN_PAIRS = 2
_SENTENCE = re.compile(r"(?<=[.;!?])\s+")


def segments() -> list[tuple[set[str], set[str]]]:
    """Aligned (French words, English words) segments of the seed's two versions."""
    english = [json.loads(line) for line in (ev.EVAL_DIR / "profiles_en.jsonl").open(encoding="utf-8")]
    french = {row["short_name"]: row for row in map(json.loads, (ev.EVAL_DIR / "profiles_fr.jsonl").open())}
    stop = index_module.STOP_WORDS
    words = lambda text: {w for w in index_module._WORD.findall(fold(text)) if w not in stop}  # noqa: E731
    pairs = []
    for row in english:
        for field in FIELDS:
            en_parts = [s for s in _SENTENCE.split(row[field]) if s.strip()]
            fr_parts = [s for s in _SENTENCE.split(french[row["short_name"]][field]) if s.strip()]
            if len(en_parts) != len(fr_parts):
                en_parts, fr_parts = [row[field]], [french[row["short_name"]][field]]
            pairs += [(words(f), words(e)) for f, e in zip(fr_parts, en_parts, strict=True)]
    return pairs


def lexicon(min_dice: float = 0.5, per_word: int = 2) -> dict[str, list[str]]:
    """French word -> its English glosses, mutual best matches by Dice over aligned segments."""
    pairs = segments()
    french, english, both = Counter(), Counter(), Counter()
    for fr_words, en_words in pairs:
        french.update(fr_words)
        english.update(en_words)
        both.update((f, e) for f in fr_words for e in en_words)
    dice = {(f, e): 2 * n / (french[f] + english[e]) for (f, e), n in both.items() if n >= MIN_PAIRS}
    best_french = {}
    for (f, e), value in sorted(dice.items()):  # sorted: ties go the same way whatever the hash seed
        if value > best_french.get(e, (0, ""))[0]:
            best_french[e] = (value, f)
    glosses: dict[str, list[str]] = {}
    for (f, e), value in sorted(dice.items(), key=lambda item: (-item[1], item[0])):
        if value >= min_dice and f != e and best_french[e][1] == f and len(glosses.get(f, [])) < per_word:
            glosses.setdefault(f, []).append(e)
    return glosses


def report(label: str, collected) -> None:
    """The seventh round's line, then the English and French queries apart (the eighth round's)."""
    seventh_round.report(label, collected)
    seed = [name for name in collected if name.startswith("seed")]
    language = {name: about[0] for rows in collected.values() for name, about in rows[0][3].items()}
    weights = ds.fit(collected, seed, seventh_round.AS_IS)
    print(f"{'':<62} {eighth_round.by_query_language(collected, weights, language)}", flush=True)


def main() -> None:
    print(f"{'development sets, 151 queries':<62} fitted on the seed  (left one set out: v1 / v2 / v3 / v4)")
    report("the engine's parts as they are", ds.collect()[0])
    for min_dice in (0.5, 0.35):
        glosses = lexicon(min_dice)
        sample = ", ".join(f"{f}>{'/'.join(e)}" for f, e in list(glosses.items())[:12])
        print(f"lexicon, Dice >= {min_dice}: {len(glosses)} French words glossed; e.g. {sample}", flush=True)
        glossed = seventh_round.collect_lexical("gloss", glosses)
        report(f"French words glossed with it (Dice >= {min_dice})", glossed)


if __name__ == "__main__":
    main()
