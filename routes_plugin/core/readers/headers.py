"""Tolerant header matching and header-row detection for tracker exports.

A header is matched to a canonical field in tiers, the first that answers wins:

1. ``exact``: its key (``profile.header_key``) is an alias of the profile;
2. ``normalised``: its normalised tokens (see :func:`tokens`: no case, accents,
   punctuation, ``(s)``, parenthesised text, "no.", "#", "est.", "estimated",
   "makadirio"...) equal those of an alias;
3. ``synonyms``: its tokens name a concept (English and Swahili words, e.g.
   *visa*, *kesi*, *waathiriwa* = cases; *asili*, *chanzo*, *kutoka* = origin)
   and, where it matters, a qualifier (country / city / type / method);
4. ``fuzzy``: the best ``rapidfuzz`` ratio against the normalised aliases, or a
   concept word one typo away. ``CONFIDENT`` and above maps; from ``UNCERTAIN``
   the column is *probably* that field: the load stops naming it, or (when
   asked) maps it and warns.

:func:`score_row` rates a row as a header (how many distinct fields its cells
name), which picks the header among the first ``HEADER_SCAN_ROWS`` rows and
the sheet of a workbook.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .base import CANONICAL_FIELDS

HEADER_SCAN_ROWS = 30
CONFIDENT, UNCERTAIN = 90, 75       # rapidfuzz ratios (0-100)
TOKEN_TYPO = 88                     # a concept word at this ratio or above is that word
#: words that carry no meaning in a header
NOISE = {"no", "nr", "num", "number", "numbers", "#", "est", "estimated", "estimate", "estimates", "makadirio",
         "approx", "approximate", "approximately", "total", "s", "of", "the", "a", "an", "in", "per", "by", "for",
         "ya", "la", "wa", "za", "cha", "pa", "kwa", "ku", "idadi", "jumla", "kadirio", "takriban", "if", "any",
         "e", "g", "eg", "etc", "and", "or", "na", "au"}
#: concept words: word -> concept
CONCEPTS = {
    "cases": "cases victims victim survivors survivor persons people individuals watu visa kesi kisa waathiriwa "
             "waathirika wahanga mhanga waliodhulumiwa count counts",
    "origin": "origin origins asili chanzo vyanzo kutoka alikotoka alipotoka anakotoka kuanzia kuanza home "
              "departure departures departing depart kuondoka",
    "destination": "destination destinations intended marudio mwisho kwenda kuelekea uliokusudiwa iliyokusudiwa "
                   "palipokusudiwa alikokwenda anakokwenda alikopelekwa final arrival arrivals arriving arrive kufika "
                   "kuwasili",
    "transit": "transit via kupitia njiani stopover stopovers transiting passing",
    "exploitation": "exploitation exploited unyonyaji alipodhulumiwa alipotumikishwa dhuluma",
    "mode": "mode modes transport transportation usafiri travel vehicle vehicles conveyance",
    "airline": "airline airlines carrier carriers airways",
    "recruitment": "recruitment recruited recruiter recruiters kuajiri kuandikishwa kuajiriwa ushawishi",
    "industry": "industry industries sector sectors sekta tasnia",
    "year": "year years mwaka",
    "date": "date dated tarehe",
    "org": "organisation organization organisations organizations org partner partners cso ngo mshirika "
           "reporter",
    "notes": "notes note comments comment remarks remark details description narrative maelezo maoni observations",
    "id": "id identifier ref reference kitambulisho namba nambari",
    # attributes of a person: never a route field (identifying; kept unmapped)
    "person": "name names jina majina age umri gender sex jinsia phone simu contact nationality uraia "
              "citizenship address anwani",
}
QUALIFIERS = {
    "country": "country countries nchi nation",
    "city": "city cities town towns mji miji village kijiji county kaunti",
    "place": "place places location locations mahali eneo maeneo area point points",
    "type": "type types form forms kind kinds aina category categories",
    # words that say nothing about which field, but are not unknown either
    "filler": "reporting reported main primary used iliyotumika first last other others flight flights given "
              "specified listed all list name_of",
    "method": "method methods means how mbinu njia",
}
_WORD = {w: c for c, words in CONCEPTS.items() for w in words.split()}
_QUAL = {w: q for q, words in QUALIFIERS.items() for w in words.split()}


def _strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")


def tokens(text: str) -> tuple[str, ...]:
    """Normalised words of a header: lowercase, no accents, no '(s)', no
    parenthesised or bracketed text, no punctuation, no noise words."""
    t = _strip_accents(text).casefold().replace("’", "'")
    t = re.sub(r"\(s\)|\[s\]", "", t)
    # parenthesised text goes, except qualifiers in it: "Place of exploitation (country)"
    t = re.sub(r"\(([^)]*)\)|\[([^\]]*)\]",
               lambda m: " " + " ".join(w for w in re.findall(r"[a-z]+", m.group(1) or m.group(2) or "")
                                        if w in _QUAL) + " ", t)
    t = t.replace("#", " # ")
    words = re.findall(r"[a-z0-9#]+", t)
    return tuple(w for w in words if w not in NOISE)


def _concepts(words) -> tuple[set[str], set[str], bool]:
    """(concepts, qualifiers, typo) of the words; ``typo``: a word was taken one typo away.
    Words that are neither make the concepts void when they outnumber the known
    ones or are more than two ("Trafficking Status Decision Making Organization")."""
    from rapidfuzz import fuzz, process

    concepts, quals, typo = set(), set(), False
    unknown = 0
    for w in words:
        if w in _WORD:
            concepts.add(_WORD[w])
        elif w in _QUAL:
            quals.add(_QUAL[w])
        elif len(w) >= 5:
            best = process.extractOne(w, list(_WORD) + list(_QUAL), scorer=fuzz.ratio)
            if best and best[1] >= TOKEN_TYPO:
                (concepts if best[0] in _WORD else quals).add(_WORD.get(best[0]) or _QUAL[best[0]])
                typo = True
            else:
                unknown += 1
        else:
            unknown += 1
    known = len(words) - unknown
    if unknown > 2 or unknown > known:
        return set(), set(), typo
    quals.discard("filler")
    return concepts, quals, typo


def field_of_concepts(concepts: set[str], quals: set[str], words=()) -> str | None:
    """The canonical field a set of concepts and qualifiers names, or None (none or contradictory)."""
    words = set(words)
    c = set(concepts)
    if "person" in c:
        return None
    if c == {"id", "notes"}:
        return "route_id"
    if "airline" in c or ({"shirika", "mashirika"} & words and "ndege" in words):
        return "airlines"
    if "mode" in c or ("method" in quals and "usafiri" in words):
        return "transport_modes"
    if "exploitation" in c and ("type" in quals or "industry" in c):
        return "exploitation_types" if "industry" not in c else "industry"
    for concept, place, country in (("origin", "origin", "origin_country"),
                                    ("destination", "destination", "destination_country"),
                                    ("exploitation", "exploitation_place", "exploitation_country")):
        if concept in c and not (c - {concept, "cases"}) and "cases" not in c:
            if concept == "exploitation" and not quals:
                return None   # "Exploitation" alone: its type or its place?
            # "Destination (city, country)": one compound cell, a place
            return country if "country" in quals and "city" not in quals else place
    if c == {"transit"}:
        return "transit"
    if c == {"cases"}:
        return "cases"
    if "recruitment" in c and c <= {"recruitment", "org"}:
        return "recruitment_methods"
    if c == {"industry"}:
        return "industry"
    if c == {"year"} or c == {"year", "date"}:
        return "year"
    if c == {"date"}:
        return "date_reported"
    if "org" in c and c <= {"org", "date"}:
        return "reporting_org"
    if c == {"notes"}:
        return "notes"
    if c == {"id"}:
        return "route_id"
    return None


@dataclass(frozen=True)
class Match:
    """How one header was matched."""
    field: str | None
    how: str            # 'exact' | 'normalised' | 'synonyms' | 'fuzzy' | 'uncertain' | 'none'
    score: float        # 0-100
    alias: str = ""     # the alias or words that matched

    @property
    def confident(self) -> bool:
        return self.field is not None and self.how != "uncertain"


def _profile_key(profile: dict):
    return tuple((f, tuple(a)) for f, a in sorted(profile["fields"].items()))


@lru_cache(maxsize=16)
def _indexes(key):
    from .profile import header_key

    exact: dict[str, str] = {header_key(f): f for f in CANONICAL_FIELDS}
    normal: dict[tuple, str] = {}
    for f in CANONICAL_FIELDS:
        normal.setdefault(tokens(f.replace("_", " ")), f)
    texts: list[tuple[str, str, str]] = []
    for f, aliases in key:
        for a in aliases:
            exact[header_key(a)] = f
            t = tokens(a)
            if t:
                normal.setdefault(t, f)
                texts.append((" ".join(t), f, a))
    return exact, normal, texts


def match_header(header: str, profile: dict) -> Match:
    """Match one header text to a canonical field (see the module docstring)."""
    from rapidfuzz import fuzz, process

    from .profile import header_key

    if not header or not str(header).strip():
        return Match(None, "none", 0)
    exact, normal, texts = _indexes(_profile_key(profile))
    key = header_key(header)
    if key in exact:
        return Match(exact[key], "exact", 100, header)
    words = tokens(header)
    if not words:
        return Match(None, "none", 0)
    if words in normal:
        return Match(normal[words], "normalised", 100, " ".join(words))
    concepts, quals, typo = _concepts(words)
    field = field_of_concepts(concepts, quals, words)
    if field is not None:
        return Match(field, "synonyms" if not typo else "fuzzy", 95 if not typo else CONFIDENT,
                     " ".join(words))
    joined = " ".join(words)
    if all(w in _WORD or w in _QUAL for w in words):
        # known words that name no one field ("Country", "Victim name"): never a near miss of an alias
        guess = _guess(concepts, quals)
        return Match(guess, "uncertain", 60, joined) if guess else Match(None, "none", 0)
    best = process.extractOne(joined, [t for t, _, _ in texts], scorer=fuzz.ratio) if texts else None
    if best is not None:
        text, score, i = best
        _, f, alias = texts[i]
        if score >= CONFIDENT:
            return Match(f, "fuzzy", score, alias)
        if score >= UNCERTAIN:
            return Match(f, "uncertain", score, alias)
    if concepts and field is None:
        # e.g. "Country" alone, or words of two fields: name the most likely one as uncertain
        guess = _guess(concepts, quals)
        if guess:
            return Match(guess, "uncertain", 60, joined)
    return Match(None, "none", best[1] if best else 0)


def _guess(concepts: set[str], quals: set[str]) -> str | None:
    if "person" in concepts:
        return None
    if concepts == {"exploitation"} and not quals:
        return "exploitation_types"
    for concept in ("cases", "origin", "destination", "exploitation", "transit", "mode", "airline"):
        if concept in concepts:
            one = field_of_concepts({concept}, quals)
            if one:
                return one
    return None


def resemblance(header: str, field: str, profile: dict) -> float:
    """How much a header resembles ``field`` (0-100): the best fuzzy ratio against
    its aliases, 80 when its words name the field's concept."""
    from rapidfuzz import fuzz

    words = tokens(header)
    if not words:
        return 0
    _, _, texts = _indexes(_profile_key(profile))
    joined = " ".join(words)
    best = max((fuzz.ratio(joined, t) for t, f, _ in texts if f == field), default=0)
    concepts, quals, _ = _concepts(words)
    if _guess(concepts, quals) == field:
        best = max(best, 80)
    return best


def score_row(cells, profile: dict) -> float:
    """How much a row looks like the header: distinct fields named confidently
    (+0.5 for uncertain ones), bonus for place fields; text cells only."""
    fields: dict[str, float] = {}
    for c in cells:
        if not c or not isinstance(c, str) or len(c) > 120 or re.fullmatch(r"[\d\s.,:/-]+", c):
            continue
        m = match_header(c, profile)
        if m.field is None:
            continue
        fields[m.field] = max(fields.get(m.field, 0), 1.0 if m.confident else 0.5)
    return sum(fields.values())


def combine_rows(top, sub) -> list[str]:
    """Two header rows as one: a group cell (merged over the columns to its right,
    i.e. followed by blanks) prefixes the sub-headers below it: "Origin" over
    "City" / "Country" -> "Origin City", "Origin Country"."""
    width = max(len(top), len(sub))
    top = list(top) + [None] * (width - len(top))
    sub = list(sub) + [None] * (width - len(sub))
    out, group = [], None
    for t, s in zip(top, sub):
        if t:
            group = t if s else None      # a cell with nothing below spans both rows
            out.append(f"{t} {s}" if s else t)
            continue
        if not s:
            group = None
        out.append(f"{group} {s}" if s and group else (s or ""))
    return out


class HeaderPicker:
    """Chooses the header among a sheet's first non-blank rows (see ``grid.build_grid``):
    the row — or a group row with the sub-header row below it — whose cells name
    the most distinct fields; the first non-blank row when none names two."""

    MIN_SCORE = 2.0

    def __init__(self, profile: dict, extra_keys=()):
        self.profile = profile
        self.extra = {k for k in extra_keys}

    def _score(self, cells) -> float:
        from ..categories import fold

        keys = [fold(c) for c in cells if isinstance(c, str)]
        if sum(k.startswith(("cas ", "prs ", "vic ")) for k in keys) >= 3:
            return 40.0      # an HTCDS case file's coded header: read as such, and explained
        if self.extra and any(isinstance(c, str) and fold(c) in self.extra for c in cells):
            return 50.0 + score_row(cells, self.profile)
        return score_row(cells, self.profile)

    def candidates(self, rows):
        rows = rows[:HEADER_SCAN_ROWS]
        singles = [self._score(c) for _, c in rows]
        for i, (number, cells) in enumerate(rows):
            yield singles[i], i, 1, [c or "" for c in cells]
            if i + 1 < len(rows) and rows[i + 1][0] == number + 1:
                both = combine_rows(cells, rows[i + 1][1])
                s = self._score(both)
                if s > max(singles[i], singles[i + 1]) + 0.5:
                    yield s, i, 2, both

    def __call__(self, rows):
        best = max(self.candidates(rows), key=lambda c: (c[0], -c[1]), default=None)
        if best is None or best[0] < self.MIN_SCORE:
            return 0, 1, [c or "" for c in rows[0][1]]
        return best[1], best[2], best[3]

    def score(self, rows) -> float:
        return max((c[0] for c in self.candidates(rows)), default=0.0)
