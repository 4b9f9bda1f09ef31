"""From export file to GeoPackage layers, without QGIS: counts conserved,
reasons given, identifying columns kept out."""
import csv

import pandas as pd
import pyogrio
import pytest

from trafficking_routes.routes_plugin.core.gazetteer import Gazetteer
from trafficking_routes.routes_plugin.core.loader import load_export

HEADERS = ["Route ID", "Year", "Origin city", "Origin country", "Transit points", "Intended destination city",
           "Intended destination country", "Place of exploitation city", "Place of exploitation country",
           "Estimated cases", "Type of exploitation", "Mode of transport", "Reporting organisation", "Notes"]
ROWS = [
    # row 2: clean, four stops, crosses KEN->UGA and UGA->ARE
    ["R1", "2019", "Kisumu", "Kenya", "Busia; Kampala", "Dubai", "UAE", "", "", "12", "Domestic servitude", "Road; air",
     "Synthetic CSO 1", "synthetic note"],
    # row 3: misspelt origin -> rejected with a suggestion
    ["R2", "2020", "Nairobii", "Kenya", "Namanga", "Dar es Salaam", "Tanzania", "", "", "5-10", "Forced labour", "Bus",
     "Synthetic CSO 2", ""],
    # row 4: no route id, "10+" cases, exploitation differs from destination
    ["", "2018", "Mombasa", "KE", "", "Riyadh", "Saudi Arabia", "Jeddah", "Saudi Arabia", "10+", "Sexual", "Plane",
     "Synthetic CSO 1", ""],
    # row 5: unknown place
    ["R4", "2017", "Xyzville", "Kenya", "Moyale", "Addis Ababa", "Ethiopia", "", "", "about 20", "", "", "", ""],
    # row 6: non-numeric cases (warning, row kept), country-only destination
    ["R5", "2016", "Garissa", "Kenya", "Dadaab", "", "Somalia", "", "", "many", "", "Road", "", ""],
    # row 7: duplicate route id of row 2
    ["R1", "2019", "Kisumu", "Kenya", "Busia", "Kampala", "Uganda", "", "", "3", "", "", "", ""],
    # row 8: no place at all
    ["R7", "2019", "", "", "", "", "", "", "", "4", "", "", "", ""],
]


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load()


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "tracker.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(ROWS)
    return path


def test_rows_in_equal_mapped_plus_rejected(export, gazetteer, tmp_path):
    result = load_export(export, output=tmp_path / "out.gpkg", gazetteer=gazetteer)
    r = result.report
    assert r["rows_in"] == len(ROWS) == r["rows_mapped"] + r["rows_rejected"]
    rej = result.layers["rejected_rows"]
    rejected = rej[rej["severity"] == "rejected"]
    assert set(rejected["source_row"]) == {3, 5, 7, 8}
    mapped = set(pyogrio.read_dataframe(tmp_path / "out.gpkg", layer="route_lines")["source_row"])
    assert mapped == {2, 4, 6}
    # the misspelling names the file, row, column and a suggestion
    miss = rejected[rejected["source_row"] == 3].iloc[0]
    assert miss["column"] == "Origin city" and miss["value"] == "Nairobii"
    assert "Nairobi" in miss["suggestions"]
    assert "row 2" in rejected[rejected["source_row"] == 7].iloc[0]["reason"]
    warn = rej[(rej["severity"] == "warning") & (rej["source_row"] == 6)].iloc[0]
    assert warn["column"] == "Estimated cases" and warn["value"] == "many"


def test_points_legs_lines(export, gazetteer):
    layers = load_export(export, gazetteer=gazetteer).layers
    pts = layers["route_points"]
    r1 = pts[pts["route_id"] == "R1"].sort_values("seq")
    assert r1["role"].tolist() == ["origin", "transit", "transit", "destination"]
    assert r1["country"].tolist() == ["KEN", "KEN", "UGA", "ARE"]
    assert r1["seq"].tolist() == [0, 1, 2, 3]
    assert set(r1["cases_low"]) == {12} and r1["transport_modes"].iloc[0] == "road; air"
    legs = layers["route_legs"]
    l1 = legs[legs["route_id"] == "R1"].sort_values("leg_seq")
    assert l1["crosses_border"].tolist() == [False, True, True]
    assert (l1["length_km"] > 0).all()
    # row 4: derived id, 10+ -> low 10, high unknown; exploitation is the final place
    lines = layers["route_lines"].set_index("source_row")
    assert lines.loc[4, "route_id"].startswith("r-")
    assert lines.loc[4, "cases_low"] == 10 and pd.isna(lines.loc[4, "cases_high"])
    assert lines.loc[4, "final_place"] == "Jeddah" and lines.loc[4, "final_country"] == "SAU"
    assert lines.loc[6, "final_country"] == "SOM"
    assert lines.loc[2, "n_borders"] == 2 and bool(lines.loc[2, "crosses_border"])
    # every line has as many vertices as its route has stops
    for _, line in layers["route_lines"].iterrows():
        assert len(line.geometry.coords) == line["n_stops"]
    places = layers["places"].set_index("place")
    assert places.loc["Busia", "n_transit"] == 1


def test_identifying_columns_only_on_request(export, gazetteer):
    default = load_export(export, gazetteer=gazetteer).layers
    for name, df in default.items():
        assert not {"reporting_org", "notes", "Reporting organisation", "Notes"} & set(df.columns), name
    opted = load_export(export, gazetteer=gazetteer, include_identifying=True).layers
    assert "reporting_org" in opted["route_points"].columns


def test_unresolved_kept_at_country_level(export, gazetteer):
    result = load_export(export, gazetteer=gazetteer, unresolved="country")
    pts = result.layers["route_points"]
    kept = pts[pts["source_row"] == 3]
    assert "country" in set(kept["precision"]) and kept.iloc[0]["country"] == "KEN"
    rej = result.layers["rejected_rows"]
    assert "kept at country level" in rej[rej["source_row"] == 3].iloc[0]["reason"]


def test_geopackage_layers(export, gazetteer, tmp_path):
    out = tmp_path / "out.gpkg"
    result = load_export(export, output=out, gazetteer=gazetteer)
    names = {n for n, _ in pyogrio.list_layers(out)}
    assert names == {"route_points", "route_legs", "route_lines", "places", "rejected_rows"}
    for name in names:
        assert pyogrio.read_info(out, layer=name)["features"] == result.report[name]
    assert set(result.layers) == {"places", "rejected_rows"}  # the row layers went to disk, chunk by chunk
    back = pyogrio.read_dataframe(out, layer="route_points")
    assert back.crs.to_epsg() == 4326 and set(back["source_row"]) == {2, 4, 6}


def test_overrides_win(export, gazetteer, tmp_path):
    """Liboi is in none of the packaged sources but in the supplement table: it resolves
    without overrides (a town in Garissa County), and an overrides file still wins."""
    rows = [r[:] for r in ROWS]
    rows[4][4] = "Liboi"
    path = tmp_path / "liboi.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADERS, *rows])
    plain = load_export(path, gazetteer=gazetteer)
    assert 6 not in set(plain.layers["rejected_rows"].query("severity == 'rejected'")["source_row"])
    pts = plain.layers["route_points"]
    liboi = pts[(pts["source_row"] == 6) & (pts["role"] == "transit")].iloc[0]
    assert liboi["place"] == "Liboi" and liboi["county"] == "Garissa" and liboi["precision"] == "place"
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("name,country,lat,lon,target\nLiboi,,,,Garissa County\n")
    fixed = load_export(path, overrides=overrides)
    pts = fixed.layers["route_points"]
    liboi = pts[(pts["source_row"] == 6) & (pts["role"] == "transit")].iloc[0]
    assert liboi["input_name"] == "Liboi" and liboi["county"] == "Garissa" and liboi["precision"] == "region"


def test_chunks_give_the_same_layers(export, gazetteer):
    """Processing two rows at a time finds the same duplicates and the same totals."""
    whole = load_export(export, gazetteer=gazetteer)
    chunked = load_export(export, gazetteer=gazetteer, chunk_rows=2)
    for k in ("rows_in", "rows_mapped", "rows_rejected", "route_points", "route_legs", "route_lines", "places"):
        assert whole.report[k] == chunked.report[k], k
    for name in ("route_points", "route_legs", "places", "rejected_rows"):
        a = whole.layers[name].drop(columns="geometry", errors="ignore").sort_values(list(whole.layers[name].columns[:3]))
        b = chunked.layers[name].drop(columns="geometry", errors="ignore").sort_values(list(whole.layers[name].columns[:3]))
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_missing_tokens_and_invisible_characters(gazetteer, tmp_path):
    """'N/A' or 'haijulikani' in a place cell is no place, not Namibia; a zero-width space
    inside a name does not hide it."""
    rows = [HEADERS, ["M1", "2019", "Mom\u200bbasa", "Kenya", "N/A", "Dubai", "UAE", "NA", "haijulikani", "3", "", "",
                      "", ""]]
    path = tmp_path / "missing.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    result = load_export(path, gazetteer=gazetteer)
    pts = result.layers["route_points"]
    assert pts.sort_values("seq")["place"].tolist() == ["Mombasa", "Dubai"]
    assert "NAM" not in set(pts["country"])
    assert result.report["rows_mapped"] == 1
