"""The one table of category names and their labels (English, Swahili).

The vocabularies are data (``routes_plugin/data/vocabularies/*.csv``); the same vocabularies feed the parser (normalising free text to codes), the
UI, the layouts and the legends. A value that matches no code is kept as the
user wrote it (normalised spacing), never dropped.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

LANGUAGES = ("en", "sw")

#: the vocabulary files: one CSV per field (code, en, sw, aliases joined by "; ")
VOCABULARY_DIR = Path(__file__).resolve().parents[1] / "data" / "vocabularies"


def _read_vocabulary(path: Path) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["code"]: (row["en"], row["sw"], tuple(a.strip() for a in row["aliases"].split(";") if a.strip()))
                for row in csv.DictReader(f)}


# field -> code -> (English label, Swahili label, extra aliases), from routes_plugin/data/vocabularies/<field>.csv
VOCABULARIES: dict[str, dict[str, tuple[str, str, tuple[str, ...]]]] = {
    path.stem: _read_vocabulary(path) for path in sorted(VOCABULARY_DIR.glob("*.csv")) if path.stem != "roles"}

#: fields whose cells hold several categories
CATEGORY_FIELDS = ("exploitation_types", "industry", "transport_modes", "airlines", "recruitment_methods")

#: role names of stops, with labels (routes_plugin/data/vocabularies/roles.csv, in stop order)
ROLES = {code: (en, sw) for code, (en, sw, _aliases) in _read_vocabulary(VOCABULARY_DIR / "roles.csv").items()}
ROLE_ORDER = tuple(ROLES)

#: separators accepted between several values in one cell (transit points,
#: categories): ; | / newline, comma, arrow, " and ", " na " (Swahili)
_SPLIT = re.compile(r"\s*(?:;|\||\n|\r|\t|,|/|\\|→|->|=>|>|\u2013>|\band\b|\bna\b|&|\+)\s*", re.IGNORECASE)


_FOLD_SPACES = re.compile(r"[\s_\-.]+")


def fold(text: str) -> str:
    """Case-, diacritic- and spacing-insensitive key for matching."""
    text = str(text)
    if text.isascii():  # nothing to decompose, no accents or format characters: the same key, faster
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text)
        # accents and invisible format characters (zero-width space, direction marks) go
        text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
        text = text.casefold().replace("’", "'").replace("‘", "'")
    return _FOLD_SPACES.sub(" ", text).strip(" '\"")


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
