"""What learning from members and coordinators would do, shown on a SIMULATED history.

Nobody has used the product yet, so there is no real history to learn from. This module makes
one (:func:`models.feedback.simulate_history`: members who mostly agree with the graded labels,
with some noise) on the fitting set's organisations only, then shows two effects: the lists with
the partners marked not relevant taken out (what the members see next), and the figures on the
first development set (kept out of every fit) of weights refitted on the labelled set plus the
simulated judgements. Every figure it prints is labelled as simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.feedback import informative, judged_lists, refit, simulate_history, training_rows
from models.matching.evaluate import (
    EVAL_DIR,
    Scores,
    build_index,
    corpus,
    engine_ranker,
    fit_weights,
    judge,
    load_held_out,
    load_queries,
    load_records,
    training_set,
)


@dataclass(frozen=True)
class SimulatedEffect:
    judgements: int
    dismissed: int
    lists: int
    fitting_before: Scores  # fitting-set lists as first shown
    fitting_after: Scores  # the same lists with the partners marked not relevant taken out
    held_out_before: Scores  # development set v1, weights fitted on the labelled set
    held_out_after: Scores  # the same, refitted on the labelled set + simulated history
    accuracy_before: float | None
    accuracy_after: float | None


def simulated_effect(embedder, vocabulary, weights, *, seed: int = 13) -> SimulatedEffect:
    """Simulate a history on the fitting set, learn from it, and measure what changes."""
    english = load_records(EVAL_DIR / "profiles_en.jsonl")
    mixed = corpus("mixed", english, load_records(EVAL_DIR / "profiles_fr.jsonl"))
    queries = load_queries()
    index = build_index(mixed, embedder, vocabulary, weights)
    history = simulate_history(index, queries, weights, seed=seed)
    dismissed = {(j.org, j.track, j.partner) for j in history if j.source == "not_relevant"}
    shown = engine_ranker(index, weights)

    def without_dismissed(query):
        return [name for name in shown(query) if (query.org, query.track, name) not in dismissed]

    lists = informative(judged_lists(history))
    outcome = refit(training_set([index], queries), training_rows(index, lists), weights, fit_weights)
    held_records, held_queries = load_held_out(mixed)
    held_index = build_index(held_records, embedder, vocabulary, weights)
    learnt = outcome.weights or weights
    return SimulatedEffect(
        judgements=len(history),
        dismissed=len(dismissed),
        lists=outcome.lists,
        fitting_before=judge(queries, shown),
        fitting_after=judge(queries, without_dismissed),
        held_out_before=judge(held_queries, engine_ranker(held_index, weights)),
        held_out_after=judge(held_queries, engine_ranker(held_index, learnt)),
        accuracy_before=outcome.before,
        accuracy_after=outcome.after,
    )
