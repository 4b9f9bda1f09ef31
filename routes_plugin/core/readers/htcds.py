"""IOM's Human Trafficking Case Data Standard (HTCDS 2.0): historic trafficking events.

Each input row is one event (``hte_Type`` Recruitment / Transit / Exploitation,
``hte_City``, ``hte_Country``, ``hte_Latitude``, ``hte_Longitude``, ``hte_Date``).
The events of one case form one route: the first Recruitment event is the
origin, the last Exploitation event the place of exploitation, every other
event (in order) a transit point. Events are ordered by ``hte_Date`` when
every event of the case has an ISO date, else by row order.

HTCDS 2.0 defines no field linking an event to its case (in its Salesforce
model events are a related list of the case). The reader uses the first
present of ``LINK_KEYS``; without one, routes are formed in file order: a
Recruitment row, or any row after an Exploitation row (other than another
Exploitation row), starts a new route.
"""
from __future__ import annotations

import pandas as pd

from ..categories import fold
from .base import CANONICAL_FIELDS, Problem, RawTable
from .grid import Grid
from .profile import unmapped_warning

TYPE_KEY = "hte type"
#: case link columns, first present wins (folded headers)
LINK_KEYS = ("hte case", "hte caseid", "hte casenumber", "cas id", "cas caseid", "cas casenumber",
             "case id", "caseid", "case number", "casenumber",
             "hte person", "hte personid", "prs id", "prs personid", "person id", "personid")
EVENT_TYPES = {"recruitment": "Recruitment", "transit": "Transit", "exploitation": "Exploitation"}
#: case-level HTCDS fields -> canonical field (first non-blank value of the case)
CASE_FIELDS = {
    "cas incomingreferraldate": "date_reported",
    "vic typeofexploitation": "exploitation_types",
    "vic forcedlabourindustry": "industry",
    "vic methodofrecruitment": "recruitment_methods",
    "cas referringorganisation": "reporting_org",
}
EVENT_KEYS = ("hte type", "hte city", "hte country", "hte latitude", "hte longitude", "hte date",
              "hte description")


HEADER_KEYS = frozenset({TYPE_KEY})


def detect(grid: Grid) -> bool:
    return TYPE_KEY in grid.keys()


def _coordinates(lat, lon) -> str | None:
    """'lat, lon' when both are numbers in range, else None."""
    try:
        y, x = float(lat), float(lon)
    except (TypeError, ValueError):
        return None
    return f"{lat}, {lon}" if -90 <= y <= 90 and -180 <= x <= 180 else None


def read(grid: Grid, source_file: str, file: str) -> RawTable:
    """Group event rows into one route per case."""
    data = grid.data

    def column(key: str) -> pd.Series:
        pos = grid.find(key)
        return data[pos] if pos is not None else pd.Series(pd.NA, index=data.index, dtype="string")

    problems = list(grid.problems)
    kinds = column(TYPE_KEY).map(lambda v: EVENT_TYPES.get(fold(v)) if isinstance(v, str) else None)
    type_header = grid.headers[grid.find(TYPE_KEY)]
    for row, value in zip(data.loc[kinds.isna(), "source_row"], column(TYPE_KEY)[kinds.isna()]):
        problems.append(Problem(file, int(row), type_header, None if pd.isna(value) else value,
                                "unknown event type " + ("(blank)" if pd.isna(value) else repr(value))
                                + ": expected Recruitment, Transit or Exploitation"))
    ok = kinds.notna()
    events = pd.DataFrame({
        "row": data["source_row"], "kind": kinds,
        "city": column("hte city"), "country": column("hte country"),
        "lat": column("hte latitude"), "lon": column("hte longitude"),
        "date": pd.to_datetime(column("hte date"), format="ISO8601", errors="coerce"),
        "description": column("hte description"),
    })[ok]
    for row, lat, lon in events[["row", "lat", "lon"]].itertuples(index=False):
        if (pd.notna(lat) or pd.notna(lon)) and _coordinates(lat, lon) is None:
            problems.append(Problem(file, int(row), "hte_Latitude / hte_Longitude", f"{lat}, {lon}",
                                    "coordinates are incomplete or out of range; the city is used", "warning"))

    link_pos = grid.find(*LINK_KEYS)
    if link_pos is not None:
        link = data.loc[ok, link_pos]
        group = link.fillna("\x00row " + data.loc[ok, "source_row"].astype(str)).to_numpy()
        if link.isna().any():
            problems.append(Problem(file, None, grid.headers[link_pos], None,
                                    "events without a case link each form their own route", "warning"))
    else:
        starts, prev = [], None
        for kind in events["kind"]:
            starts.append(prev is not None and (kind == "Recruitment" or (prev == "Exploitation" and kind != prev)))
            prev = kind
        group = pd.Series(starts, dtype=int).cumsum().to_numpy()
        problems.append(Problem(file, None, None, None,
                                "no case link column (e.g. " + ", ".join(LINK_KEYS[:3]) + "): events were "
                                "grouped into routes in file order", "warning"))
    events["group"] = group

    case_cols = {field: grid.find(key) for key, field in CASE_FIELDS.items() if grid.find(key) is not None}
    used = {p for p in case_cols.values()} | {grid.find(k) for k in EVENT_KEYS} | {link_pos}
    unmapped = [(h, p) for p, h in enumerate(grid.headers) if p not in used and h
                and data[p].notna().any()]

    records = []
    for _, ev in events.groupby("group", sort=False):
        ev = ev.sort_values(["date", "row"], kind="stable") if ev["date"].notna().all() else ev.sort_values("row")
        rows = ev["row"].tolist()
        first = rows[0]
        places = [_coordinates(la, lo) or (ci if pd.notna(ci) else None)
                  for la, lo, ci in zip(ev["lat"], ev["lon"], ev["city"])]
        kinds_ = ev["kind"].tolist()
        origin = kinds_.index("Recruitment") if "Recruitment" in kinds_ else None
        exploit = len(kinds_) - 1 - kinds_[::-1].index("Exploitation") if "Exploitation" in kinds_ else None
        for kind, idx in (("Recruitment", origin), ("Exploitation", exploit)):
            if kinds_.count(kind) > 1:
                problems.append(Problem(file, first, type_header, kind,
                                        f"the case has {kinds_.count(kind)} {kind} events (rows "
                                        f"{', '.join(str(r) for r, k in zip(rows, kinds_) if k == kind)}); row "
                                        f"{rows[idx]} is used as the "
                                        + ("origin" if kind == "Recruitment" else "place of exploitation")
                                        + ", the others become transit points", "warning"))
        transit = [places[i] or (ev["country"].iloc[i] if pd.notna(ev["country"].iloc[i]) else None)
                   for i in range(len(rows)) if i not in (origin, exploit)]
        dates = ev["date"].dropna()
        rec = {
            "source_row": first, "source_rows": "; ".join(map(str, sorted(rows))),
            "route_id": f"htcds-{first}",
            "year": str(dates.min().year) if len(dates) else pd.NA,
            "origin": places[origin] if origin is not None else None,
            "origin_country": ev["country"].iloc[origin] if origin is not None else None,
            "transit": "; ".join(t for t in transit if t) or None,
            "exploitation_place": places[exploit] if exploit is not None else None,
            "exploitation_country": ev["country"].iloc[exploit] if exploit is not None else None,
            "cases": "1",
            "notes": " | ".join(ev["description"].dropna()) or None,
        }
        idx = ev.index
        for field, pos in case_cols.items():
            rec[field] = next(iter(data.loc[idx, pos].dropna()), None)
        for name, pos in unmapped:
            rec[name] = "; ".join(dict.fromkeys(data.loc[idx, pos].dropna())) or None
        records.append(rec)

    fields = ["route_id", "year", "origin", "origin_country", "transit", "exploitation_place",
              "exploitation_country", "cases", "notes", *case_cols]
    ordered = [f for f in CANONICAL_FIELDS if f in fields]
    frame = pd.DataFrame(records, columns=["source_row", "source_rows", *ordered, *(n for n, _ in unmapped)])
    frame = frame.astype({c: "string" for c in frame.columns if c != "source_row"}).astype({"source_row": "int64"})
    column_map = {f: grid.headers[p] for f, p in case_cols.items()}
    column_map |= {"origin": "hte_City (Recruitment)", "origin_country": "hte_Country (Recruitment)",
                   "transit": "hte_City (Transit)", "exploitation_place": "hte_City (Exploitation)",
                   "exploitation_country": "hte_Country (Exploitation)", "year": "hte_Date",
                   "notes": "hte_Description"}
    if unmapped:
        problems.append(unmapped_warning(file, [n for n, _ in unmapped]))
    return RawTable(frame=frame, source_file=source_file, fmt="htcds",
                    column_map={f: column_map[f] for f in ordered if f in column_map},
                    unmapped=[n for n, _ in unmapped], problems=problems, rows_read=grid.rows_read)
