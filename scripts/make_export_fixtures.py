"""Write the realistic export fixtures of tests/data/exports/ (SYNTHETIC rows, seeded).

Each file is the kind of export a network really sends, with the quirks issue 12
lists and a few more of the same kinds:

* ``english_title.xlsx``: a title row and a note row above the header, headers one
  character off the aliases (``Origin City/Town``, ``Est. no. of cases``,
  ``Mode(s) of transport``, ``Airline(s)``), airports (JKIA, Moi Intl...), compound
  cells (``Mombasa, Kenya``, ``Kaunti ya Kilifi``, ``Busia (Uganda)``), border points,
  notes and a total below the data.
* ``swahili_named_sheet.xlsx``: a cover sheet first, the data on sheet ``Data za Njia``
  under Swahili headers (``Idadi ya visa (makadirio)``, ``Kutoka``, ``Marudio``,
  ``Njiani``, ``Usafiri``, ``Shirika la ndege``), Swahili county forms.
* ``flights.csv``: flights only (airports and airlines, no land leg), ';'-separated
  with a title line.
* ``two_row_header.xlsx``: a merged group row ("Origin" over City / Country ...).
* ``uncertain_header.csv``: a near-miss header (``Cses``).
* ``person_columns.csv``: columns about people next to route columns.

Run: ``.venv/bin/python scripts/make_export_fixtures.py`` (same bytes each time).
"""
from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

import openpyxl

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "exports"
TITLE = "Kenya route data collection 2020 — export (SYNTHETIC)"

ORIGINS = ["Kisumu", "Nakuru", "Eldoret", "Kakamega", "Bungoma", "Mombasa, Kenya", "Kaunti ya Kilifi",
           "Kitui", "Machakos", "Nyeri", "Garissa", "Thika", "Kwale County", "Homa Bay", "Meru", "Kisii",
           "Malindi", "Lamu", "Embu", "Narok"]
FOREIGN_ORIGINS = [("Kampala", "Uganda"), ("Arusha", "Tanzania"), ("Hargeisa", "Somaliland"),
                   ("Dire Dawa", "Ethiopia"), ("Bujumbura", "Burundi")]
LAND_TRANSIT = ["Busia", "Malaba border point", "Namanga", "Isebania", "Moyale", "Liboi", "Taveta",
                "Lunga Lunga", "Busia (Uganda)", "Mandera", "Garissa; Liboi", "Isiolo -> Marsabit -> Moyale"]
AIR_TRANSIT = ["JKIA", "Jomo Kenyatta Intl", "Moi International Airport", "Moi Intl", "Entebbe International Airport",
               "Bole International Airport", "JKIA; Hamad International Airport", "Nairobi"]
GULF = [("Riyadh", "Saudi Arabia"), ("Jeddah", "KSA"), ("Doha", "Qatar"), ("Dubai", "UAE"),
        ("Muscat", "Oman"), ("Kuwait City", "Kuwait"), ("Beirut", "Lebanon"), ("Amman", "Jordan")]
REGION = [("Kampala", "Uganda"), ("Dar es Salaam", "Tanzania"), ("Juba", "South Sudan"),
          ("Mogadishu", "Somalia"), ("Addis Ababa", "Ethiopia")]
AIRLINES = ["Kenya Airways", "Qatar Airways", "Emirates", "Saudia", "Ethiopian Airlines", "flydubai"]
TYPES = ["Domestic servitude", "Forced labour", "Sexual exploitation", "Forced labour; Domestic servitude"]
RECRUIT = ["False job offer", "Agent or broker", "Family member or friend", "Online / social media"]


def routes(rng: random.Random, n: int, swahili=False):
    """n synthetic routes: (origin, origin country, transit, dest, dest country, cases, modes, airline)."""
    out = []
    for i in range(n):
        if rng.random() < 0.85:
            origin, ocountry = rng.choice(ORIGINS), "Kenya"
        else:
            origin, ocountry = rng.choice(FOREIGN_ORIGINS)
        flies = rng.random() < 0.45
        if flies:
            dest, dcountry = rng.choice(GULF)
            transit = rng.choice(AIR_TRANSIT)
            modes = rng.choice(["Air", "Road; Air", "Bus, Flight", "air"])
            airline = rng.choice(AIRLINES)
        else:
            dest, dcountry = rng.choice(REGION)
            transit = rng.choice(LAND_TRANSIT)
            modes = rng.choice(["Road", "Bus", "road; foot", "Matatu", "Lorry"])
            airline = None
        if ocountry != "Kenya" and not flies:
            transit = ""
        cases = rng.choice([str(rng.randint(1, 30)), f"{rng.randint(1, 9)}+", f"about {rng.randint(2, 20)}",
                            f"{rng.randint(1, 5)}-{rng.randint(6, 12)}", str(rng.randint(1, 12))])
        if rng.random() < 0.08:
            cases = ""
        if swahili:
            modes = {"Air": "Ndege", "Road; Air": "Barabara; Ndege", "Bus, Flight": "Basi, Ndege", "air": "ndege",
                     "Road": "Barabara", "Bus": "Basi", "road; foot": "barabara; kwa miguu",
                     "Matatu": "Matatu", "Lorry": "Lori"}.get(modes, modes)
        out.append((origin, ocountry, transit, dest, dcountry, cases, modes, airline))
    return out


def english_title(rng) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Routes 2020"
    headers = ["S/N", "Origin City/Town", "Origin Country", "Transit point(s)", "Intended destination (city)",
               "Destination country", "Est. no. of cases", "Type(s) of exploitation", "Mode(s) of transport",
               "Airline(s)", "Recruitment method(s)", "Year", "Reporting CSO"]
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(["Prepared for the national referral mechanism; figures are estimates"])
    ws.append([])
    ws.append(headers)
    for i, (o, oc, t, d, dc, c, m, a) in enumerate(routes(rng, 150), start=1):
        ws.append([i, o, oc, t, d, dc, int(c) if c.isdigit() else c, rng.choice(TYPES), m, a,
                   rng.choice(RECRUIT), 2020, f"Synthetic CSO {rng.randint(1, 9)}"])
    ws.append([])
    ws.append(["Total", None, None, None, None, None, 999])
    ws.append(["Source: synthetic data generated for the plugin's tests; no real person or case."])
    return _save(wb)


def swahili_named_sheet(rng) -> bytes:
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "Maelezo"
    cover.append(["Ripoti ya njia za usafirishaji haramu wa binadamu (DATA BANDIA / SYNTHETIC)"])
    cover.append(["Data ziko kwenye karatasi 'Data za Njia'."])
    ws = wb.create_sheet("Data za Njia")
    ws.append(["Takwimu za mtandao — 2021"])
    ws.append(["Namba", "Kutoka (mji)", "Nchi ya asili", "Njiani", "Marudio", "Nchi ya marudio",
               "Idadi ya visa (makadirio)", "Aina ya unyonyaji", "Usafiri", "Shirika la ndege", "Mwaka"])
    for i, (o, oc, t, d, dc, c, m, a) in enumerate(routes(rng, 149, swahili=True), start=1):
        oc = {"Kenya": "Kenya", "Uganda": "Uganda", "Tanzania": "Tanzania", "Somaliland": "Somaliland",
              "Ethiopia": "Uhabeshi", "Burundi": "Burundi"}[oc]
        o = o.replace("Kaunti ya Kilifi", "Kaunti ya Kilifi").replace("Kwale County", "Kaunti ya Kwale")
        dc = {"Saudi Arabia": "Saudia", "KSA": "Uarabuni", "UAE": "Falme za Kiarabu", "Qatar": "Katari",
              "Oman": "Omani", "Lebanon": "Lebanoni", "Jordan": "Yordani"}.get(dc, dc)
        ws.append([f"SW-{i:04d}", o, oc, t, d, dc, c, rng.choice(["Kazi za nyumbani", "Kazi ya kulazimishwa",
                                                                  "Ngono"]), m, a, 2021])
    wb.create_sheet("Muhtasari").append(["Jumla ya visa", 1234])
    return _save(wb)


def flights(rng) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(["Flights reported 2020 (SYNTHETIC)"])
    w.writerow(["Route ref", "Departure", "Transit", "Arrival city", "Arrival country", "No. of victims",
                "Means of transport", "Carrier"])
    deps = ["JKIA", "NBO", "Moi Intl", "Jomo Kenyatta International Airport", "Kisumu", "Eldoret"]
    via = ["", "Hamad International Airport", "Dubai Intl", "Bole", "King Khalid", ""]
    for i in range(40):
        d, dc = rng.choice(GULF)
        w.writerow([f"FL-{i:03d}", rng.choice(deps), rng.choice(via), d, dc, rng.randint(1, 9), "Flight",
                    rng.choice(AIRLINES)])
    return buf.getvalue().encode("utf-8")


def two_row_header(rng) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Routes"
    ws.append(["Route", "Origin", None, "Destination", None, "Cases", "Transport"])
    ws.append([None, "City", "Country", "City", "Country", None, None])
    for c in ("A1:A2", "B1:C1", "D1:E1", "F1:F2", "G1:G2"):
        ws.merge_cells(c)
    for i, (o, oc, t, d, dc, c, m, a) in enumerate(routes(rng, 30), start=1):
        ws.append([f"R{i}", o, oc, d, dc, c, m])
    return _save(wb)


def uncertain_header() -> bytes:
    rows = [["Route ID", "Origin city", "Destination", "Cses"],
            ["1", "Kisumu", "Kampala", "4"], ["2", "Nakuru", "Juba", "3"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def person_columns() -> bytes:
    rows = [["Victim name", "Age", "Gender", "Origin", "Destination", "Cases", "Phone"],
            ["Jane Doe", "17", "F", "Kisumu", "Riyadh", "1", "+254700000000"],
            ["John Doe", "22", "M", "Bungoma, Kenya", "Juba", "1", "+254700000001"]]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _save(wb) -> bytes:
    """The workbook's bytes with fixed zip timestamps (same bytes each run)."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re
                data = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, data)
    return out.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {"english_title.xlsx": english_title(random.Random(12)),
             "swahili_named_sheet.xlsx": swahili_named_sheet(random.Random(21)),
             "flights.csv": flights(random.Random(40)),
             "two_row_header.xlsx": two_row_header(random.Random(2)),
             "uncertain_header.csv": uncertain_header(),
             "person_columns.csv": person_columns()}
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(name, len(data))


if __name__ == "__main__":
    main()
