#!/usr/bin/env python3
"""Write the corpus of hostile and broken route exports (``tests/data/bad/``).

    .venv/bin/python scripts/make_bad_corpus.py            # the small committed cases
    .venv/bin/python scripts/make_bad_corpus.py --big DIR  # also the big ones, into DIR

Every case is built here from code, deterministically (fixed XLSX timestamps),
so the committed files can be regenerated and checked. The big cases (10 MB
cells, zip bombs, a million rows) are never committed: the tests build them
into a temporary folder with :func:`write_big`. The expected outcome of each
case is in ``tests/data/bad/cases.json``.
"""
from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BAD_DIR = REPO / "tests" / "data" / "bad"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)

HEADER = ["Route ID", "Origin city", "Origin country", "Transit points", "Intended destination country",
          "Estimated cases", "Notes"]
GOOD = [["R1", "Kisumu", "Kenya", "Busia", "Uganda", "12", "first"],
        ["R2", "Nakuru", "Kenya", "Malaba; Kampala", "Uganda", "5-10", "second"],
        ["R3", "Mombasa", "Kenya", "", "Tanzania", "10+", "third"]]


# --------------------------------------------------------------------------- helpers
def csv_text(rows, delimiter=",", lineterminator="\r\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator).writerows(rows)
    return buf.getvalue()


def good(notes: str | None = None) -> list[list[str]]:
    """HEADER + the three good rows (optionally with other notes)."""
    return [HEADER] + [r[:-1] + [notes or r[-1]] for r in GOOD]


def xlsx_bytes(sheets: dict[str, list[list]], merge: str | None = None) -> bytes:
    """An XLSX of the given sheets (first one active), deterministic bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    if merge:
        wb.worksheets[0].merge_cells(merge)
    wb.properties.created = wb.properties.modified = dt.datetime(*FIXED_TIME)
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip(buf.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The zip ``data`` rewritten with fixed times (reproducible files)."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":   # openpyxl stamps the save time
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def utf8(rows, **kw) -> bytes:
    return csv_text(rows, **kw).encode("utf-8")


# --------------------------------------------------------------------------- the cases
TEXT = csv_text(good("Café Müller, Nairobi"))
SEPARATORS = [";", ",", "/", "\\", "|", "+", "&", "\n", "->", "=>", ">", "→", " and ", " na ", ";;", " ; ; ",
              "、", " • "]
SWAHILI = ["Namba ya njia", "Chanzo", "Nchi ya chanzo", "Kupitia", "Nchi iliyokusudiwa", "Idadi ya waathiriwa",
           "Maelezo"]


def _cases() -> dict[str, bytes | str]:
    """file name -> content (bytes, or text written as UTF-8)."""
    c: dict[str, bytes | str] = {}
    # ---- encodings and byte order marks
    c["utf8_bom.csv"] = codecs.BOM_UTF8 + TEXT.encode()
    c["utf16le_bom.csv"] = TEXT.encode("utf-16")          # Python writes a little-endian BOM
    c["utf16be_bom.csv"] = codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")
    c["utf16le_nobom.csv"] = TEXT.encode("utf-16-le")
    c["utf32_bom.csv"] = TEXT.encode("utf-32")
    c["latin1.csv"] = TEXT.encode("cp1252")
    c["mixed_encoding.csv"] = (csv_text(good()[:3]).encode() + csv_text([GOOD[2][:-1] + ["Müller"]]).encode("latin-1"))
    c["undecodable_bytes.csv"] = csv_text(good()).encode().replace(b"first", b"fi\x81\x8d\x9drst")
    c["binary_png_renamed.csv"] = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 4
    # ---- structure
    c["empty.csv"] = b""
    c["whitespace_only.csv"] = " \r\n\t\r\n   \n"
    c["header_only.csv"] = csv_text([HEADER])
    c["html_login_page.csv"] = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Login</body></html>\n"
    c["no_place_columns.csv"] = csv_text([["Route ID", "Estimated cases", "Notes"], ["R1", "3", "x"]])
    c["title_row.csv"] = csv_text([["Victim Journey Tracker export, March 2021", "", "", "", "", "", ""]] + good())
    c["merged_title.xlsx"] = xlsx_bytes({"Routes": [["Victim Journey Tracker export"]] + good()}, merge="A1:G1")
    c["two_row_header.csv"] = csv_text([["Origin", "", "Destination", ""], ["city", "country", "city", "country"],
                                        ["Kisumu", "Kenya", "Juba", "South Sudan"],
                                        ["Nakuru", "Kenya", "Kampala", "Uganda"]])
    c["duplicate_headers.csv"] = csv_text([HEADER + ["Origin city"]] + [r + ["Eldoret"] for r in GOOD])
    c["synonym_headers.csv"] = csv_text([HEADER + ["Year", "Mwaka"]] + [r + ["2019", "2020"] for r in GOOD])
    c["swahili_headers.csv"] = csv_text([SWAHILI] + GOOD)
    c["mixed_language_headers.csv"] = csv_text(
        [["ROUTE ID:", "Chanzo *", "\u200bNchi ya chanzo", "Kupitia\u00a0", "Intended  destination_country",
          "Estimated\u00a0cases", "MAELEZO"]] + GOOD)
    c["unknown_columns.csv"] = csv_text([HEADER + ["Victim name", "Phone"]]
                                        + [r + ["Jane Doe", "+254700000000"] for r in GOOD])
    c["data_without_header.csv"] = csv_text([HEADER + [""]] + [r + ["stray"] for r in GOOD])
    c["ragged_rows.csv"] = csv_text([HEADER, GOOD[0][:4], GOOD[1] + ["extra", "cells"], GOOD[2]])
    c["repeated_header_rows.csv"] = csv_text([HEADER, GOOD[0], HEADER, GOOD[1], HEADER, GOOD[2]])
    c["blank_rows.csv"] = csv_text([HEADER, GOOD[0], [], ["", "", ""], GOOD[1], GOOD[2], [], []])
    # ---- delimiters and line ends
    c["semicolon.csv"] = csv_text(good(), delimiter=";")
    c["tab_in_csv.csv"] = csv_text(good(), delimiter="\t")
    c["pipe.csv"] = csv_text(good(), delimiter="|")
    c["excel_sep_line.csv"] = "sep=;\r\n" + csv_text(good(), delimiter=";")
    c["cr_only_line_ends.csv"] = csv_text(good(), lineterminator="\r")
    c["mixed_line_ends_no_final_newline.csv"] = csv_text(good()[:2]) + csv_text(good()[2:], lineterminator="\n")[:-1]
    c["quoted_newlines.csv"] = csv_text(good("met at the bus stage\nthen taken by night\nno papers"))
    c["unclosed_quote.csv"] = csv_text(good()[:2]) + 'R2,Nakuru,Kenya,Malaba,Uganda,5,"never closed\n' \
        + csv_text(good()[3:] + [["R4", "Eldoret", "Kenya", "Busia", "Uganda", "7", "lost?"]])
    c["nul_bytes.csv"] = csv_text(good()).replace("Nakuru", "Naku\x00ru")
    # ---- hostile cells
    c["csv_injection.csv"] = csv_text([HEADER,
                                       ["R1", "Kisumu", "Kenya", "Busia", "Uganda", "12", '=HYPERLINK("http://x.example","click")'],
                                       ["R2", "=cmd|' /C calc'!A0", "Kenya", "", "Uganda", "5", ""],
                                       ["R3", "Nakuru", "Kenya", "", "Uganda", "-5+5", "@SUM(1+1)"],
                                       ["R4", "Nakuru", "Kenya", "@SUM(A1)", "Uganda", "5", ""],
                                       ["+254700000000", "Mombasa", "Kenya", "", "Tanzania", "5", "\t=1+1"],
                                       ["R6", "\t=1+1", "Kenya", "", "Uganda", "5", "\r=2+2"]])
    c["cases_messy.csv"] = csv_text([HEADER] + [[f"R{i}", "Kisumu", "Kenya", "", "Uganda", v, ""] for i, v in enumerate(
        ["10+", "about 20", "5-10", "ten", "1e6", "0", "99999999", "12.5", "NaN", "inf", "10 - 5", "1,200", " 7 "])])
    c["years_messy.csv"] = csv_text([HEADER + ["Year"]] + [[f"R{i}", "Kisumu", "Kenya", "", "Uganda", "5", "", v]
                                                          for i, v in enumerate(["2019", "2019.0", "05/2019", "43597",
                                                                                 "1850", "2019-2020", "FY19", "20199"])])
    c["numbers_as_dates.xlsx"] = xlsx_bytes({"Routes": [HEADER + ["Year"]] + [
        ["R1", "Kisumu", "Kenya", "Busia", "Uganda", dt.datetime(2021, 5, 10), "", dt.datetime(2019, 1, 1)],
        ["R2", "Nakuru", "Kenya", "", "Uganda", 12.0, "", 2019.0],
        ["R3", "Mombasa", "Kenya", dt.date(2021, 3, 4), "Tanzania", dt.time(5, 10), "", "2019"]]})
    c["numbers_as_dates.csv"] = csv_text([HEADER + ["Year"]] + [
        ["R1", "Kisumu", "Kenya", "", "Uganda", "10-May", "", "2019-05-10 00:00:00"],
        ["R2", "Nakuru", "Kenya", "", "Uganda", "May-10", "", "43466"],
        ["R3", "Mombasa", "Kenya", "", "Tanzania", "05/10/2021", "", "10/05/2019"]])
    c["coordinates_out_of_range.csv"] = csv_text([["Route ID", "Origin city", "Intended destination city"]] + [
        [f"R{i}", "-1.2921, 36.8219", v] for i, v in enumerate(
            ["91, 200", "-95, 10", "0, 0", "-4.05, 39.66", "1e3, 5", "nan, nan", "-1,28, 36,81", "(-0.1, 34.75)"])])
    c["transit_separators.csv"] = csv_text([HEADER] + [
        [f"R{i}", "Kisumu", "Kenya", f"Busia{s}Kampala", "Uganda", "5", ""] for i, s in enumerate(SEPARATORS)])
    c["transit_too_many.csv"] = csv_text([HEADER, GOOD[0],
                                          ["R2", "Kisumu", "Kenya", "; ".join(["Busia", "Malaba"] * 75), "Uganda", "5", ""]])
    c["duplicate_route_ids.csv"] = csv_text([HEADER, GOOD[0], GOOD[1], GOOD[0], ["R1"] + GOOD[2][1:]])
    c["long_cells.csv"] = csv_text(good("n" * 100_000) + [["R4", "Kisumu" * 20_000, "Kenya", "", "Uganda", "5", ""]])
    c["control_characters.csv"] = csv_text([HEADER,
                                            ["R1", "Kisumu\u200b", "Kenya", "\u200eBusia", "Uganda", "5", "\x1b[31mred\x1b[0m"],
                                            ["R2", "\u202eurukaN", "Kenya", "", "Uganda", "5", ""],
                                            ["R3", "Mom\u200bbasa", "Kenya", "", "Tanzania", "5", "\x07\x08"]])
    c["wide_5000_columns.csv"] = csv_text([HEADER + [f"extra {i}" for i in range(5000)]]
                                          + [r + ["x"] * 5000 for r in GOOD])
    c["htcds_bad_events.csv"] = csv_text([
        ["hte_Case", "hte_Type", "hte_City", "hte_Country", "hte_Latitude", "hte_Longitude", "hte_Date"],
        ["C1", "Recruitment", "Kisumu", "Kenya", "", "", "2020-01-01"],
        ["C1", "Transit", "Busia", "Kenya", "95", "400", "2020-01-02"],
        ["C1", "Exploitation", "Kampala", "Uganda", "", "", "2020-01-03"],
        ["C2", "Smuggling", "Nairobi", "Kenya", "", "", ""],
        ["C2", "", "Nairobi", "Kenya", "", "", ""]])
    c["ctdc_all_missing.csv"] = csv_text([["yearOfRegistration", "citizenship", "CountryOfExploitation",
                                           "isForcedLabour"], ["2019", "-99", "-99", "1"], ["2019", "KE", "UG", "1"]])
    # ---- broken and disguised workbooks
    good_xlsx = xlsx_bytes({"Routes": good()})
    c["truncated.xlsx"] = good_xlsx[: len(good_xlsx) // 2]
    c["password_protected.xlsx"] = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504 + b"EncryptedPackage" * 8
    c["legacy.xls"] = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 1024
    c["ods_renamed.xlsx"] = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                       "content.xml": b"<office:document-content/>"})
    c["docx_renamed.xlsx"] = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    c["csv_renamed.xlsx"] = TEXT
    c["broken_workbook.xlsx"] = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook><oops"})
    c["formulas_without_values.xlsx"] = xlsx_bytes({"Routes": [HEADER,
                                                              ["R1", "=B3", "Kenya", "", "Uganda", "=2+3", "=NOW()"],
                                                              ["R2", "Nakuru", "Kenya", "", "Uganda", "5", ""]]})
    c["data_on_second_sheet.xlsx"] = xlsx_bytes({"Cover": [], "Routes": good()})
    c["stray_far_cell.xlsx"] = xlsx_bytes({"Routes": good() + [[] for _ in range(995)] + [["x"]]})
    return c


def write_small(folder: Path = BAD_DIR) -> list[Path]:
    """Write the committed cases into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in _cases().items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- big cases
TEN_MB = 10 * 1024 ** 2


def _bomb(path: Path, part_mb: int, parts: int) -> None:
    """An 'XLSX' whose parts are zeros: tiny on disk, ``parts * part_mb`` MB unpacked."""
    block = bytes(1024 ** 2)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(parts):
            with z.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                for _ in range(part_mb):
                    fh.write(block)


def write_big(folder: Path, names=None) -> dict[str, Path]:
    """Build the big cases (or those in ``names``) in ``folder``: never committed."""
    folder.mkdir(parents=True, exist_ok=True)
    builders = {
        "cell_10mb.csv": lambda p: p.write_text(csv_text(
            [HEADER, GOOD[0][:-1] + ["n" * TEN_MB], ["R2", "K" * TEN_MB, "Kenya", "", "Uganda", "5", ""]])),
        "transit_10mb.csv": lambda p: p.write_text(csv_text(
            [HEADER, GOOD[0], ["R2", "Kisumu", "Kenya", "Busia; " * (TEN_MB // 7), "Uganda", "5", ""]])),
        "zip_bomb.xlsx": lambda p: _bomb(p, 150, 4),
        "ratio_bomb.xlsx": lambda p: _bomb(p, 60, 1),
        "rows_1m.csv": lambda p: subprocess.run(
            [sys.executable, str(REPO / "scripts" / "generate_export.py"), "--rows", "1000000", "--out", str(p)],
            check=True, capture_output=True),
    }
    out = {}
    for name, build in builders.items():
        if names is None or name in names:
            out[name] = folder / name
            if not out[name].exists():
                build(out[name])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=BAD_DIR, help="folder of the small cases")
    ap.add_argument("--big", type=Path, help="also build the big cases into this folder")
    args = ap.parse_args()
    print(f"{len(write_small(args.out))} cases in {args.out}")
    if args.big:
        print(f"{len(write_big(args.big))} big cases in {args.big}")


if __name__ == "__main__":
    main()
