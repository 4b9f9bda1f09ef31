"""Real-looking exports load whole (issue 12): title rows, near-miss and Swahili headers,
a data sheet that is not the first, airports, compound cells, flights.

Fixtures: tests/data/exports/, written by scripts/make_export_fixtures.py (synthetic).
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from trafficking_routes.routes_plugin.core import crossings as C
from trafficking_routes.routes_plugin.core.loader import load_export
from trafficking_routes.routes_plugin.core.readers import ReadError, read_export
from trafficking_routes.routes_plugin.core.readers.headers import combine_rows, match_header, tokens
from trafficking_routes.routes_plugin.core.readers.profile import load_profile

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def share(series) -> float:
    return float(series.notna().mean())


def balanced(result):
    r = result.report
    assert r["rows_in"] == r["rows_mapped"] + r["rows_rejected"]


@pytest.mark.parametrize("header,field", [
    ("Origin City/Town", "origin"), ("Est. no. of cases", "cases"), ("Mode(s) of transport", "transport_modes"),
    ("Airline(s)", "airlines"), ("Idadi ya visa (makadirio)", "cases"), ("Idadi ya kesi", "cases"),
    ("Waathiriwa", "cases"), ("Wahanga (idadi)", "cases"), ("No. of victims", "cases"), ("# of cases", "cases"),
    ("Kutoka (mji)", "origin"), ("Asili", "origin"), ("Chanzo", "origin"), ("Nchi ya asili", "origin_country"),
    ("Marudio", "destination"), ("Mwisho", "destination"), ("Kwenda", "destination"),
    ("Nchi ya marudio", "destination_country"), ("Njiani", "transit"), ("Kupitia", "transit"),
    ("Transit point(s)", "transit"), ("Usafiri", "transport_modes"), ("Njia ya usafiri", "transport_modes"),
    ("Shirika la ndege", "airlines"), ("Mashirika ya ndege", "airlines"), ("Flight carrier", "airlines"),
    ("Place of Exploitation (Country)", "exploitation_country"), ("Mahali pa unyonyaji (nchi)", "exploitation_country"),
    ("Destination (City, Country)", "destination"), ("Type(s) of exploitation", "exploitation_types"),
    ("Recruitment method(s)", "recruitment_methods"), ("Reporting CSO", "reporting_org"),
    ("Departure", "origin"), ("Arrival city", "destination"), ("Destinaton country", "destination_country"),
    ("ORIGIN  COUNTRY:", "origin_country"), ("Estimated Cases*", "cases"), ("Victim counts per route", "cases"),
    ("Estmated casess", "cases"), ("Trnsport", "transport_modes")])
def test_tolerant_header_matching(header, field):
    m = match_header(header, load_profile())
    assert m.field == field and m.confident, m


@pytest.mark.parametrize("header", ["Victim name", "Age", "Gender", "Phone", "Nationality", "Country", "City",
                                    "Mailing Zip/Postal Code", "S/N", "Trafficking Status Decision Making Organization"])
def test_headers_that_are_no_field(header):
    m = match_header(header, load_profile())
    assert not m.confident, m


def test_tokens_and_group_rows():
    assert tokens("Est. no. of cases (approx.)") == ("cases",)
    assert tokens("Mode(s) of transport") == ("mode", "transport")
    assert tokens("Place of exploitation (country)") == ("place", "exploitation", "country")
    assert combine_rows(["ID", "Origin", None, "Destination", None, "Year"],
                        [None, "City", "Country", "City", "Country", None]) == \
        ["ID", "Origin City", "Origin Country", "Destination City", "Destination Country", "Year"]


def test_english_workbook_with_a_title_row():
    res = load_export(EXPORTS / "english_title.xlsx")
    balanced(res)
    r, lines = res.report, res.layers["route_lines"]
    assert r["rows_in"] == 150 and r["rows_mapped"] / r["rows_in"] >= 0.93
    assert res.raw.header_rows == [4]
    skipped = {p.row: p.value for p in res.raw.skipped}
    assert set(skipped) == {1, 2, 156, 157} and "Kenya route data collection 2020" in skipped[1]
    assert res.raw.column_map["origin"] == "Origin City/Town"
    assert res.raw.column_map["cases"] == "Est. no. of cases"
    assert res.raw.column_map["transport_modes"] == "Mode(s) of transport"
    assert res.raw.column_map["airlines"] == "Airline(s)"
    assert share(lines["cases_low"]) >= 0.70 and share(lines["transport_modes"]) >= 0.90
    # origin towns kept: not one origin is only a country
    assert (lines["origin_country"].notna()).all()
    pts = res.layers["route_points"]
    origins = pts[pts["role"] == "origin"]
    assert (origins["precision"] != "country").all()
    assert {"Mombasa", "Kilifi", "Kwale", "Hargeisa"} <= set(origins["place"])
    transit = pts[pts["role"] == "transit"]
    assert {"Jomo Kenyatta International Airport", "Mombasa Moi International Airport", "Liboi",
            "Namanga"} <= set(transit["place"])
    assert (transit.loc[transit["place"] == "Jomo Kenyatta International Airport", "precision"] == "airport").all()
    assert "Somaliland" in set(pts.loc[pts["role"] == "origin", "region"])
    assert "skipped" in res.summary() and "156" in res.summary()


def test_swahili_workbook_data_on_a_named_sheet():
    res = load_export(EXPORTS / "swahili_named_sheet.xlsx")
    balanced(res)
    r, lines = res.report, res.layers["route_lines"]
    assert res.raw.sheet == "Data za Njia" and any("Data za Njia" in n for n in res.raw.notices)
    assert r["rows_mapped"] / r["rows_in"] >= 0.95
    assert res.raw.column_map["cases"] == "Idadi ya visa (makadirio)"
    assert share(lines["cases_low"]) >= 0.85
    assert share(lines["transport_modes"]) >= 0.95
    # the same file with the sheet named (any case) reads the same
    again = read_export(EXPORTS / "swahili_named_sheet.xlsx", sheet="data za njia")
    assert again.rows_read == res.raw.rows_read


def test_flights_make_no_land_crossing(world_map):
    res = load_export(EXPORTS / "flights.csv")
    balanced(res)
    assert res.report["rows_mapped"] == 40
    legs = res.layers["route_legs"]
    assert (legs["mode"] == "air").all() and set(legs["mode_source"]) == {"given"}
    out = C.aggregate_crossings(legs, threshold=0, countries=C.load_countries(str(world_map)))
    assert not out.crossings["kind"].isin(["place", "border"]).any()
    ports = out.crossings[out.crossings["kind"] == "airport"].set_index("place_key")
    nbo = ports.loc["airport:NBO"]
    departing = legs[legs["from_key"] == "airport:NBO"]["route_id"].nunique()
    assert nbo["departures"] == departing and nbo["arrivals"] == 0
    assert "airport:DOH" in ports.index and "airport:RUH" in ports.index


def test_air_legs_on_mixed_routes(tmp_path, world_map):
    rows = [["Origin", "Transit", "Destination", "Destination country", "Cases", "Mode", "Airline"],
            ["Kisumu", "Busia; Kampala", "Juba", "South Sudan", "3", "road", ""],
            ["Kisumu", "JKIA", "Riyadh", "Saudi Arabia", "2", "road; air", "Saudia"],
            ["Nairobi", "", "Riyadh", "Saudi Arabia", "1", "", ""],
            ["Nairobi", "Busia", "Dubai", "UAE", "1", "road, air", ""]]
    path = tmp_path / "mixed.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    legs = load_export(path).layers["route_legs"]
    got = {(r.source_row, r.from_place, r.to_place): (r.mode, r.mode_source) for r in legs.itertuples()}
    assert got[(2, "Kisumu", "Busia")] == ("road", "given")
    assert got[(3, "Kisumu", "Jomo Kenyatta International Airport")] == ("air", "inferred")
    assert got[(3, "Jomo Kenyatta International Airport", "Riyadh")] == ("air", "inferred")
    assert got[(4, "Nairobi", "Riyadh")] == ("unknown", "unknown")
    assert got[(5, "Nairobi", "Busia")] == ("road", "inferred")
    assert got[(5, "Busia", "Dubai")] == ("air", "inferred")
    out = C.aggregate_crossings(legs, threshold=0, countries=C.load_countries(str(world_map)))
    land = out.crossings[out.crossings["kind"].isin(["place", "border"])]
    assert set(land["countries"]) <= {"KEN–UGA", "SSD–UGA"}     # never KEN–SAU nor KEN–ARE


def test_two_row_header_with_merged_group_cells():
    res = load_export(EXPORTS / "two_row_header.xlsx")
    balanced(res)
    assert res.raw.header_rows == [1, 2]
    assert res.raw.column_map["origin"] == "Origin City" and res.raw.column_map["destination_country"] == \
        "Destination Country"
    assert res.report["rows_mapped"] == 30


def test_uncertain_column_stops_or_maps_and_warns():
    with pytest.raises(ReadError) as err:
        read_export(EXPORTS / "uncertain_header.csv")
    msg = str(err.value)
    assert "'Cses'" in msg and "is probably 'cases'" in msg and "column D" in msg
    t = read_export(EXPORTS / "uncertain_header.csv", uncertain="map")
    assert t.column_map["cases"] == "Cses"
    assert any("uncertain match" in p.reason and p.severity == "warning" for p in t.problems)


def test_important_field_missing_but_resembled(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Origin city,Destination,Caseload\nKisumu,Juba,3\n", encoding="utf-8")
    t = read_export(path)
    assert "cases" not in t.column_map
    assert t.alerts and "'cases'" in t.alerts[0] and "Caseload" in t.alerts[0]
    assert t.problems[0].reason == t.alerts[0]          # at the top


def test_person_columns_never_mapped():
    t = read_export(EXPORTS / "person_columns.csv")
    assert set(t.column_map) == {"origin", "destination", "cases"}
    assert {"Victim name", "Age", "Gender", "Phone"} <= set(t.unmapped)


def test_title_row_in_a_semicolon_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Routes export 2020\n\nRoute ID;Origin city;Destination\n1;Kisumu;Juba\n2;Nakuru;Kampala\n"
                    "\nNotes: synthetic\n", encoding="utf-8")
    res = load_export(path)
    balanced(res)
    assert res.report["rows_in"] == 2 and res.report["rows_mapped"] == 2
    assert [p.row for p in res.raw.skipped] == [1, 7]


def test_preview_row_limit():
    res = load_export(EXPORTS / "english_title.xlsx", row_limit=20)
    balanced(res)
    assert res.report["rows_in"] == 20 and res.output is None
