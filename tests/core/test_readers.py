"""Readers: tracker CSV/XLSX per profile, HTCDS events, CTDC case files, and bad input."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trafficking_routes.routes_plugin.core.categories import fold
from trafficking_routes.routes_plugin.core.readers.grid import _is_note
from trafficking_routes.routes_plugin.core.readers import (
    CANONICAL_FIELDS, Problem, ReadError, grid, load_profile, read_export)

HERE = Path(__file__).resolve().parents[1] / "data" / "readers"
PRIMARY = ["Route ID", "Year", "Date reported", "Origin city", "Origin country", "Transit points",
           "Intended destination city", "Intended destination country", "Place of exploitation city",
           "Place of exploitation country", "Estimated cases", "Type of exploitation", "Industry",
           "Mode of transport", "Airlines", "Recruitment method", "Reporting organisation", "Notes"]


def csv_records(path: Path, **kw) -> list[list[str]]:
    """Independent parse of a fixture with the csv module (records incl. the header)."""
    with open(path, newline="", encoding=kw.pop("encoding", "utf-8")) as fh:
        return list(csv.reader(fh, **kw))


def write_csv(path: Path, rows, encoding="utf-8", delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def mapped_and_rejected(table) -> tuple[set[int], set[int]]:
    mapped = set()
    col = "source_rows" if "source_rows" in table.frame else "source_row"
    for cell in table.frame[col]:
        mapped |= {int(r) for r in str(cell).split(";")}
    rejected = {p.row for p in table.problems if p.severity == "rejected"}
    return mapped, rejected


def assert_rows_balance(table):
    mapped, rejected = mapped_and_rejected(table)
    assert not mapped & rejected
    assert len(mapped) + len(rejected) == table.rows_read


# --------------------------------------------------------------------------- tracker CSV
def test_tracker_csv_primary_headers():
    path = HERE / "tracker_en.csv"
    t = read_export(path)
    records = csv_records(path)
    assert t.fmt == "csv" and t.unmapped == []
    assert t.column_map == dict(zip(CANONICAL_FIELDS, records[0]))
    assert list(t.frame.columns) == ["source_row", *CANONICAL_FIELDS]
    data = [(i, r) for i, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    blank = [i for i, r in enumerate(records[1:], start=2) if not any(c.strip() for c in r)]
    assert t.frame["source_row"].tolist() == [i for i, _ in data]
    for (_, rec), (_, row) in zip(data, t.frame.iterrows()):
        for field, cell in zip(CANONICAL_FIELDS, rec):
            assert (pd.isna(row[field]) and not cell.strip()) or row[field] == cell.strip()
    # text stays text: leading zeros, negative numbers, formula-like text, quoted newlines
    cells = t.frame.set_index("route_id")
    assert "0012" in cells.index
    assert cells.loc["R-5", "cases"] == "-5"
    assert cells.loc["R-4", "notes"].startswith("=HYPERLINK(")
    assert "\n" in cells.loc["0012", "notes"]
    assert all(isinstance(v, str) or v is pd.NA for v in t.frame.drop(columns="source_row").to_numpy().ravel())
    assert [p.row for p in t.problems if p.reason == "blank row"] == blank
    assert t.rows_read == len(records) - 1
    assert_rows_balance(t)


def test_tracker_csv_swahili_headers_and_semicolons():
    path = HERE / "tracker_sw.csv"
    t = read_export(path)
    header = csv_records(path, delimiter=";")[0]
    profile = load_profile()
    for field, h in t.column_map.items():
        assert fold(h) in {fold(a) for a in profile["fields"][field]}
    assert set(t.column_map.values()) == set(header)
    assert t.frame.loc[0, "origin"] == "Kitui" and t.frame.loc[0, "cases"] == "3"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252", "latin-1"])
def test_csv_encodings(tmp_path, encoding):
    rows = [["Route ID", "Origin city", "Notes"], ["1", "Murang’a" if encoding not in ("latin-1",) else "Muranga",
                                                     "São Tomé, Zürich"], ["2", "Nyeri", "naïve"]]
    path = tmp_path / "e.csv"
    if encoding == "utf-16-be-bom":
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        path.write_bytes(codecs.BOM_UTF16_BE + buf.getvalue().encode("utf-16-be"))
    else:
        write_csv(path, rows, encoding)
    t = read_export(path)
    assert t.frame["origin"].tolist() == [rows[1][1], rows[2][1]]
    assert t.frame["notes"].tolist() == [rows[1][2], rows[2][2]]
    not_utf = [p for p in t.problems if "not UTF-8" in p.reason]
    assert bool(not_utf) == (encoding in ("cp1252", "latin-1"))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(tmp_path, delimiter):
    rows = [["Route ID", "Origin city", "Transit points"], ["1", "A, B; C", "x\ty"], ["2", "Nairobi", "Voi; Mombasa"]]
    t = read_export(write_csv(tmp_path / "d.csv", rows, delimiter=delimiter))
    assert t.frame["origin"].tolist() == ["A, B; C", "Nairobi"]
    assert t.frame["transit"].tolist() == ["x\ty", "Voi; Mombasa"]


def test_wrong_encoding_warns_with_rows(tmp_path):
    rows = [["Route ID", "Origin city"], ["1", "Nairobi"], ["2", "Thika"], ["3", "Zürich"]]
    path = write_csv(tmp_path / "w.csv", rows, "cp1252")
    t = read_export(path, encoding="utf-8")
    assert t.frame["origin"].tolist()[2] == "Z\ufffdrich"
    warn = [p for p in t.problems if "could not be decoded" in p.reason]
    assert len(warn) == 1 and warn[0].row == 4 and "w.csv" in str(warn[0]) and "rows 4" in warn[0].reason


def test_empty_and_blank_files(tmp_path):
    for content in (b"", b"\xef\xbb\xbf", b"\n\n  \n", b",,,\n,,\n"):
        path = tmp_path / "empty.csv"
        path.write_bytes(content)
        with pytest.raises(ReadError, match="empty") as err:
            read_export(path)
        assert "empty.csv" in str(err.value) and err.value.problem.severity == "error"


def test_header_only(tmp_path):
    t = read_export(write_csv(tmp_path / "h.csv", [PRIMARY]))
    assert len(t.frame) == 0 and t.rows_read == 0
    assert list(t.frame.columns) == ["source_row", *CANONICAL_FIELDS]
    assert any(p.severity == "warning" and "no data rows" in p.reason for p in t.problems)


def test_unknown_columns_are_unmapped(tmp_path):
    rows = [["Route ID", "Origin city", "Victim name", "Phone"], ["1", "Nairobi", "X", "07"]]
    t = read_export(write_csv(tmp_path / "u.csv", rows))
    assert t.unmapped == ["Victim name", "Phone"]
    assert t.frame.loc[0, "Victim name"] == "X"
    warn = [p for p in t.problems if "not in the profile" in p.reason]
    assert len(warn) == 1 and "'Victim name'" in warn[0].reason and "'Phone'" in warn[0].reason
    assert str(warn[0]).startswith("u.csv, row 1")


def test_duplicate_headers(tmp_path):
    rows = [["Route ID", "Year", "Origin city", "Notes", "Year", "Mwaka"], ["1", "2020", "Nairobi", "", "2021", "2022"]]
    t = read_export(write_csv(tmp_path / "dup.csv", rows))
    assert t.frame.loc[0, "year"] == "2020"
    assert t.unmapped == ["Year (2)", "Mwaka"]
    assert t.frame.loc[0, "Year (2)"] == "2021"
    dup = [p for p in t.problems if "appears twice" in p.reason]
    assert len(dup) == 1 and "columns B and E" in dup[0].reason and "'Year (2)'" in dup[0].reason
    assert dup[0].column == "Year" and "dup.csv" in str(dup[0])
    both = [p for p in t.problems if "both mean 'year'" in p.reason]
    assert len(both) == 1 and "(F)" in both[0].reason


def test_no_mappable_columns(tmp_path):
    path = write_csv(tmp_path / "none.csv", [["Name", "Phone"], ["a", "1"]])
    with pytest.raises(ReadError) as err:
        read_export(path)
    msg = str(err.value)
    assert msg.startswith("none.csv, row 1") and "'Name'" in msg and "'Phone'" in msg and "Origin city" in msg


def test_html_instead_of_csv(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\n  <!DOCTYPE html><html><body>Login</body></html>")
    with pytest.raises(ReadError, match="HTML") as err:
        read_export(path)
    assert "export.csv" in str(err.value)


def test_extra_cells_without_header(tmp_path):
    rows = [["Route ID", "Origin city"], ["1", "Nairobi", "stray"], ["2", "Thika"]]
    t = read_export(write_csv(tmp_path / "x.csv", rows))
    assert t.unmapped == ["(column C)"]
    assert t.frame["(column C)"].tolist()[0] == "stray"
    assert any(p.column == "(column C)" and p.severity == "warning" for p in t.problems)
    assert len(t.frame) == 2


def test_ten_megabyte_cell(tmp_path):
    big = "x" * 10_000_000
    t = read_export(write_csv(tmp_path / "big.csv", [["Route ID", "Origin city", "Notes"], ["1", "Nairobi", big]]))
    assert len(t.frame.loc[0, "notes"]) == len(big)


def test_problem_and_error_text():
    p = Problem("file.csv", 7, "Estimated cases", "-5", "negative count")
    assert str(p) == "file.csv, row 7, column 'Estimated cases': negative count"
    assert str(Problem("f.csv", None, None, None, "bad")) == "f.csv: bad"
    err = ReadError(Problem("f.xlsx", None, None, None, "broken", "rejected"))
    assert err.problem.severity == "error" and str(err) == "f.xlsx: broken"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
                               min_size=3, max_size=3), min_size=0, max_size=12),
       delimiter=st.sampled_from([",", ";", "\t"]))
@example(cells=[["", "", "0"], ["", "", "NB"]], delimiter=",")
@example(cells=[["", "", "Total"], ["", "", "NB"]], delimiter=";")  # notes only: all read as data  # a note ("NB ...") below the data (CI, 2026-12-04)
def test_random_cells_keep_row_count(tmp_path, cells, delimiter):
    path = write_csv(tmp_path / "r.csv", [["Route ID", "Origin city", "Notes"], *cells], delimiter=delimiter)
    t = read_export(path)
    nonblank = [i for i, r in enumerate(cells) if any(c.strip() for c in r)]
    # the last rows that read as notes, sources or totals ("NB", "Source: ...", "Total") are skipped, not data,
    # unless every row would be: they are listed as skipped rows, not counted as read
    notes = []
    while len(notes) < len(nonblank) and _is_note([c.strip() or None for c in cells[nonblank[-1 - len(notes)]]]):
        notes.append(nonblank[-1 - len(notes)])
    if notes and len(notes) == len(nonblank):
        notes = []
    nonblank = nonblank[:len(nonblank) - len(notes)]
    expected_rows = nonblank[-1] + 1 if nonblank else 0
    assert t.rows_read == expected_rows
    assert len(t.frame) == len(nonblank)
    assert sorted(p.row for p in t.problems if "below the data" in p.reason) == sorted(i + 2 for i in notes)
    assert_rows_balance(t)
    for i, (_, row) in zip(nonblank, t.frame.iterrows()):
        got = [row[f] for f in ("route_id", "origin", "notes")]
        assert [None if pd.isna(g) else g for g in got] == [c.strip() or None for c in cells[i]]


# ------------------------------------------------------------- Arrow's CSV reader
def _grid_or_error(path: Path, arrow: bool, monkeypatch):
    """What read_csv_grid makes of ``path`` with Arrow's reader on or off: the grid's
    parts, or the ReadError's text."""
    from trafficking_routes.routes_plugin.core.readers import ctdc, htcds
    from trafficking_routes.routes_plugin.core.readers.headers import HeaderPicker

    monkeypatch.setattr(grid, "ARROW_CSV", arrow)
    try:
        g = grid.read_csv_grid(path, pick_header=HeaderPicker(load_profile(None),
                                                              extra_keys=htcds.HEADER_KEYS | ctdc.HEADER_KEYS))
    except ReadError as exc:
        return str(exc)
    return (g.headers, g.header_rows, g.rows_read, [(p.row, p.column, p.value, p.reason, p.severity) for p in g.problems],
            g.data)


def _same_read(path: Path, monkeypatch) -> None:
    fast, slow = _grid_or_error(path, True, monkeypatch), _grid_or_error(path, False, monkeypatch)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow, path.name
        return
    assert fast[:4] == slow[:4], path.name
    pd.testing.assert_frame_equal(fast[4], slow[4], obj=path.name)


CSV_FILES = sorted(p for p in (Path(__file__).resolve().parents[1] / "data").rglob("*") if p.suffix.lower() in
                   (".csv", ".txt", ".tsv")) + sorted((Path(__file__).resolve().parents[2] / "routes_plugin" / "data"
                                                       ).rglob("*.csv"))


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_arrow_reads_every_csv_as_the_csv_module_does(path, monkeypatch):
    """Issue 17: UTF-8 CSVs are read by Arrow's C++ reader (several times faster); every
    CSV the project has (the hostile corpus, the fixtures, the samples, the data) gives
    the same grid (headers, row numbers, problems, cells) as the record-by-record path."""
    _same_read(path, monkeypatch)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(st.sampled_from(list('ab ,;\t"\n\r\u00a0\u200bü-')), max_size=6),
                              min_size=3, max_size=3), min_size=0, max_size=10),
       title=st.booleans(), delimiter=st.sampled_from([",", ";", "\t"]), terminator=st.sampled_from(["\r\n", "\n"]))
@example(rows=[["", "", ""], ["x", "", ""]], title=False, delimiter=",", terminator="\n")
def test_arrow_and_csv_module_agree_on_any_cells(tmp_path, monkeypatch, rows, title, delimiter, terminator):
    """Quotes, delimiters, line breaks and spaces inside cells, blank rows, a title row."""
    buf = io.StringIO()
    records = ([["Routes export", "", ""]] if title else []) + [["Route ID", "Origin city", "Notes"], *rows]
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerows(records)
    path = tmp_path / "a.csv"
    path.write_bytes(buf.getvalue().encode("utf-8"))
    _same_read(path, monkeypatch)


# --------------------------------------------------------------------------- XLSX
def make_xlsx(path: Path, rows, sheet="Routes", extra_sheet=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    if extra_sheet:
        wb.create_sheet(extra_sheet)
    wb.save(path)
    return path


def test_xlsx_values_and_rows(tmp_path):
    rows = [PRIMARY[:12],
            ["0012", 2021, dt.datetime(2021, 3, 4), "Kakamega", "Kenya", "Nairobi", "Dubai", "UAE", "Dubai", "UAE",
             12.0, "Domestic"],
            [None] * 12,
            ["R-2", 2022.0, dt.date(2022, 1, 2), "Garissa", "Kenya", None, None, None, None, None, 2.5, "=1+1"],
            [None] * 12, [None] * 12]
    path = make_xlsx(tmp_path / "t.xlsx", rows)
    t = read_export(path)
    assert t.fmt == "xlsx"
    assert t.frame["source_row"].tolist() == [2, 4]
    assert t.frame["route_id"].tolist() == ["0012", "R-2"]
    assert t.frame["year"].tolist() == ["2021", "2022"]
    assert t.frame["date_reported"].tolist() == ["2021-03-04", "2022-01-02"]
    assert t.frame["cases"].tolist() == ["12", "2.5"]
    assert pd.isna(t.frame.loc[1, "exploitation_types"])   # a formula without a cached value is never computed
    assert [p.row for p in t.problems if p.reason == "blank row"] == [3]
    assert t.rows_read == 3
    assert_rows_balance(t)


def test_xlsx_sheets(tmp_path):
    rows = [["Route ID", "Origin city"], ["1", "Nairobi"]]
    path = make_xlsx(tmp_path / "s.xlsx", rows, sheet="Data", extra_sheet="Other")
    assert read_export(path, sheet="Data").frame.loc[0, "origin"] == "Nairobi"
    with pytest.raises(ReadError) as err:
        read_export(path, sheet="Routes 2023")
    assert "s.xlsx" in str(err.value) and "'Data'" in str(err.value) and "'Other'" in str(err.value)


def test_xlsx_not_a_zip_or_truncated(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Route ID,Origin city\n1,Nairobi\n")
    with pytest.raises(ReadError, match="not a valid XLSX") as err:
        read_export(fake)
    assert "fake.xlsx" in str(err.value)
    good = make_xlsx(tmp_path / "good.xlsx", [["Route ID", "Origin city"], ["1", "Nairobi"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ReadError, match="not a valid XLSX") as err:
        read_export(cut)
    assert "cut.xlsx" in str(err.value)


def test_xlsx_password_protected_or_xls(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(grid.OLE2_MAGIC + b"\x00" * 504)
    with pytest.raises(ReadError, match="password-protected or a legacy .xls") as err:
        read_export(path)
    assert "locked.xlsx" in str(err.value)


def test_xlsx_zip_bomb_ratio(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (grid.MIN_RATIO_CHECK_BYTES + 1024))
    with pytest.raises(ReadError, match="zip bomb") as err:
        read_export(path)
    assert "bomb.xlsx" in str(err.value)


def test_xlsx_unzipped_size_limit(tmp_path, monkeypatch):
    path = make_xlsx(tmp_path / "large.xlsx", [["Route ID", "Origin city"], ["1", "Nairobi"]])
    unzipped = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    monkeypatch.setattr(grid, "MAX_UNZIPPED_BYTES", unzipped - 1)
    with pytest.raises(ReadError, match="refused: the XLSX unpacks") as err:
        read_export(path)
    assert "large.xlsx" in str(err.value)
    monkeypatch.setattr(grid, "MAX_UNZIPPED_BYTES", unzipped)
    assert len(read_export(path).frame) == 1


# --------------------------------------------------------------------------- profiles
def test_default_profile():
    p = load_profile()
    assert p["identifying"] == ["reporting_org", "notes"]
    assert set(p["fields"]) == set(CANONICAL_FIELDS)
    index = {fold(a): f for f, aliases in p["fields"].items() for a in aliases}
    assert [index[fold(h)] for h in PRIMARY] == list(CANONICAL_FIELDS)
    for alias, field in [("Mwaka", "year"), ("Chanzo", "origin"), ("Mahali pa kuanzia", "origin"),
                         ("Nchi ya chanzo", "origin_country"), ("Kupitia", "transit"),
                         ("Maeneo ya kupitia", "transit"), ("Idadi ya waathiriwa", "cases"),
                         ("Idadi ya kesi", "cases"), ("Aina ya unyonyaji", "exploitation_types"),
                         ("Njia ya usafiri", "transport_modes"), ("Mashirika ya ndege", "airlines"),
                         ("Njia ya kuajiri", "recruitment_methods"), ("Shirika linaloripoti", "reporting_org"),
                         ("Maelezo", "notes")]:
        assert index[fold(alias)] == field


def test_header_matching_is_fold_insensitive(tmp_path):
    rows = [["  ROUTE_ID ", "origin   CITY", "Idadi_ya_Waathiriwa", "NCHI YA CHANZO:"], ["1", "Nairobi", "3", "Kenya"]]
    t = read_export(write_csv(tmp_path / "f.csv", rows))
    assert set(t.column_map) == {"route_id", "origin", "cases", "origin_country"}


def test_user_profile(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "extends": "default", "fields": {"origin": ["Kaunti ya chanzo"]}}))
    prof = load_profile(path)
    assert "Kaunti ya chanzo" in prof["fields"]["origin"] and "Origin city" in prof["fields"]["origin"]
    t = read_export(write_csv(tmp_path / "k.csv", [["Kaunti ya chanzo", "Year"], ["Kisii", "2020"]]), profile=path)
    assert t.column_map == {"year": "Year", "origin": "Kaunti ya chanzo"}


def test_user_profile_in_yaml(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: default\nfields:\n  origin: [Kaunti ya chanzo]\n", encoding="utf-8")
    t = read_export(write_csv(tmp_path / "k.csv", [["Kaunti ya chanzo", "Mwaka"], ["Kisii", "2020"]]), profile=path)
    assert t.column_map == {"year": "Mwaka", "origin": "Kaunti ya chanzo"}
    bad = tmp_path / "bad.yml"
    bad.write_text("fields: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReadError, match="bad.yml.*not valid YAML"):
        load_profile(bad)


@pytest.mark.parametrize("content,match", [
    ("{not json", "not valid JSON"),
    (json.dumps({"fields": {"origin_town": ["x"]}}), "unknown fields origin_town"),
    (json.dumps({"fields": {"origin": ["Place"], "destination": ["place"]}}), "both 'origin' and 'destination'"),
    (json.dumps({"fields": {"origin": "Place"}}), "list of header texts"),
])
def test_bad_profiles(tmp_path, content, match):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReadError, match=match) as err:
        load_profile(path)
    assert str(err.value).startswith("bad.json")


# --------------------------------------------------------------------------- HTCDS
def test_htcds_events_grouped_by_case():
    path = HERE / "htcds_events.csv"
    t = read_export(path)
    assert t.fmt == "htcds"
    recs = csv_records(path)
    head, body = recs[0], recs[1:]
    ev = pd.DataFrame(body, columns=head)
    ev["row"] = range(2, len(body) + 2)
    routes = t.frame.set_index("source_row")
    # case C-001: origin = recruitment, transit by date (not row order), exploitation last
    c1 = ev[ev.cas_CaseNumber == "C-001"]
    tr = c1[c1.hte_Type == "Transit"].sort_values("hte_Date")
    first = int(c1.row.min())
    assert routes.loc[first, "origin"] == c1[c1.hte_Type == "Recruitment"].hte_City.iloc[0]
    assert routes.loc[first, "transit"] == "; ".join(tr.hte_City)
    assert routes.loc[first, "exploitation_place"] == c1[c1.hte_Type == "Exploitation"].hte_City.iloc[0]
    assert routes.loc[first, "source_rows"] == "; ".join(map(str, c1.row))
    assert routes.loc[first, "year"] == "2021" and routes.loc[first, "cases"] == "1"
    # case C-002: coordinates are the origin's place text; an undated event keeps row order
    c2 = ev[ev.cas_CaseNumber == "C-002"]
    rec = c2[c2.hte_Type == "Recruitment"].iloc[0]
    assert routes.loc[int(c2.row.min()), "origin"] == f"{rec.hte_Latitude}, {rec.hte_Longitude}"
    assert routes.loc[int(c2.row.min()), "origin_country"] == rec.hte_Country
    # unknown event type: rejected, naming file, row and column
    bad = [p for p in t.problems if p.severity == "rejected"]
    assert [p.row for p in bad] == ev[~ev.hte_Type.isin(["Recruitment", "Transit", "Exploitation"])].row.tolist()
    assert str(bad[0]).startswith("htcds_events.csv, row 9, column 'hte_Type'")
    assert t.rows_read == len(body)
    assert_rows_balance(t)
    assert t.unmapped == ["hte_Street"]


def test_htcds_without_link_column():
    t = read_export(HERE / "htcds_events_nolink.csv")
    assert t.frame["source_rows"].tolist() == ["2; 3; 4", "5; 6", "7; 8"]
    assert t.frame["origin"].tolist()[:2] == ["Garissa", "Malindi"]
    assert any("no case link column" in p.reason for p in t.problems)
    assert_rows_balance(t)


def test_htcds_forced_format_on_other_file():
    with pytest.raises(ReadError, match="hte_Type"):
        read_export(HERE / "tracker_en.csv", fmt="htcds")


def test_htcds_case_template_is_explained(shared_data):
    path = shared_data / "htcds" / "HTCDS Excel Spreadsheet v2.0.xlsx"
    if not path.exists():
        pytest.skip("HTCDS template absent")
    with pytest.raises(ReadError, match="HTCDS case file") as err:
        read_export(path)
    assert "prs_FirstName" in str(err.value)


# --------------------------------------------------------------------------- CTDC
FLAG_CODES = {"isForcedLabour": "forced_labour", "isSexualExploit": "sexual", "isOtherExploit": "other"}


def check_ctdc_flags(t, raw: pd.DataFrame, true_values):
    for column, code in FLAG_CODES.items():
        if column not in raw:
            continue
        expected = raw[column].isin(true_values).tolist()
        got = t.frame["exploitation_types"].fillna("").map(lambda v: code in v.split("; ")).tolist()
        assert got == expected, column


@pytest.mark.parametrize("name", ["ctdc_synthetic_2024.csv", "ctdc_global_v6.csv"])
def test_ctdc_case_files(name):
    path = HERE / name
    t = read_export(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = raw[(raw != "").any(axis=1)]
    assert t.fmt == "ctdc" and len(t.frame) == len(raw) == t.rows_read
    missing = {"", "-99", "ZZ", "00"}
    assert [None if pd.isna(v) else v for v in t.frame["origin_country"]] == \
        [None if v in missing else v for v in raw["citizenship"]]
    assert [None if pd.isna(v) else v for v in t.frame["exploitation_country"]] == \
        [None if v in missing else v for v in raw["CountryOfExploitation"]]
    assert (t.frame["cases"] == "1").all()
    assert t.frame["route_id"].is_unique
    check_ctdc_flags(t, raw, {"1"})
    assert "origin" not in t.frame and "gender" in t.unmapped


def test_ctdc_vp_fixture():
    t = read_export(HERE / "ctdc_vp.csv")
    assert t.fmt == "ctdc_vp" and "origin_country" not in t.frame
    assert t.frame["origin"].tolist() == ["Africa", "Americas/Oceania"]
    assert t.frame["exploitation_place"].tolist() == ["Asia", "Europe"]
    assert t.frame["recruitment_methods"].tolist() == ["agent_broker; friend", "family; other"]
    assert t.frame["year"].tolist() == ["2019", "2014-2018"]


def test_ctdc_vp_real_file(shared_data):
    path = shared_data / "ctdc" / "CTDC_VPsynthetic_condensed.csv"
    if not path.exists():
        pytest.skip("CTDC VP file absent")
    t = read_export(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert t.fmt == "ctdc_vp" and t.rows_read == len(raw) == len(t.frame)
    assert t.frame["source_row"].tolist() == list(range(2, len(raw) + 2))
    assert set(t.frame["origin"].dropna()) == set(raw["UN_COO_Region"]) - {""}
    assert set(t.frame["exploitation_place"].dropna()) == set(raw["UN_COE_Region"]) - {""}
    check_ctdc_flags(t, raw, {"1"})
    assert (t.frame["recruitment_methods"].fillna("").str.contains("agent_broker")
            == (raw["IP_RecruiterBroker"] == "1")).all()


def test_excel_sep_line_and_line_endings(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_bytes(b"sep=;\r\nRoute ID;Origin city\r\n1;Nairobi, Kenya\r\n\r\n2;Thika\r\n")
    t = read_export(path)
    assert t.frame["origin"].tolist() == ["Nairobi, Kenya", "Thika"]
    assert t.frame["source_row"].tolist() == [2, 4]
    assert [p.row for p in t.problems if p.reason == "blank row"] == [3]
    cr = tmp_path / "cr.csv"
    cr.write_bytes(b"Route ID,Origin city\r1,Nairobi\r2,Thika\r")
    assert read_export(cr).frame["origin"].tolist() == ["Nairobi", "Thika"]
