"""What evidence is worth showing: words that explain nothing, and passages that prove nothing.

Shared words leave out the function words of both languages, numbers written as words and the
names of months ("contre", "sous", "deux", "novembre"). Passage pairs leave out passages that rest
on dates, founding history or legal boilerplate ("founded in 2017", "SAS au capital de..."): two
such passages can look alike to the model while saying nothing about a partnership.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.matching.topics import fold

_STOP_WORDS_TEXT = """
    a about after against all also among and any are around as at be been before being below between
    both but by can could did do does each either for from had has have having her here his how in
    incl including into is it its more most much new nor not of off on once only or other our out over
    own per same several she should since so some such than that the their them then there these they
    this those through thus to too under until up upon us very via was we well were what when where
    which while who whom whose why will with within without would yet you your
    one two three four five six seven eight nine ten twenty hundred thousand first second third
    january february march april may june july august september october november december
    au aux avec ce ceci cela celle celles celui ces cet cette ceux chaque chez comme contre dans de des
    depuis dont du elle elles en entre et est etaient etait ete etre eux fait faire ici il ils jusqu la
    le les leur leurs lors lui mais meme mes moins nos notre nous on ont ou par parmi pas pendant peu
    peut plus pour pres quand que quel quelle quelles quels qui sa sans se selon ses si son sont sous
    sur ta tant tous tout toute toutes tres un une vers via vos votre vous ainsi notamment afin aussi
    deja donc encore avant apres autre autres
    deux trois quatre cinq six sept huit neuf dix vingt cent mille premier premiere second seconde
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    """
STOP_WORDS = frozenset(fold(_STOP_WORDS_TEXT).split())

# Founding history, dates and legal forms, in French and English (matched on folded text).
_BOILERPLATE = re.compile(
    r"\b(?:fonde|fondee|cree|creee|founded|established|created|incorporated|set up)"
    r"(?: \w+){0,3} (?:en|in|le|on) (?:\d{4}|\d{1,2} \w+ \d{4})"
    r"|\b(?:since|depuis) \d{4}"
    r"|\b(?:sas|sarl|scic|sa|inc|ltd|gmbh) au capital\b|\bcapital (?:social )?de [\d ]+"
    r"|\b(?:rcs|siret|siren)\b|\bsiege social\b|\bregistered office\b"
    r"|\b(?:formerly|anciennement|renamed|rebaptise|acquired by|rachete par|closed in|ferme en)\b"
)
# A passage this short that holds such a phrase says little else.
BOILERPLATE_MAX_WORDS = 25


@lru_cache(maxsize=200_000)
def mentions_history(text: str) -> bool:
    """Whether a passage speaks of a founding date, a legal form or a former name."""
    return bool(_BOILERPLATE.search(fold(text)))


def is_boilerplate(text: str) -> bool:
    """Whether a passage rests on dates, founding history or legal forms rather than on what it does."""
    return mentions_history(text) and len(text.split()) <= BOILERPLATE_MAX_WORDS
