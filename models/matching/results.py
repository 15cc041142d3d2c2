"""Small result types the engine returns and the web, the API and the exports display."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Topic:
    """One entry of the bilingual topic vocabulary (``data/topics.json``)."""

    id: str
    fr: str
    en: str

    def label(self, locale: str) -> str:
        """The label in ``locale`` ("fr" or "en"), French otherwise."""
        return self.en if locale == "en" else self.fr


@dataclass(frozen=True)
class PassagePair:
    """Two passages, one from each profile, that drove a suggestion."""

    own_field: str  # "expertise" | "offers" | "seeks" of the organisation asking
    own_text: str
    partner_field: str
    partner_text: str
    similarity: float


@dataclass(frozen=True)
class Reason:
    """A structured reason behind a suggestion: a code and its parameters, worded at display time.

    ``need_met``: one side seeks a kind of partner or capability (``need``, see ``models/needs.py``)
    that the other provides; ``seeker`` is "own" (the organisation asking) or "partner"; ``how`` is
    "stated" (the provider's profile says so) or "kind" (its kind of organisation usually does).
    """

    code: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """Why a partner is suggested: passages, shared topics and terms, which way the fit runs."""

    passages: tuple[PassagePair, ...] = ()
    shared_topics: tuple[Topic, ...] = ()
    shared_terms: tuple[str, ...] = ()
    # "both": each offers what the other seeks; "partner_offers": the partner offers what we seek;
    # "we_offer": we offer what the partner seeks; "none": neither way is clear.
    direction: str = "none"
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A partner across the Atlantic for one organisation and one track."""

    org_id: int
    short_name: str
    name: str
    region: str
    city: str
    type: str
    track: str
    score: float  # 0..1, higher is better
    parts: dict[str, float] = field(default_factory=dict)
    evidence: Evidence = field(default_factory=Evidence)
    # The same pair's score seen from the partner's side: each side weighs what it seeks more.
    reverse_score: float | None = None
    status: str = "active"  # the partner's profile status (models.profiles.STATUSES)

    def to_dict(self) -> dict:
        """A JSON-ready dict (used by ``flask suggest --json`` and the API)."""
        return asdict(self)


@dataclass(frozen=True)
class SearchHit:
    """An organisation found by a free-text search, with its best-matching passage."""

    org_id: int
    short_name: str
    name: str
    region: str
    city: str
    type: str
    score: float
    passage: str
    status: str = "active"
