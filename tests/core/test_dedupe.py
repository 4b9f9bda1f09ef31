"""core/dedupe.py: one route reported by several organisations counts once."""
from __future__ import annotations

import csv

import pytest

import pandas as pd

from trafficking_routes.routes_plugin.core import dedupe
from trafficking_routes.routes_plugin.core.loader import load_export

HEADER = ["Route ID", "Year", "Origin city", "Origin country", "Transit points", "Intended destination city",
          "Intended destination country", "Estimated cases", "Type of exploitation", "Reporting organisation"]


def write(tmp_path, rows, name="x.csv"):
    p = tmp_path / name
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return p


BASE = ["Kisumu", "Kenya", "Busia", "Kampala", "Uganda"]


def row(rid, org, year="2019", cases="5", types="Forced labour", stops=BASE):
    return [rid, year, stops[0], stops[1], stops[2], stops[3], stops[4], cases, types, org]


def test_duplicates_across_organisations_count_once(tmp_path):
    rows = [row("A1", "CSO A", cases="5"), row("B1", "CSO B", cases="8"),  # same route, two organisations
            row("A2", "CSO A"),                       # a second group reported by A: a distinct route
            row("C1", "CSO C", year="2020"),          # other year
            row("D1", "CSO D", types="Sexual exploitation"),  # other exploitation
            row("E1", "", cases="3"), row("E2", "", cases="3"),  # no organisation: never merged
            row("F1", "CSO F", stops=["Kisumu", "Kenya", "Malaba", "Kampala", "Uganda"])]  # other stops
    r = load_export(write(tmp_path, rows))
    lines = r.layers["route_lines"]
    assert len(lines) == 7 and r.report["duplicates_merged"] == 1
    merged = lines[lines["route_id"] == "A1"].iloc[0]
    assert merged["reports"] == 2 and int(merged["cases_low"]) == 8  # the larger estimate
    assert set(lines.loc[lines.route_id != "A1", "reports"]) == {1}
    assert "B1" not in set(lines["route_id"]) and "reporting_org" not in lines.columns
    # every input row is still accounted for: B1's row is one of A1's source rows, and listed as a warning
    assert r.report["rows_in"] == r.report["rows_mapped"] + r.report["rows_rejected"] == len(rows)
    assert "3" in str(merged["source_rows"]).split("; ")
    rej = r.layers["rejected_rows"]
    assert rej["reason"].str.contains("counted once").sum() == 1
    # stops of the folded report are gone from route_points too
    assert "B1" not in set(r.layers["route_points"]["route_id"])


def test_two_organisations_two_reports_each(tmp_path):
    rows = [row("A1", "CSO A"), row("A2", "CSO A"), row("B1", "CSO B"), row("B2", "CSO B"), row("B3", "CSO B")]
    lines = load_export(write(tmp_path, rows)).layers["route_lines"]
    assert len(lines) == 3 and sorted(lines["reports"]) == [1, 2, 2]


def test_duplicate_in_a_later_chunk_is_dropped_and_listed(tmp_path):
    rows = [row("A1", "CSO A"), row("X", "CSO X", stops=["Nairobi", "Kenya", "", "Juba", "South Sudan"]),
            row("B1", "CSO B")]
    r = load_export(write(tmp_path, rows), output=tmp_path / "o.gpkg", chunk_rows=2)
    assert r.report["duplicates_merged"] == 1
    assert r.report["rows_in"] == r.report["rows_mapped"] + r.report["rows_rejected"]
    assert r.layers["rejected_rows"]["reason"].str.contains("counted once").any()


def test_signature_is_order_sensitive():
    routes = pd.DataFrame({"route_id": ["a", "b"], "year": [2019, 2019], "exploitation_types": ["x; y", "y;x"]})
    stops = pd.DataFrame({"route_id": ["a", "a", "b", "b"], "seq": [0, 1, 0, 1], "place_key": ["p", "q", "q", "p"]})
    sig = dedupe.signatures(routes, stops)
    assert sig[0] != sig[1] and sig[0].split("|")[2] == sig[1].split("|")[2]


# --------------------------------------------------------------- the array merge against the per-route one
def _reference():
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location("reference_load_dedupe", Path(__file__).with_name("reference_load.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _reference()


def _chunks(data, n_chunks):
    """Random routes (few places, years, types, organisations: many duplicates) cut into chunks."""
    import numpy as np
    from trafficking_routes.routes_plugin.core.routes import Journeys
    rng = np.random.default_rng(data)
    n = int(rng.integers(1, 400))
    places, orgs = ["KE:a", "KE:b", "UG:c", "TZ:d"], ["CSO A", " cso a", "CSO B", "CSO C", None, ""]
    types = ["labour", "sexual; labour", "labour;sexual", "", None, " domestic "]
    rows, stops, frame = [], [], []
    for i in range(n):
        row = 2 + i
        k = int(rng.integers(0, 4))
        rid = f"r{i}"
        for s, p in enumerate(rng.choice(places, k).tolist()):
            stops.append({"route_id": rid, "source_row": row, "seq": s, "place_key": p})
        low = float(rng.choice([np.nan, 1, 5, 9]))
        high = float(rng.choice([np.nan, low + 1])) if not np.isnan(low) else np.nan
        given = rng.choice(["", f"{row}; {row + 1000}", f"{row};{row + 2000};"]) if rng.random() < 0.2 else None
        rows.append({"source_row": row, "route_id": rid, "cases_low": low, "cases_high": high,
                     "year": rng.choice([np.nan, 2019, 2020]), "exploitation_types": rng.choice(types),
                     **({"source_rows": given} if given is not None else {})})
        frame.append({"source_row": row, dedupe.ORG_COLUMN: rng.choice(orgs)})
    routes = pd.DataFrame(rows)
    if "source_rows" not in routes.columns:
        routes["source_rows"] = None
    routes["cases_low"] = routes["cases_low"].astype("Int64")
    routes["cases_high"] = routes["cases_high"].astype("Int64")
    routes["route_id"] = routes["route_id"].astype("str")
    stops = pd.DataFrame(stops, columns=["route_id", "source_row", "seq", "place_key"])
    frame = pd.DataFrame(frame)
    cuts = sorted(set(rng.integers(0, n, n_chunks).tolist()) | {0, n})
    for a, b in zip(cuts, cuts[1:]):
        part = routes.iloc[a:b].reset_index(drop=True)
        ids = set(part["route_id"])
        yield lambda part=part, ids=ids: Journeys(
            routes=part.copy(), stops=stops[stops["route_id"].isin(ids)].reset_index(drop=True).copy(),
            source_file="x.csv"), frame


@pytest.mark.parametrize("seed", range(60))
def test_array_merge_is_the_per_route_merge(seed):
    """Same routes kept, same folded counts, cases and rows, same notices, over chunks."""
    new_state, old_state = dedupe.DedupeState(), REFERENCE.DedupeState()
    for make, frame in _chunks(seed, n_chunks=seed % 5):
        new = dedupe.merge_duplicates(make(), frame, new_state)
        old = REFERENCE.merge_duplicates(make(), frame, old_state)
        pd.testing.assert_frame_equal(new.routes, old.routes)
        pd.testing.assert_frame_equal(new.stops, old.stops)
        assert [vars(p) for p in new.problems] == [vars(p) for p in old.problems]
    assert new_state.merged == old_state.merged
