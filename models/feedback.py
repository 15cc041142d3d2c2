"""Learning from what happens: members' stances and coordinators' decisions as training pairs.

A :class:`Judgement` says how good one partner turned out to be for one organisation and track:
a member marked it not relevant (0) or interesting (2), asked for an introduction (2), a
coordinator approved (3) or rejected (0) the pairing, the partner accepted (3) or declined (0) a
request, a meeting led to an agreement (3), a discussion (2) or nothing further (0).
Judgements of one (organisation, track) form a *judged list*; only partners judged differently
within a list say anything about the order, so those lists are the training pairs. :func:`refit`
adds them to the labelled set once there are at least :data:`MIN_JUDGED_LISTS` such lists, and
judges the result cross-validated over the lists (weights never see the list they order).
Held-out organisations are refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold

from models.heldout import refuse_held_out
from models.matching.index import MatchIndex
from models.matching.weights import LearntWeights

# How much each event says about a pair, on the labelled set's 0-3 scale.
GRADES = {
    "not_relevant": 0,
    "interested": 2,
    "intro_request": 2,
    "approved": 3,
    "rejected": 0,
    "accepted": 3,  # the partner accepted a request
    "declined": 0,  # the partner declined it
}
# What came of a meeting that took place (models/followup.py OUTCOMES), or how relevant it was (1-5).
MEETING_GRADES = {
    "agreement_signed": 3,
    "agreement_in_preparation": 3,
    "in_discussion": 2,
    "no_further_contact": 0,
}
RELEVANCE_GRADES = {1: 0, 2: 0, 3: 1, 4: 2, 5: 3}
# Events that outrank a member's own stance on the same partner: the other side, a coordinator or a
# meeting spoke.
DECISIVE = frozenset(
    {
        "approved",
        "rejected",
        "accepted",
        "declined",
        "meeting_relevance",
        *(f"meeting_{o}" for o in MEETING_GRADES),
    }
)
MIN_JUDGED_LISTS = 10  # fewer lists with two different answers: nothing worth refitting on
FOLDS = 5


@dataclass(frozen=True)
class Judgement:
    """One partner judged for one organisation and track; ``source`` names the event."""

    org: str  # short names
    partner: str
    track: str
    grade: int
    source: str


def judged_lists(judgements: Iterable[Judgement]) -> dict[tuple[str, str], dict[str, int]]:
    """(organisation, track) -> partner -> grade; a later judgement of the same partner wins,
    except that a coordinator's decision outranks a member's stance."""
    lists: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for judgement in judgements:
        rank = 1 if judgement.source in DECISIVE else 0
        key = (judgement.org, judgement.track)
        current = lists[key].get(judgement.partner)
        if current is None or rank >= current[1]:
            lists[key][judgement.partner] = (judgement.grade, rank)
    return {key: {name: grade for name, (grade, _) in partners.items()} for key, partners in lists.items()}


def informative(lists: dict[tuple[str, str], dict[str, int]]) -> dict[tuple[str, str], dict[str, int]]:
    """The judged lists with at least two different grades: the only ones that order anything."""
    return {key: grades for key, grades in lists.items() if len(set(grades.values())) > 1}


def training_rows(index: MatchIndex, lists: dict[tuple[str, str], dict[str, int]]):
    """Score parts, grades and list groups of every judged partner, as ``evaluate.training_set`` gives.

    Raises :class:`~models.heldout.HeldOutLeak` if a list names a held-out organisation.
    """
    refuse_held_out(
        "learning from decisions", (name for (org, _), grades in lists.items() for name in (org, *grades))
    )
    by_name = {org["short_name"]: org["id"] for org in index.orgs}
    features, grades, groups = [], [], []
    for group, ((org, track), judged) in enumerate(sorted(lists.items())):
        if org not in by_name:
            continue
        rows, parts, _ = index.features(by_name[org], track)
        names = [index.orgs[row]["short_name"] for row in rows]
        for position, name in enumerate(names):
            if name in judged:
                features.append(parts[position])
                grades.append(judged[name])
                groups.append(group)
    width = index.weights.vector().shape[0]
    return (
        np.array(features, dtype=np.float32).reshape(-1, width),
        np.array(grades, dtype=float),
        np.array(groups, dtype=int),
    )


def pairwise_accuracy(weights: LearntWeights, features, grades, groups) -> float:
    """Share of the differently graded pairs within a list that the weights put in the right order."""
    raw = features @ weights.vector()
    right = total = 0
    for group in np.unique(groups):
        members = np.flatnonzero(groups == group)
        better, worse = np.nonzero(grades[members][:, None] > grades[members][None, :])
        right += int((raw[members[better]] > raw[members[worse]]).sum())
        total += len(better)
    return right / total if total else 0.0


@dataclass(frozen=True)
class Refit:
    """The outcome of :func:`refit`: new weights (or None) and how the judged lists were ordered."""

    weights: LearntWeights | None
    lists: int  # informative judged lists
    before: float | None = None  # out-of-fold pairwise accuracy of the current weights
    after: float | None = None  # ... of weights refitted without the list they order
    message: str = ""


def refit(labelled, judged, current: LearntWeights, fit, *, folds: int = FOLDS) -> Refit:
    """Refit on the labelled set plus the judged lists once there are enough of them.

    Parameters
    ----------
    labelled, judged : (features, grades, groups) of the labelled set and of the judged lists
    fit : the fitting function, ``fit(features, grades, groups) -> LearntWeights``
    """
    features, grades, groups = judged
    lists = len(np.unique(groups))
    if lists < MIN_JUDGED_LISTS:
        message = f"{lists} judged lists with two different answers; "
        message += f"at least {MIN_JUDGED_LISTS} are needed to refit"
        return Refit(None, lists, message=message)
    offset = int(labelled[2].max()) + 1 if len(labelled[2]) else 0
    before, after = [], []
    for train, test in GroupKFold(n_splits=min(folds, lists)).split(features, grades, groups):
        weights = fit(*_stack(labelled, (features[train], grades[train], groups[train] + offset)))
        part = (features[test], grades[test], groups[test])
        before.append(pairwise_accuracy(current, *part))
        after.append(pairwise_accuracy(weights, *part))
    weights = fit(*_stack(labelled, (features, grades, groups + offset)))
    return Refit(weights, lists, float(np.mean(before)), float(np.mean(after)))


def _stack(*sets):
    return tuple(np.concatenate([s[i] for s in sets]) for i in range(3))


def simulate_history(
    index: MatchIndex,
    queries: Sequence,
    weights: LearntWeights,
    *,
    seed: int = 13,
    noise: float = 0.1,
    top: int = 5,
) -> list[Judgement]:
    """A SIMULATED history, for showing what learning does: for each graded query, a member looks
    at the first ``top`` suggestions and marks those graded 2 or 3 interesting and the others not
    relevant, each answer flipped with probability ``noise``; coordinators approve grade-3 pairs.
    """
    rng = np.random.default_rng(seed)
    by_name = {org["short_name"]: org["id"] for org in index.orgs}
    history = []
    for query in queries:
        rows, parts, _ = index.features(by_name[query.org], query.track)
        order = np.argsort(-(parts @ weights.vector()), kind="stable")[:top]
        for position in order:
            name = index.orgs[rows[position]]["short_name"]
            grade = query.relevant.get(name, 0)
            good = (grade >= 2) != (rng.random() < noise)
            kind = "interested" if good else "not_relevant"
            history.append(Judgement(query.org, name, query.track, GRADES[kind], kind))
            if good and grade == 3:
                history.append(Judgement(query.org, name, query.track, GRADES["approved"], "approved"))
    return history
