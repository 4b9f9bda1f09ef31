"""core/dedupe.py: one route reported by several organisations counts once."""
from __future__ import annotations

import csv

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
