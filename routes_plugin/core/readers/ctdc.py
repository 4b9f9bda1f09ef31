"""Counter Trafficking Data Collaborative (CTDC) case files: one victim per row.

* ``ctdc``: the Global Dataset (k-anonymised, codebook v6, ISO alpha-2
  countries, 0/1/-99 flags) and the Global Synthetic Dataset (v2024, ISO
  alpha-3, 1/blank flags). Country level: citizenship -> country of exploitation.
* ``ctdc_vp``: the Global Victim-Perpetrator Synthetic Dataset (condensed).
  UN region level: ``UN_COO_Region`` -> ``UN_COE_Region`` (Africa, Asia,
  Europe, Americas/Oceania), put in ``origin`` / ``exploitation_place``.

Flag columns become category cells (codes of ``categories.py`` where one
fits, plain words otherwise), joined by "; ". Each row is one case.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..categories import JOIN, fold
from .base import CANONICAL_FIELDS, RawTable
from .grid import Grid
from .profile import unmapped_warning

#: cells meaning "missing" in CTDC files (compared stripped and case-folded)
MISSING = {"-99", "zz", "00", "null", "nan", "unknown", "not specified"}
TRUE = {"1", "1.0", "true", "yes"}
COUNT_KEYS = ("count", "n", "cases", "victims", "number of victims")

#: folded header -> canonical field (single values)
VALUES = {
    "ctdc": {"yearofregistration": "year", "citizenship": "origin_country",
             "countryofexploitation": "exploitation_country"},
    "ctdc_vp": {"yearregister": "year", "un coo region": "origin", "un coe region": "exploitation_place"},
}
#: canonical field -> [(folded flag header, text added when the flag is set)]
FLAGS = {
    "exploitation_types": [
        ("isforcedlabour", "forced_labour"), ("issexualexploit", "sexual"), ("isotherexploit", "other"),
        ("issexandlabour", "sexual; forced_labour"), ("isforcedmarriage", "forced_marriage"),
        ("isforcedmilitary", "forced military service"), ("isorganremoval", "organ_removal")],
    "industry": [
        ("typeoflabouragriculture", "agriculture"), ("typeoflabouraquafarming", "fishing"),
        ("typeoflabourbegging", "begging"), ("typeoflabourconstruction", "construction"),
        ("typeoflabourdomesticwork", "domestic work"), ("typeoflabourhospitality", "hospitality"),
        ("typeoflabourillicitactivities", "illicit activities"), ("typeoflabourmanufacturing", "manufacturing"),
        ("typeoflabourminingordrilling", "mining"), ("typeoflabourpeddling", "peddling"),
        ("typeoflabourtransportation", "transportation"), ("typeoflabourother", "other"),
        ("typeofsexprostitution", "prostitution"), ("typeofsexpornography", "pornography"),
        ("typeofsexremoteinteractiveservices", "remote interactive sexual services"),
        ("typeofsexprivatesexualservices", "private sexual services")],
    "recruitment_methods": [
        ("recruiterrelationintimatepartner", "intimate partner"), ("recruiterrelationfriend", "friend"),
        ("recruiterrelationfamily", "family"), ("recruiterrelationother", "other"),
        ("isabduction", "abduction"), ("ip recruiterbroker", "agent_broker")],
}
#: multi-valued code columns (';'-joined in the file): folded header -> (field, value map)
CODED = {
    "ip relation": ("recruitment_methods", {"familyintimatepartner": "family", "friendacquaintance": "friend",
                                            "strangerunknownother": "other"}),
}


HEADER_KEYS = frozenset({"un coo region", "un coe region", "countryofexploitation",
                         "yearofregistration"})


def detect(grid: Grid) -> str | None:
    """'ctdc', 'ctdc_vp' or None from the headers."""
    keys = set(grid.keys())
    if keys & {"un coo region", "un coe region"}:
        return "ctdc_vp"
    if "countryofexploitation" in keys or {"citizenship", "yearofregistration"} <= keys:
        return "ctdc"
    return None


def _is_in(cells: pd.Series, values: set[str]) -> np.ndarray:
    """Cells (stripped, case-folded) among ``values``; NA is not."""
    return cells.map(lambda v: isinstance(v, str) and v.strip().casefold() in values).to_numpy(dtype=bool)


def read(grid: Grid, fmt: str, source_file: str, file: str) -> RawTable:
    """One route per row, with country (ctdc) or UN region (ctdc_vp) ends."""
    data = grid.data
    out: dict[str, pd.Series] = {"source_row": data["source_row"],
                                 "route_id": ("ctdc-" if fmt == "ctdc" else "ctdcvp-") + data["source_row"].astype(str)}
    column_map: dict[str, str] = {}
    used: set[int] = set()
    for key, field in VALUES[fmt].items():
        pos = grid.find(key)
        if pos is not None:
            out[field] = data[pos].mask(_is_in(data[pos], MISSING))
            column_map[field] = grid.headers[pos]
            used.add(pos)
    pos = grid.find(*COUNT_KEYS)
    out["cases"] = data[pos] if pos is not None else pd.Series("1", index=data.index)
    column_map["cases"] = grid.headers[pos] if pos is not None else "(1 per row)"
    if pos is not None:
        used.add(pos)
    texts: dict[str, np.ndarray] = {}
    sources: dict[str, list[str]] = {}
    for field, flags in FLAGS.items():
        for key, text in flags:
            pos = grid.find(key)
            if pos is not None:
                acc = texts.setdefault(field, np.full(len(data), "", dtype=object))
                texts[field] = acc + np.where(_is_in(data[pos], TRUE), text + JOIN, "")
                sources.setdefault(field, []).append(grid.headers[pos])
                used.add(pos)
    for key, (field, codes) in CODED.items():
        pos = grid.find(key)
        if pos is not None:
            mapped = data[pos].map(lambda v: "".join(codes.get(fold(p), p.strip()) + JOIN for p in v.split(";")
                                                     if p.strip()), na_action="ignore").fillna("")
            texts[field] = texts.get(field, np.full(len(data), "", dtype=object)) + mapped.to_numpy(dtype=object)
            sources.setdefault(field, []).append(grid.headers[pos])
            used.add(pos)
    for field, acc in texts.items():
        joined = pd.Series(acc, index=data.index).str.removesuffix(JOIN)
        out[field] = joined.mask(joined == "")
        column_map[field] = ", ".join(sources[field])
    ordered = [f for f in CANONICAL_FIELDS if f in out]
    unmapped = [(h, p) for p, h in enumerate(grid.headers) if p not in used and h and data[p].notna().any()]
    frame = pd.DataFrame({"source_row": out["source_row"].astype("int64")}
                         | {f: out[f].astype(pd.StringDtype()) for f in ordered}
                         | {h: data[p] for h, p in unmapped})
    return RawTable(frame=frame, source_file=source_file, fmt=fmt,
                    column_map={f: column_map[f] for f in ordered if f in column_map},
                    unmapped=[h for h, _ in unmapped],
                    problems=grid.problems + ([unmapped_warning(file, [h for h, _ in unmapped])] if unmapped else []),
                    rows_read=grid.rows_read)
