"""The one table of category names and their labels (English, Swahili).

The same vocabularies feed the parser (normalising free text to codes), the
UI, the layouts and the legends. A value that matches no code is kept as the
user wrote it (normalised spacing), never dropped.
"""
from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("en", "sw")

# field -> code -> (English label, Swahili label, extra aliases)
VOCABULARIES: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    "transport_modes": {
        "air": ("Air", "Ndege", ("plane", "flight", "airplane", "aeroplane", "by air", "ndege")),
        "road": ("Road", "Barabara", ("bus", "car", "truck", "lorry", "matatu", "boda boda", "motorbike", "taxi", "barabara", "basi", "gari")),
        "sea": ("Sea / boat", "Bahari / mashua", ("boat", "ship", "dhow", "ferry", "sea", "mashua", "meli", "bahari")),
        "rail": ("Rail", "Reli", ("train", "sgr", "railway", "treni", "gari la moshi", "reli")),
        "foot": ("On foot", "Kwa miguu", ("walking", "walk", "on foot", "kwa miguu", "miguu")),
    },
    "exploitation_types": {
        "sexual": ("Sexual exploitation", "Unyonyaji wa kingono", ("sexual", "sex", "sexual exploitation", "prostitution", "ngono", "kingono")),
        "forced_labour": ("Forced labour", "Kazi ya kulazimishwa", ("labour", "labor", "forced labour", "forced labor", "kazi ya kulazimishwa", "kazi")),
        "domestic_servitude": ("Domestic servitude", "Utumwa wa nyumbani", ("domestic", "domestic work", "domestic servitude", "house help", "house girl", "kazi za nyumbani")),
        "forced_marriage": ("Forced marriage", "Ndoa ya kulazimishwa", ("marriage", "forced marriage", "early marriage", "ndoa")),
        "begging": ("Forced begging", "Kuombaomba kwa lazima", ("begging", "forced begging", "kuombaomba")),
        "criminal_activity": ("Forced criminal activity", "Uhalifu wa kulazimishwa", ("crime", "criminal", "drug trafficking", "uhalifu")),
        "organ_removal": ("Organ removal", "Uondoaji wa viungo", ("organ", "organs", "organ removal", "viungo")),
        "other": ("Other", "Nyingine", ("other", "nyingine")),
    },
    "recruitment_methods": {
        "job_offer": ("False job offer", "Ahadi ya kazi ya uongo", ("job", "job offer", "fake job", "false job offer", "employment agency", "ahadi ya kazi", "kazi")),
        "education_offer": ("Education / scholarship offer", "Ahadi ya masomo", ("education", "scholarship", "scholarship offer", "school", "masomo", "elimu")),
        "family_friend": ("Family member or friend", "Ndugu au rafiki", ("family", "friend", "relative", "family member", "ndugu", "rafiki", "jamaa")),
        "online": ("Online / social media", "Mtandaoni", ("online", "internet", "social media", "facebook", "whatsapp", "tiktok", "mtandao", "mtandaoni")),
        "agent_broker": ("Agent or broker", "Wakala / dalali", ("agent", "broker", "recruitment agency", "wakala", "dalali")),
        "marriage_offer": ("Marriage promise", "Ahadi ya ndoa", ("marriage promise", "marriage offer", "romance", "ahadi ya ndoa")),
        "abduction": ("Abduction", "Utekaji nyara", ("abduction", "kidnapping", "kidnap", "utekaji", "utekaji nyara")),
        "other": ("Other", "Nyingine", ("other", "nyingine")),
    },
}

#: fields whose cells hold several categories
CATEGORY_FIELDS = ("exploitation_types", "industry", "transport_modes", "airlines", "recruitment_methods")

#: role names of stops, with labels
ROLES = {
    "origin": ("Origin", "Chanzo"),
    "transit": ("Transit", "Kupitia"),
    "destination": ("Intended destination", "Mwisho uliokusudiwa"),
    "exploitation": ("Place of exploitation", "Mahali pa unyonyaji"),
}
ROLE_ORDER = ("origin", "transit", "destination", "exploitation")

#: separators accepted between several values in one cell (transit points,
#: categories): ; | / newline, comma, arrow, " and ", " na " (Swahili)
_SPLIT = re.compile(r"\s*(?:;|\||\n|\r|\t|,|/|\\|→|->|=>|>|\u2013>|\band\b|\bna\b|&|\+)\s*", re.IGNORECASE)


def fold(text: str) -> str:
    """Case-, diacritic- and spacing-insensitive key for matching."""
    text = unicodedata.normalize("NFKD", str(text))
    # accents and invisible format characters (zero-width space, direction marks) go
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    text = text.casefold().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[\s_\-.]+", " ", text)
    return text.strip(" '\"")


_COORDS = re.compile(r"(?<![\w.])(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)(?![\w.])")


def split_cell(value) -> list[str]:
    """Split a multi-value cell into its items, in order, without empties.

    A "lat, lon" pair is one item (its comma is not a separator)."""
    if value is None:
        return []
    text = str(value)
    if not text.strip():
        return []
    text = _COORDS.sub(lambda m: f"{m.group(1)}\x00{m.group(2)}", text)
    items = (p.strip(" .'\"").replace("\x00", ", ") for p in _SPLIT.split(text))
    return [p for p in items if p]


def _alias_index(field: str) -> dict[str, str]:
    idx: dict[str, str] = {}
    for code, (en, sw, aliases) in VOCABULARIES.get(field, {}).items():
        for a in (code, en, sw, *aliases):
            idx.setdefault(fold(a), code)
    return idx


_ALIASES = {f: _alias_index(f) for f in VOCABULARIES}


def normalise_category(field: str, value: str) -> str:
    """Map one item to its code; unknown items are kept as written (trimmed)."""
    idx = _ALIASES.get(field)
    key = fold(value)
    if idx and key in idx:
        return idx[key]
    return re.sub(r"\s+", " ", str(value)).strip()


def normalise_categories(field: str, cell) -> list[str]:
    """Split a cell and normalise each item, keeping order and dropping repeats."""
    seen: list[str] = []
    for item in split_cell(cell):
        code = normalise_category(field, item)
        if code and code not in seen:
            seen.append(code)
    return seen


def label(field: str, code: str, language: str = "en") -> str:
    """Label of a code in ``language`` ("en" or "sw"); unknown codes as given."""
    i = LANGUAGES.index(language) if language in LANGUAGES else 0
    if field == "role" and code in ROLES:
        return ROLES[code][i]
    entry = VOCABULARIES.get(field, {}).get(code)
    return entry[i] if entry else code


JOIN = "; "


def join(items) -> str:
    return JOIN.join(items)
