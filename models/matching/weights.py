"""Every number that shapes a suggestion, in one place.

Two kinds live here. The *priors* are domain knowledge the issue states in words: which kinds of
organisation suit which track (a joint trial needs a clinical side; events suit networks, clusters
and incubators...). The *learnt weights* combine the score parts; they are fitted with scikit-learn
on the labelled set in ``data/eval/`` by ``flask evaluate --fit`` and saved to ``data/weights.json``
together with their cross-validated figures, so nobody tunes them by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from models.profiles import ORG_TYPES, TRACKS

WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "data" / "weights.json"

# The score parts, in the order the learnt weights use them. Each is in [0, 1].
FEATURES = (
    "offer_fit",  # the partner offers what we seek (best passage pair)
    "seek_fit",  # we offer what the partner seeks
    "reciprocity",  # geometric mean of the two: a one-sided fit scores low here
    "expertise",  # closeness of the two expertise texts, passage by passage
    "topics",  # shared topics of the bilingual vocabulary, rare ones counting more
    "lexical",  # TF-IDF cosine of the whole profiles (same-language pairs)
    "track_declared",  # 1 when both declared the track, 0.5 when one did
    "kind_fit",  # how well the two kinds of organisation suit the track
    "wanted",  # share of what we seek (kinds of partner, capabilities) that the partner provides
    "wanted_back",  # share of what the partner seeks that we provide
    "track_text",  # how much the partner's offers and expertise speak of the track (models/needs.py)
)

CLINICAL_TYPES = frozenset({"hospital", "blood_establishment"})

# How well each kind of organisation suits each track, from 0 (not at all) to 1.
KIND_SUITABILITY: dict[str, dict[str, float]] = {
    "staff_exchange": {
        "university_lab": 1.0, "hospital": 0.9, "blood_establishment": 0.9, "company": 0.7,
        "training_body": 0.6, "cluster_network": 0.4, "incubator": 0.4, "agency": 0.3,
    },
    "joint_trial": {
        "hospital": 1.0, "blood_establishment": 0.9, "company": 0.7, "university_lab": 0.6,
        "cluster_network": 0.2, "agency": 0.2, "incubator": 0.1, "training_body": 0.0,
    },
    "co_training": {
        "university_lab": 1.0, "training_body": 1.0, "blood_establishment": 0.7, "hospital": 0.7,
        "incubator": 0.5, "cluster_network": 0.5, "company": 0.4, "agency": 0.3,
    },
    "event": {
        "cluster_network": 1.0, "incubator": 1.0, "agency": 0.9, "training_body": 0.6,
        "university_lab": 0.6, "hospital": 0.4, "blood_establishment": 0.4, "company": 0.4,
    },
    "economic": {
        "company": 1.0, "agency": 0.9, "cluster_network": 0.9, "incubator": 0.9,
        "blood_establishment": 0.5, "university_lab": 0.4, "hospital": 0.3, "training_body": 0.2,
    },
}  # fmt: skip
# A joint trial between two organisations that neither treats patients is discounted this much.
NO_CLINICAL_SIDE_FACTOR = 0.4


# The same table as an array: SUITABILITY[track index, type index] (TRACKS and ORG_TYPES order).
SUITABILITY = np.array([[KIND_SUITABILITY[t][k] for k in ORG_TYPES] for t in TRACKS], dtype=np.float32)
IS_CLINICAL = np.array([k in CLINICAL_TYPES for k in ORG_TYPES])


def type_codes(types) -> np.ndarray:
    """Index of each kind of organisation in ORG_TYPES, shape (n,); ValueError for an unknown kind."""
    position = {kind: i for i, kind in enumerate(ORG_TYPES)}
    try:
        return np.array([position[kind] for kind in types], dtype=np.int64)
    except KeyError as error:
        raise ValueError(
            f"unknown kind of organisation {error.args[0]!r}; use one of {', '.join(ORG_TYPES)}"
        ) from None


def kind_fit(track: str, own_type: str, partner_types) -> np.ndarray:
    """How well the pair of kinds suits the track, for one organisation against many.

    Returns
    -------
    fit : ndarray of shape (n_partners,), float32 in [0, 1]
    """
    if track not in TRACKS:
        raise ValueError(f"track must be one of {', '.join(TRACKS)}, got {track!r}")
    return kind_fit_codes(TRACKS.index(track), int(type_codes([own_type])[0]), type_codes(partner_types))


def kind_fit_codes(track: int, own: int, partners: np.ndarray) -> np.ndarray:
    """:func:`kind_fit` on type codes (see :func:`type_codes`), for the hot path."""
    table = SUITABILITY[track]
    fit = (table[own] + table[partners]) / 2
    if TRACKS[track] == "joint_trial" and not IS_CLINICAL[own]:
        fit = np.where(IS_CLINICAL[partners], fit, fit * NO_CLINICAL_SIDE_FACTOR)
    return fit.astype(np.float32)


@dataclass
class LearntWeights:
    """Coefficients of the score parts, fitted on the labelled set, with how they were judged."""

    coefficients: dict[str, float]
    intercept: float = 0.0
    scale: float = 1.0  # score = tanh(raw / scale): a typical good labelled pair scores about 0.76
    fit_threshold: float = 0.35  # a direction "fits" when its best passage pair reaches this
    fitted_on: str = "hand-set starting point, not yet fitted"
    cross_validation: dict = field(default_factory=dict)

    def vector(self) -> np.ndarray:
        """Coefficients in :data:`FEATURES` order, shape (n_features,)."""
        return np.array([self.coefficients.get(name, 0.0) for name in FEATURES], dtype=np.float32)

    def save(self, path: Path = WEIGHTS_PATH) -> None:
        """Write the weights as readable JSON."""
        path.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


DEFAULT_WEIGHTS = LearntWeights(
    coefficients={
        "offer_fit": 0.2, "seek_fit": 0.2, "reciprocity": 0.6, "expertise": 0.4, "topics": 0.5,
        "lexical": 0.2, "track_declared": 0.4, "kind_fit": 0.5, "wanted": 0.3, "wanted_back": 0.3,
        "track_text": 0.3,
    },
    scale=2.0,
)  # fmt: skip


def load_weights(path: Path = WEIGHTS_PATH) -> LearntWeights:
    """The fitted weights if ``data/weights.json`` exists, else the starting point."""
    if not path.exists():
        return DEFAULT_WEIGHTS
    data = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(data.get("coefficients", {})) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path} names unknown score parts: {', '.join(sorted(unknown))}")
    return LearntWeights(**data)


# The directory search shows no organisation below this score. Measured with the bundled model by
# scripts/search_floor.py on data/eval/search_queries.jsonl: it keeps 90% of the relevant hits
# (median 0.67), drops 79% of the others (median 0.27), and "pizza" (best 0.19) finds nothing.
SEARCH_FLOOR = 0.36
