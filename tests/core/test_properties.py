"""Property-based tests (hypothesis) of the reader + parser, the gazetteer and row accounting.

* any cell content gives a value or a reasoned rejection, and every row is
  either mapped or rejected (never both, never neither);
* the gazetteer answers any text with a place in range or a reason;
* counts are conserved from input rows to the route layers, checked against
  an independent reading of the same cells.
"""
from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
from trafficking_routes.routes_plugin.core.layers import build_layers
from trafficking_routes.routes_plugin.core.readers import read_export
from trafficking_routes.routes_plugin.core.routes import parse_cases, parse_routes

HEADER = ["Route ID", "Year", "Origin city", "Origin country", "Transit points", "Intended destination city",
          "Intended destination country", "Estimated cases", "Mode of transport", "Notes"]
PLACES = ["Kisumu", "Nairobi", "Busia", "Malaba", "Kampala", "Juba", "Mombasa", "Riyadh", "Dubai", "Moyale"]
COUNTRIES = ["Kenya", "KE", "Uganda", "UGA", "Saudi Arabia", "South Sudan", "Tanzania", ""]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# any text a spreadsheet cell may hold, including separators, formulas and control characters
cell = st.one_of(st.text(max_size=30), st.sampled_from(PLACES + COUNTRIES + ["=1+1", "-5", "10+", "5-10", "\x00",
                                                                           "Busia -> Kampala", "1, 2", "NaN"]))


def gaz() -> Gazetteer:
    return Gazetteer.load()


def load(rows: list[list[str]]):
    """Write ``rows`` as a CSV, read and parse it: (raw table, journeys)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "routes.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([HEADER] + rows)
        raw = read_export(path)
    return raw, parse_routes(raw, gaz())


@SETTINGS
@given(st.lists(st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=8))
def test_any_cells_give_values_or_reasoned_rejections(rows):
    raw, journeys = load(rows)
    mapped, rejected = journeys.mapped_rows, journeys.rejected_rows
    assert not mapped & rejected
    assert len(mapped) + len(rejected) == raw.rows_read == journeys.accounting()["rows_in"]
    assert set(raw.frame["source_row"]) <= mapped | rejected
    assert all(p.reason.strip() for p in journeys.problems)
    # a mapped route has at least one resolved stop, each in range
    stops = journeys.stops
    assert set(journeys.routes["route_id"]) == set(stops["route_id"])
    assert stops["lat"].between(-90, 90).all() and stops["lon"].between(-180, 180).all()


@SETTINGS
@given(st.one_of(st.text(max_size=40),
                 st.tuples(st.floats(-200, 200), st.floats(-400, 400))
                 .map(lambda c: f"{c[0]:.4f}, {c[1]:.4f}")),
       st.one_of(st.none(), st.sampled_from(COUNTRIES), st.text(max_size=5)))
def test_gazetteer_answers_any_text(name, hint):
    res = gaz().resolve(name, hint)
    assert res.status in ("ok", "ambiguous", "unknown", "invalid")
    if res.status == "ok":
        assert math.isfinite(res.place.lat) and -90 <= res.place.lat <= 90
        assert math.isfinite(res.place.lon) and -180 <= res.place.lon <= 180
    else:
        assert res.place is None and res.reason.strip()


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(PLACES), st.lists(st.sampled_from(PLACES[2:6]), max_size=3),
                          st.sampled_from(PLACES), st.one_of(st.integers(0, 500).map(str),
                                                             st.sampled_from(["", "10+", "5-10", "about 7", "x"]))),
                min_size=1, max_size=12))
def test_counts_conserved_from_rows_to_layers(routes):
    rows = [[f"P{i}", "2020", o, "", "; ".join(t), d, "", c, "road", "n"] for i, (o, t, d, c) in enumerate(routes)]
    raw, journeys = load(rows)
    layers, report = build_layers(journeys)
    lines = layers["route_lines"]
    assert len(lines) == len(journeys.routes) == len(journeys.mapped_rows)
    # independent: the cases of the mapped rows, parsed one cell at a time
    mapped = sorted(journeys.mapped_rows)
    expected_low = sum(parse_cases(rows[r - 2][7])[0] for r in mapped if not math.isnan(parse_cases(rows[r - 2][7])[0]))
    assert pd.to_numeric(lines["cases_low"]).sum() == expected_low
    # every stop of a mapped route is a point: origin + transit + destination
    expected_points = sum(2 + len(routes[r - 2][1]) for r in mapped)
    assert report["route_points"] == len(layers["route_points"]) == expected_points
    assert set(layers["route_points"]["route_id"]) <= set(lines["route_id"])
