"""The committed synthetic sample and the export generator (scripts/generate_export.py)."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trafficking_routes.routes_plugin.core import categories

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "routes_plugin" / "data" / "sample"
SCRIPT = REPO / "scripts" / "generate_export.py"
SAMPLE_FILES = ("kenya_routes_synthetic.csv", "kenya_routes_synthetic.xlsx", "kenya_routes_synthetic_sw.csv")

HEADERS = [
    "Route ID", "Year", "Date reported", "Origin city", "Origin country", "Transit points",
    "Intended destination city", "Intended destination country", "Place of exploitation city",
    "Place of exploitation country", "Estimated cases", "Type of exploitation", "Industry",
    "Mode of transport", "Airlines", "Recruitment method", "Reporting organisation", "Notes",
]
#: the 17 transit points named by the 2020 Kenya Victim Journey Tracker report
REPORT_TRANSIT_POINTS = {
    "Busia", "Nambale", "Rongo", "Malaba", "Garissa", "Moyale", "Mandera", "Kismayo", "Liboi",
    "Marsabit", "Mwingi", "Isiolo", "Isebania", "Namanga", "Kwale", "Taveta", "Mombasa",
}
PLACE_COLUMNS = ("Origin city", "Intended destination city", "Place of exploitation city")
COUNTRY_COLUMNS = ("Origin country", "Intended destination country", "Place of exploitation country")


def read_csv(path: Path, encoding: str = "utf-8") -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding=encoding, newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def generate(*args: str) -> None:
    subprocess.run([sys.executable, str(SCRIPT), *args], check=True, cwd=REPO,
                   capture_output=True, text=True)


@pytest.fixture(scope="module")
def sample() -> list[dict[str, str]]:
    headers, rows = read_csv(SAMPLE / "kenya_routes_synthetic.csv")
    assert headers == HEADERS
    return rows


def column(rows, name) -> list[str]:
    return [r[name] for r in rows]


def test_sample_files_exist_and_are_labelled_synthetic(sample):
    for name in SAMPLE_FILES:
        assert (SAMPLE / name).stat().st_size > 0, name
    assert "SYNTHETIC" in (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert 300 <= len(sample) <= 400
    assert all(re.fullmatch(r"Synthetic CSO \d+", o) for o in column(sample, "Reporting organisation"))
    notes = [n for n in column(sample, "Notes") if n]
    assert notes and all("synthetic note" in n for n in notes)


def test_every_reported_transit_point_appears(sample):
    seen = {categories.fold(p) for cell in column(sample, "Transit points") for p in categories.split_cell(cell)}
    assert {categories.fold(p) for p in REPORT_TRANSIT_POINTS} <= seen


def test_categories_resolve_to_known_codes(sample):
    for col, field in (("Type of exploitation", "exploitation_types"), ("Mode of transport", "transport_modes"),
                       ("Recruitment method", "recruitment_methods")):
        codes = {c for cell in column(sample, col) for c in categories.normalise_categories(field, cell)}
        assert codes and codes <= set(categories.VOCABULARIES[field]), (col, codes)


def test_domestic_servitude_goes_mostly_to_the_gulf(sample):
    gulf = {"saudi arabia", "sau", "sa", "ksa", "saudi", "united arab emirates", "are", "ae", "uae",
            "qatar", "qat", "qa", "oman", "omn", "om", "kuwait", "kwt", "kw", "lebanon", "lbn", "lb",
            "jordan", "jor", "jo"}
    domestic = [r for r in sample
                if "domestic_servitude" in categories.normalise_categories("exploitation_types", r["Type of exploitation"])]
    in_gulf = [r for r in domestic if r["Intended destination country"].strip().lower() in gulf]
    assert len(in_gulf) > 0.5 * len(domestic) > 0


def test_messy_cases_occur(sample):
    cases = set(column(sample, "Estimated cases"))
    for pattern in (r"\d+", r"\d+\+", r"about \d+", r"\d+-\d+", r"\d+\u2013\d+", r"", r"approx\. \d+",
                    r"~\d+", r"many", r"-\d+"):
        assert any(re.fullmatch(pattern, c) for c in cases), pattern

    places = [c for col in PLACE_COLUMNS for c in column(sample, col)]
    transit = column(sample, "Transit points")
    words = {w for cell in places + transit for w in categories.split_cell(cell)}
    for variant in ("Nbi", "Msa", "Dar", "Nairobii", "Mombasaa", "Busiaa", "Dubaï", "Xyzville"):
        assert variant in words, variant
    assert any(c and c == c.lower() and c.strip() for c in places)  # lowercase
    assert any(c != c.strip() or "  " in c for c in places)  # extra spaces
    assert any(r["Origin city"] == "Busia" and not r["Origin country"] for r in sample)  # ambiguous

    countries = {c for col in COUNTRY_COLUMNS for c in column(sample, col)}
    assert {"UAE", "KSA", "Saudi", "", "kenya"} <= countries
    assert any(re.fullmatch(r"[A-Z]{2}", c) for c in countries) and any(re.fullmatch(r"[A-Z]{3}", c) for c in countries)

    for sep in (";", ",", "/", "->", " and ", "\n"):
        assert any(sep in c for c in transit), repr(sep)
    assert any(not r["Route ID"] for r in sample)
    assert any(r["Origin city"] == "=1+1" for r in sample)
    assert any(r["Notes"].startswith("=") for r in sample)
    dates = set(column(sample, "Date reported"))
    assert any(re.fullmatch(r"\d{2}/\d{2}/\d{4}", d) for d in dates) and "" in dates


def test_xlsx_copy_holds_the_same_rows_and_keeps_formulas_as_text(sample):
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(SAMPLE / "kenya_routes_synthetic.xlsx").active
    rows = list(ws.iter_rows())
    assert "SYNTHETIC" in rows[0][0].value            # a title row above the header
    rows = rows[1:]
    assert [c.value for c in rows[0]] == HEADERS
    assert len(rows) - 1 == len(sample)
    text = lambda v: "" if v is None else v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)  # noqa: E731
    for cells, row in zip(rows[1:], sample):
        assert [text(c.value) for c in cells] == [row[h] for h in HEADERS]
    formulas = [c for r in rows for c in r if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas and all(c.data_type == "s" for c in formulas)


def test_swahili_header_variant():
    raw = (SAMPLE / "kenya_routes_synthetic_sw.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    headers, rows = read_csv(SAMPLE / "kenya_routes_synthetic_sw.csv", encoding="utf-8-sig")
    assert len(headers) == len(HEADERS) and headers[0] == "Kitambulisho cha njia" and headers[-1] == "Maelezo"
    sw_labels = {sw for vocab in categories.VOCABULARIES.values() for _en, sw, _a in vocab.values()}
    assert any(item in sw_labels for r in rows for item in [r["Aina ya unyonyaji"], r["Njia ya usafiri"]])


def test_regenerating_the_sample_gives_identical_bytes(tmp_path):
    generate("--sample", "--out-dir", str(tmp_path))
    for name in SAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_large_generator_rows_headers_and_points(tmp_path):
    out, points = tmp_path / "export.csv", tmp_path / "points.csv"
    generate("--rows", "1000", "--out", str(out), "--seed", "7", "--points-csv", str(points))
    headers, rows = read_csv(out)
    assert headers == HEADERS and len(rows) == 1000
    assert len({r["Route ID"] for r in rows}) == 1000
    assert all(re.fullmatch(r"\d+", r["Estimated cases"]) and 1 <= int(r["Estimated cases"]) <= 30 for r in rows)

    # the stops of every route, rebuilt from its own cells
    expected = {}
    for r in rows:
        stops = [("origin", r["Origin city"])] + [("transit", t) for t in categories.split_cell(r["Transit points"])]
        stops += [("destination", r["Intended destination city"])]
        stops += [("exploitation", r["Place of exploitation city"])] if r["Place of exploitation city"] else []
        expected[r["Route ID"]] = stops
    got: dict[str, list] = {}
    _, point_rows = read_csv(points)
    for p in point_rows:
        got.setdefault(p["route_id"], []).append((int(p["seq"]), p["role"], p["place"]))
        assert -180 <= float(p["x"]) <= 180 and -90 <= float(p["y"]) <= 90
    assert got.keys() == expected.keys()
    for rid, stops in got.items():
        assert [s for s, _r, _p in stops] == list(range(len(stops)))
        assert [(r, p) for _s, r, p in stops] == expected[rid]


def test_large_generator_messy_share_and_seed(tmp_path):
    a, b, c = (tmp_path / f"{k}.csv" for k in "abc")
    generate("--rows", "2000", "--out", str(a), "--seed", "3", "--messy-share", "0.2")
    generate("--rows", "2000", "--out", str(b), "--seed", "3", "--messy-share", "0.2")
    generate("--rows", "2000", "--out", str(c), "--seed", "4", "--messy-share", "0.2")
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    _, rows = read_csv(a)
    assert len(rows) == 2000
    assert any(not re.fullmatch(r"\d+", r["Estimated cases"]) for r in rows)


def test_sample_extras_load_whole():
    """The sample's title row, airports, compound cells and flights (issue 12)."""
    from trafficking_routes.routes_plugin.core.loader import load_export

    res = load_export(SAMPLE / "kenya_routes_synthetic.xlsx")
    assert res.raw.header_rows == [2] and [p.row for p in res.raw.skipped] == [1]
    pts = res.layers["route_points"]
    extra = pts[pts["route_id"].str.startswith("SYN-X")]
    assert extra["route_id"].nunique() == 12          # every extra row mapped
    assert {"Jomo Kenyatta International Airport", "Mombasa Moi International Airport", "Hamad International Airport",
            "Bole International Airport", "Kisumu Airport"} <= set(extra.loc[extra["precision"] == "airport", "place"])
    assert {"Mombasa", "Kilifi", "Kwale", "Somaliland"} & set(extra["place"]) == {"Mombasa", "Kilifi", "Kwale"}
    assert "Busia" in set(extra.loc[extra["country"] == "UGA", "place"])
    legs = res.layers["route_legs"]
    flights = legs[legs["route_id"].isin(["SYN-X0001", "SYN-X0003", "SYN-X0004"])]
    assert (flights["mode"] == "air").all()
