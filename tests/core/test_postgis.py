"""The shared PostGIS store against a real PostgreSQL + PostGIS.

The server is the project's own: ``scripts/postgis.sh testdb`` installs it
from Debian if needed, starts the throwaway cluster on loopback and makes a
fresh, migrated database for this module (or uses the superuser URI in
``ROUTES_PG_URI``). Only ``ROUTES_SKIP_POSTGIS=1`` skips these tests; a server
that does not start is an error.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import random
import secrets
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import psycopg2
import pytest
import shapely

from trafficking_routes.routes_plugin.core import postgis, suppression
from trafficking_routes.routes_plugin.core.layers import build_layers, places
from trafficking_routes.routes_plugin.core.readers.base import Problem
from trafficking_routes.routes_plugin.core.routes import Journeys


REPO = Path(__file__).resolve().parents[2]
TEST_DB = "routes_test_core"
RAW = ("route_lines", "route_points", "route_legs", "rejected_rows")
SHA = "ab" * 32

# name: lat, lon, country, region, county
PLACES = {
    "Kisumu": (-0.09, 34.77, "KEN", "Nyanza", "Kisumu"),
    "Nairobi": (-1.29, 36.82, "KEN", "Nairobi", "Nairobi"),
    "Mombasa": (-4.04, 39.67, "KEN", "Coast", "Mombasa"),
    "Busia": (0.46, 34.11, "KEN", "Western", "Busia"),
    "Kampala": (0.35, 32.58, "UGA", "Central", ""),
    "Dubai": (25.2, 55.27, "ARE", "Dubai", ""),
    "Riyadh": (24.71, 46.68, "SAU", "Riyadh", ""),
    "Tab\there \"quoted\" back\\slash\nnew line, Mji wa Kale ü": (-3.22, 40.12, "KEN", "Coast", "Kilifi"),
}
NAMES = sorted(PLACES)


# ----------------------------------------------------------------- test data ---

def route(route_id: str, variant: int = 0) -> dict:
    """A route whose content depends only on (route_id, variant)."""
    rng = random.Random(f"{route_id}/{variant}")
    stops = rng.sample(NAMES, rng.randint(1, 4))
    low = rng.choice([None, 1, 3, 7, 12])
    high = None if low is None or rng.random() < 0.3 else low + rng.randint(0, 5)
    return {"route_id": route_id, "stops": stops, "cases": (low, high), "year": rng.choice([None, 2019, 2023]),
            "exploitation_types": rng.choice([None, "labour", "sexual; labour"])}


def journeys(routes: list[dict], source_file: str = "export.csv", rejected_rows: int = 1) -> Journeys:
    """A :class:`Journeys` of hand-made routes (rows 2.., then ``rejected_rows`` rejected rows)."""
    recs, stops = [], []
    for i, r in enumerate(routes):
        row = i + 2
        recs.append({"route_id": r["route_id"], "source_row": row, "cases_low": r["cases"][0],
                     "cases_high": r["cases"][1], "year": r["year"], "exploitation_types": r["exploitation_types"],
                     "industry": None, "transport_modes": "bus", "airlines": None, "recruitment_methods": None})
        n = len(r["stops"])
        for seq, name in enumerate(r["stops"]):
            lat, lon, country, region, county = PLACES[name]
            role = "origin" if seq == 0 else ("destination" if seq == n - 1 else "transit")
            stops.append({"route_id": r["route_id"], "source_row": row, "seq": seq, "role": role, "input_name": name,
                          "column": role, "place_key": f"user:{name}", "place": name, "lat": lat, "lon": lon,
                          "country": country, "country_name": country, "region": region, "county": county,
                          "precision": "place"})
    frame = pd.DataFrame(recs)
    for c in ("cases_low", "cases_high", "year"):
        frame[c] = pd.array(frame[c], dtype="Int64")
    problems = [Problem(source_file, len(routes) + 2 + k, "origin", f"Atlantis {k}", "unknown place", "rejected")
                for k in range(rejected_rows)]
    if routes:
        problems.append(Problem(source_file, 2, "cases", "many", "not a number; cases left blank", "warning"))
    return Journeys(frame, pd.DataFrame(stops), problems, rows_read=len(routes) + rejected_rows,
                    source_file=source_file)


def layers_of(routes: list[dict], source_file: str = "export.csv"):
    """The loader's layers and report (with its row accounting) of one export."""
    j = journeys(routes, source_file)
    layers, report = build_layers(j)
    layers["places"] = places([layers.pop("place_counts")])
    return layers, {**report, **j.accounting()}


def write(uri, layers, report, file_name="export.csv", **kw):
    """Import ``layers`` as the file ``file_name`` (whose content stands for its checksum)."""
    sha = hashlib.sha256(file_name.encode()).hexdigest()
    return postgis.write_postgis(layers, uri, file_name=file_name, file_sha256=sha, rows_in=report["rows_in"],
                                 rows_mapped=report["rows_mapped"], rows_rejected=report["rows_rejected"], **kw)


def ids(prefix, numbers):
    return [f"{prefix}{n:03d}" for n in numbers]


# ------------------------------------------------------------------ fixtures ---

@pytest.fixture(scope="session")
def pg_uri() -> str:
    """Superuser URI of a fresh, migrated test database."""
    if os.environ.get("ROUTES_SKIP_POSTGIS") == "1":
        pytest.skip("ROUTES_SKIP_POSTGIS=1")
    done = subprocess.run([str(REPO / "scripts" / "postgis.sh"), "testdb", TEST_DB], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/postgis.sh testdb failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def sql(uri, query, params=None):
    """Run one statement in its own transaction; rows (or None)."""
    with contextlib.closing(postgis.connect(uri)) as conn, conn, conn.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


@pytest.fixture
def db(pg_uri) -> str:
    sql(pg_uri, "TRUNCATE routes.imports, routes.route_lines, routes.route_points, routes.route_legs, "
                "routes.rejected_rows, routes.contributors RESTART IDENTITY CASCADE; "
                "UPDATE routes.settings SET value = '5' WHERE key = 'suppress_below'")
    return pg_uri


def as_role(uri: str, role: str, password: str) -> str:
    parts = urlsplit(uri)
    return parts._replace(netloc=f"{role}:{password}@{parts.hostname}:{parts.port}").geturl()


@pytest.fixture(scope="session")
def roles(pg_uri) -> dict[str, str]:
    """Login roles -> their URIs: org_a, org_b (contributors), stranger (an
    unregistered contributor) and analyst."""
    password = secrets.token_hex(12)
    group = {"org_a": "routes_contributor", "org_b": "routes_contributor", "stranger": "routes_contributor",
             "analyst": "routes_analyst"}
    out = {}
    for name, grp in group.items():
        role = f"routes_test_{name}"
        exists = sql(pg_uri, "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        sql(pg_uri, f"{'ALTER' if exists else 'CREATE'} ROLE {role} LOGIN PASSWORD %s", (password,))
        sql(pg_uri, f"GRANT {grp} TO {role}")
        out[name] = as_role(pg_uri, role, password)
    return out


def register(uri, **orgs):
    for name, organisation in orgs.items():
        sql(uri, "INSERT INTO routes.contributors VALUES (%s, %s)", (f"routes_test_{name}", organisation))


def snapshot(uri) -> dict[str, tuple]:
    """Row count and a digest of every row of every stored table."""
    return {t: tuple(sql(uri, f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                              f"FROM routes.{t} t")[0])
            for t in (*RAW, "imports")}


# ----------------------------------------------------------------- comparing ---

def plain(x):
    """A cell as a plain Python value: None for missing, WKB hex for a geometry."""
    if isinstance(x, shapely.Geometry):
        return shapely.to_wkb(x, hex=True)
    if x is None or pd.isna(x):
        return None
    return x.item() if hasattr(x, "item") else x


def rows(df: pd.DataFrame, columns, sort) -> list[tuple]:
    """Rows of ``columns`` as plain values, sorted by the ``sort`` columns."""
    table = list(zip(*(map(plain, df[c].to_numpy(dtype=object)) for c in columns)))
    key = [columns.index(s) for s in sort]
    return sorted(table, key=lambda t: tuple("" if t[k] is None else str(t[k]) for k in key))


SORT = {"route_lines": ["route_id"], "route_points": ["route_id", "seq"], "route_legs": ["route_id", "leg_seq"],
        "rejected_rows": ["source_row", "column"], "places": ["place_key"]}


def assert_same(stored: pd.DataFrame, expected: pd.DataFrame, table: str, ignore=()):
    columns = [c for c in expected.columns if c not in ignore]
    assert len(stored) == len(expected), table
    assert rows(stored, columns, SORT[table]) == rows(expected, columns, SORT[table]), table


# --------------------------------------------------------------------- tests ---

def test_uri_helpers():
    assert postgis.is_postgres_uri("postgresql://u:p@127.0.0.1:5432/routes")
    assert postgis.is_postgres_uri("postgres://host/db")
    assert not postgis.is_postgres_uri("/tmp/routes.gpkg")
    assert not postgis.is_postgres_uri("my saved connection")
    assert postgis.redact("postgresql://u:s3cret@h:1/db") == "postgresql://u:***@h:1/db"
    assert postgis.redact("postgresql://h/db?user=u&password=s3cret") == "postgresql://h/db?user=u&password=***"


@pytest.fixture(params=[False, True], ids=["streamed", "bulk"])
def bulk(request) -> bool:
    """Both ways an import goes in: indexes kept up to date, or dropped and rebuilt (sql/005)."""
    return request.param


def indexes(uri) -> list[tuple]:
    """Every index of the stored tables, as defined (name, definition)."""
    return sql(uri, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'routes' ORDER BY 1")


def test_round_trip_and_import_record(db, bulk):
    routes = [route(i) for i in ids("r", range(40))]
    layers, report = layers_of(routes)
    before = indexes(db)
    import_id = write(db, layers, report, bulk=bulk)
    assert indexes(db) == before  # bulk mode built them all again, as they were
    assert sql(db, "SELECT count(*) FROM routes.bulk_import_state") == [(0,)]
    for table in RAW:
        assert_same(postgis.read_layer(db, table), layers[table], table)
    # places is the view routes.places: the same as layers.py's places layer
    assert_same(postgis.read_layer(db, "places"), layers["places"], "places")
    rec = postgis.read_layer(db, "imports").iloc[0]
    assert rec["import_id"] == import_id
    assert (rec["file_name"], rec["organisation"]) == ("export.csv", "local")
    assert rec["file_sha256"] == hashlib.sha256(b"export.csv").hexdigest()
    assert (rec["rows_in"], rec["rows_mapped"], rec["rows_rejected"]) == (
        report["rows_in"], report["rows_mapped"], report["rows_rejected"])
    assert (rec["routes_written"], rec["routes_replaced"]) == (len(routes), 0)
    assert rec["imported_by"] == urlsplit(db).username
    stored = postgis.read_layer(db, "route_lines")
    assert set(stored["import_id"]) == {import_id} and set(stored["organisation"]) == {"local"}
    legs = postgis.read_layer(db, "route_legs", "crosses_border", columns=["route_id", "length_km"])
    assert list(legs.columns) == ["route_id", "length_km", "geometry"]
    assert legs["length_km"].sum() == pytest.approx(layers["route_legs"].query("crosses_border")["length_km"].sum())


def test_reimport_is_idempotent(db, bulk):
    layers, report = layers_of([route(i) for i in ids("r", range(30))])
    first = write(db, layers, report, bulk=bulk)
    once = {t: n for t, (n, _) in snapshot(db).items()}
    second = write(db, layers, report, bulk=bulk)
    twice = {t: n for t, (n, _) in snapshot(db).items()}
    assert once == {**{t: len(layers[t]) for t in RAW}, "imports": 1}
    assert twice == {**once, "imports": 2}
    assert second != first
    for table in RAW:
        stored = postgis.read_layer(db, table)
        assert set(stored["import_id"]) == {second}
        assert_same(stored, layers[table], table)
    assert postgis.read_layer(db, "imports", "import_id = %s", (second,))["routes_replaced"].item() == 30


def test_overlapping_exports_replace_by_route_id(db, bulk):
    early = [route(i) for i in ids("r", range(10))]
    late = [route(i, variant=1) for i in ids("r", range(5, 15))]  # r005..r009 come back changed
    write(db, *layers_of(early, "jan.csv"), file_name="jan.csv", bulk=bulk)
    write(db, *layers_of(late, "feb.csv"), file_name="feb.csv", bulk=bulk)
    expected, _ = layers_of(early[:5] + late)
    for table in ("route_lines", "route_points", "route_legs", "places"):  # rows are numbered per file
        assert_same(postgis.read_layer(db, table), expected[table], table, ignore=("source_row",))
    lines = postgis.read_layer(db, "route_lines")
    assert lines["route_id"].is_unique and len(lines) == 15
    imports = postgis.read_layer(db, "imports")
    assert imports["routes_replaced"].tolist() == [0, 5]
    # each file keeps its rejected rows (one per file) and its warning (on its first route, r000 / r005)
    rejected = postgis.read_layer(db, "rejected_rows")
    assert sorted(zip(rejected["source_file"], rejected["severity"], rejected["route_id"].fillna(""))) == [
        ("feb.csv", "rejected", ""), ("feb.csv", "warning", "r005"), ("jan.csv", "rejected", ""),
        ("jan.csv", "warning", "r000")]
    # re-importing jan.csv replaces its rejected rows and takes r005..r009 back to jan's version
    write(db, *layers_of(early, "jan.csv"), file_name="jan.csv", bulk=bulk)
    rejected = postgis.read_layer(db, "rejected_rows")
    assert sorted(zip(rejected["source_file"], rejected["route_id"].fillna(""))) == [
        ("feb.csv", ""), ("jan.csv", ""), ("jan.csv", "r000")]
    assert len(postgis.read_layer(db, "route_lines")) == 15


def test_writer_in_chunks_and_closed_without_commit(db):
    layers, report = layers_of([route(i) for i in ids("r", range(50))])
    chunks = [layers_of([route(i) for i in ids("r", part)])[0] for part in (range(0, 20), range(20, 50))]
    sha = hashlib.sha256(b"chunks").hexdigest()
    with postgis.PostgisWriter(db, file_name="big.csv", file_sha256=sha) as writer:
        for chunk in chunks:
            for name in ("route_points", "route_legs", "route_lines"):
                writer.write(name, chunk[name])
    assert {n for n, _ in snapshot(db).values()} == {0}  # closed without commit: nothing
    with postgis.PostgisWriter(db, file_name="big.csv", file_sha256=sha) as writer:
        for chunk in chunks:
            for name in ("route_points", "route_legs", "route_lines"):
                writer.write(name, chunk[name])
        writer.write("places", layers["places"])
        writer.write("rejected_rows", layers["rejected_rows"])
        writer.commit(report["rows_in"], report["rows_mapped"], report["rows_rejected"])
    for table in ("route_lines", "route_points", "route_legs", "places"):  # rows are numbered per chunk here
        assert_same(postgis.read_layer(db, table), layers[table], table, ignore=("source_row",))
    assert_same(postgis.read_layer(db, "rejected_rows"), layers["rejected_rows"], "rejected_rows")


BAD_ROWS = {
    "null route id in route_points": ("route_points", "route_id", None),
    "polygon in route_points": ("route_points", "geometry", shapely.box(0, 0, 1, 1)),
    "point of an unknown route": ("route_points", "route_id", "no-such-route"),
    "bad severity in rejected_rows (the last table)": ("rejected_rows", "severity", "bogus"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_failing_row_rolls_back(db, case, bulk):
    write(db, *layers_of([route(i) for i in ids("r", range(20))]))
    before, defined = snapshot(db), indexes(db)
    layers, report = layers_of([route(i, variant=2) for i in ids("r", range(10, 30))])
    table, column, value = BAD_ROWS[case]
    bad = layers[table].copy()
    middle = bad.index[len(bad) // 2]
    bad[column] = bad[column].astype(object)
    bad.at[middle, column] = value
    layers[table] = bad
    with pytest.raises(postgis.PostgisError, match="rolled back, nothing was written"):
        write(db, layers, report, bulk=bulk)
    assert snapshot(db) == before
    assert indexes(db) == defined


def test_non_integer_value_is_refused_before_writing(db):
    layers, report = layers_of([route(i) for i in ids("r", range(5))])
    layers["route_lines"]["n_stops"] = layers["route_lines"]["n_stops"] + 0.5
    with pytest.raises(postgis.PostgisError, match="n_stops"):
        write(db, layers, report)
    assert {n for n, _ in snapshot(db).values()} == {0}


def three_times_at_once(importer, n: int = 4) -> list:
    """Run ``importer(k)()`` three times in each of ``n`` threads started together (``importer(k)``
    prepares its data first); the import ids, after asserting that none failed."""
    barrier = threading.Barrier(n)
    errors, done = [], []

    def run(k):
        go = importer(k)
        barrier.wait()
        try:
            for _ in range(3):
                done.append(go())
        except Exception as exc:  # any failure is reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return done


def test_four_concurrent_importers_with_overlapping_data(db):
    # importer k brings routes 10k .. 10k+29: every route but the first and last ten comes from 2-3 importers
    sets = [ids("r", range(10 * k, 10 * k + 30)) for k in range(4)]
    everything = sorted(set().union(*sets))
    expected, _ = layers_of([route(i) for i in everything])

    def importer(k):
        layers, report = layers_of([route(i) for i in sets[k]], f"export-{k}.csv")
        return lambda: write(db, layers, report, file_name=f"export-{k}.csv")

    assert len(three_times_at_once(importer)) == 12
    for table in ("route_lines", "route_points", "route_legs", "places"):
        assert_same(postgis.read_layer(db, table), expected[table], table, ignore=("source_row",))
    # every route's points and legs come from the import that wrote its line
    mixed = sql(db, "SELECT count(*) FROM routes.route_points p JOIN routes.route_lines l "
                    "USING (organisation, route_id) WHERE p.import_id <> l.import_id")
    assert mixed[0][0] == 0
    assert sql(db, "SELECT count(*) FROM routes.imports")[0][0] == 12


def test_organisations_import_side_by_side_in_both_modes(db, roles):
    """Four organisations import at once, two of them in bulk mode (which takes the tables):
    the imports wait for each other where they must and never deadlock; each organisation
    ends with its own routes."""
    register(db, org_a="Org A", org_b="Org B")
    who = [(roles["org_a"], None, True), (roles["org_b"], None, False), (db, "Org C", True), (db, "Org D", False)]
    routes_of = [[route(i, variant=k) for i in ids("r", range(5 * k, 5 * k + 25))] for k in range(4)]

    def importer(k):
        uri, org, bulk = who[k]
        layers, report = layers_of(routes_of[k], f"org-{k}.csv")
        return lambda: write(uri, layers, report, file_name=f"org-{k}.csv", organisation=org, bulk=bulk)

    assert len(three_times_at_once(importer)) == 12
    for k, org in enumerate(["Org A", "Org B", "Org C", "Org D"]):
        expected, _ = layers_of(routes_of[k], f"org-{k}.csv")
        for table in RAW:
            assert_same(postgis.read_layer(db, table, "organisation = %s", (org,)), expected[table], table)
    assert sql(db, "SELECT count(*) FROM routes.bulk_import_state") == [(0,)]


def test_bulk_mode_is_ended_or_nothing_commits(db, roles):
    """A transaction that began bulk mode (which drops indexes) cannot commit without ending it,
    and the functions only act on the calling transaction's own import."""
    register(db, org_a="Org A")
    write(roles["org_a"], *layers_of([route(i) for i in ids("r", range(5))], "a.csv"), file_name="a.csv")
    import_a = sql(db, "SELECT import_id FROM routes.imports")[0][0]
    defined = indexes(db)
    with contextlib.closing(postgis.connect(roles["org_a"])) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT routes.begin_bulk_import()")
            with pytest.raises(psycopg2.Error, match="not begun by this transaction"):
                cur.execute("SELECT routes.end_bulk_import(%s)", (import_a,))
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT routes.begin_bulk_import()")
        with pytest.raises(psycopg2.Error, match="did not end"):
            conn.commit()
        with conn.cursor() as cur, pytest.raises(psycopg2.Error, match="not begun by this transaction"):
            cur.execute("SELECT routes.finish_import(%s, 1, 1, 0, 0)", (import_a,))
    assert indexes(db) == defined
    assert sql(db, "SELECT rows_in FROM routes.imports") == [(6,)]
    for function in ("begin_bulk_import()", f"end_bulk_import({import_a})", f"finish_import({import_a}, 1, 1, 0, 0)"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            sql(roles["analyst"], f"SELECT routes.{function}")


def test_bulk_mode_is_chosen_for_large_imports(db, monkeypatch):
    """Bulk mode when the export has at least BULK_MIN_ROWS rows and at least half as many
    as the store holds routes (the decision is the store's size, never the data's content)."""
    write(db, *layers_of([route(i) for i in ids("r", range(40))]))
    sql(db, "ANALYZE routes.route_lines")
    monkeypatch.setattr(postgis, "BULK_MIN_ROWS", 10)
    chosen = {}
    for rows in (5, 15, 20, 60, None):
        with postgis.PostgisWriter(db, file_name="x.csv", file_sha256=SHA, expected_rows=rows) as writer:
            chosen[rows] = writer.bulk
    assert chosen == {5: False, 15: False, 20: True, 60: True, None: False}
    assert sql(db, "SELECT count(*) FROM routes.imports") == [(1,)]  # closed without commit: nothing recorded


def test_binary_copy_round_trips_every_kind_of_value(db):
    """pgcopy's binary COPY against the server: NULLs, empty and awkward text, integer and
    float extremes, NaN as NULL, points (-0.0 kept), lines of any length, an empty point."""
    from trafficking_routes.routes_plugin.core import pgcopy

    text = pd.Series(["", None, "tab\tnew\nline \\ back", "ü Mji wa Kale 🚌", "x" * 70_000, "a"], dtype=object)
    int2 = pd.array([0, None, -32768, 32767, 1, 1], dtype="Int64")
    int4 = pd.array([0, None, -2 ** 31, 2 ** 31 - 1, 7, 7], dtype="Int64")
    int8 = pd.array([0, None, -2 ** 63, 2 ** 63 - 1, 7, 7], dtype="Int64")
    flt = pd.Series([0.0, None, float("nan"), -1e308, 1.5, 2.5e-300])
    flt4 = pd.Series([0.0, None, float("nan"), -1e30, 1.5, 0.25])
    booleans = pd.array([True, None, False, True, True, False], dtype="boolean")
    geoms = np.array([shapely.Point(-0.0, 1.5), None, shapely.LineString([(0, 0), (1, 1), (2, 0)]),
                      shapely.LineString([(0, 0), (1, 1)]), shapely.Point(-0.0, 1.5), shapely.Point()], dtype=object)
    columns = [("text", text), ("int2", int2), ("int4", int4), ("int8", int8), ("float8", flt), ("float4", flt4),
               ("bool", booleans), ("geometry", geoms)]
    data = pgcopy.binary_copy(columns)
    with contextlib.closing(postgis.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE t (a text, b int2, c int4, d int8, e float8, f float4, g bool, h geometry)")
        cur.copy_expert("COPY t FROM STDIN (FORMAT binary)", io.BytesIO(data))
        cur.execute("SELECT a, b, c, d, e, f, g, encode(ST_AsEWKB(h, 'NDR'), 'hex') FROM t")
        got = cur.fetchall()
    assert [r[0] for r in got] == [None if v is None else v for v in text]
    assert [r[1] for r in got] == [None if pd.isna(v) else v for v in int2]
    assert [r[2] for r in got] == [None if pd.isna(v) else v for v in int4]
    assert [r[3] for r in got] == [None if pd.isna(v) else v for v in int8]
    assert [r[4] for r in got] == [0.0, None, None, -1e308, 1.5, 2.5e-300]
    assert [r[5] for r in got] == [0.0, None, None, pytest.approx(-1e30, rel=1e-6), 1.5, 0.25]
    assert [r[6] for r in got] == [True, None, False, True, True, False]
    expected = [None if g is None else shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True).lower()
                for g in geoms]
    assert [r[7] for r in got] == expected
    assert got[0][7] == expected[0] and "0000000000000080" in expected[0]  # the sign of -0.0 went through
    for udt, bad in (("int4", pd.array([2 ** 31], dtype="Int64")), ("int2", pd.Series([40_000])),
                     ("int4", pd.Series([2.5])), ("float4", pd.Series([1e300]))):
        with pytest.raises(pgcopy.CopyValueError, match="column 0"):
            pgcopy.binary_copy([(udt, bad)])


def test_contributor_sees_and_changes_only_its_own_rows(db, roles, bulk):
    register(db, org_a="Org A", org_b="Org B")
    a_routes = [route(i) for i in ids("r", range(0, 12))]
    b_routes = [route(i, variant=5) for i in ids("r", range(6, 20))]  # same ids r006..r011, another organisation
    write(roles["org_a"], *layers_of(a_routes, "a.csv"), file_name="a.csv", bulk=bulk)
    write(roles["org_b"], *layers_of(b_routes, "b.csv"), file_name="b.csv", bulk=bulk)
    # B re-imports in bulk: A's routes of the same ids and A's rejected rows stay as they were
    a_before = {t: sql(db, f"SELECT count(*) FROM routes.{t} WHERE organisation = 'Org A'")[0][0] for t in RAW}
    write(roles["org_b"], *layers_of(b_routes, "b.csv"), file_name="b.csv", bulk=bulk)
    assert {t: sql(db, f"SELECT count(*) FROM routes.{t} WHERE organisation = 'Org A'")[0][0] for t in RAW} \
        == a_before
    # the administrator sees both organisations; the shared ids are separate routes
    lines = postgis.read_layer(db, "route_lines")
    assert lines.groupby("organisation").size().to_dict() == {"Org A": 12, "Org B": 14}
    a_layers, _ = layers_of(a_routes, "a.csv")
    for table in RAW:
        seen = postgis.read_layer(roles["org_a"], table)
        assert_same(seen, a_layers[table], table)
        assert set(seen["organisation"]) == {"Org A"}
    assert set(postgis.read_layer(roles["org_a"], "imports")["organisation"]) == {"Org A"}
    assert sql(roles["org_a"], "SELECT * FROM routes.contributors") == [("routes_test_org_a", "Org A")]
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):  # places aggregates every organisation
        sql(roles["org_a"], "SELECT 1 FROM routes.places")
    # A cannot delete B's rows, nor import as B; an unregistered contributor cannot import at all
    assert sql(roles["org_a"], "DELETE FROM routes.route_lines WHERE organisation = 'Org B' RETURNING 1") == []
    assert sql(db, "SELECT count(*) FROM routes.route_lines WHERE organisation = 'Org B'")[0][0] == 14
    with pytest.raises(postgis.PostgisError, match="cannot import for 'Org B'"):
        write(roles["org_a"], *layers_of(a_routes), organisation="Org B")
    with pytest.raises(postgis.PostgisError, match="not registered"):
        write(roles["stranger"], *layers_of(a_routes))
    with pytest.raises(psycopg2.Error, match="row-level security"):
        sql(roles["org_a"], "INSERT INTO routes.imports (organisation, file_name, file_sha256, rows_in, rows_mapped, "
                            "rows_rejected, routes_written, routes_replaced) VALUES ('Org B', 'x', %s, 0, 0, 0, 0, 0)",
            (SHA,))


def test_references_are_checked_and_cascaded_per_statement(db, roles):
    """sql/004: a stop or leg needs its route and every row its import (checked
    once per statement, not per row); deleting a route deletes its points and
    legs, of that organisation only; a change that would orphan a row fails."""
    register(db, org_a="Org A", org_b="Org B")
    write(roles["org_a"], *layers_of([route(i) for i in ids("r", range(6))], "a.csv"), file_name="a.csv")
    write(roles["org_b"], *layers_of([route(i, variant=5) for i in ids("r", range(6))], "b.csv"), file_name="b.csv")
    import_a = sql(db, "SELECT import_id FROM routes.imports WHERE organisation = 'Org A'")[0][0]
    point = ("INSERT INTO routes.route_points (route_id, seq, geom, import_id, organisation) "
             "VALUES (%s, 99, ST_SetSRID(ST_Point(36.8, -1.3), 4326), %s, 'Org A')")
    leg = ("INSERT INTO routes.route_legs (route_id, leg_seq, geom, import_id, organisation) "
           "VALUES (%s, 99, ST_GeomFromText('LINESTRING(36 -1, 37 -2)', 4326), %s, 'Org A')")
    before = snapshot(db)
    for statement, params, what in ((point, ("no-such-route", import_a), "route reference"),
                                    (leg, ("no-such-route", import_a), "route reference"),
                                    (point, ("r000", import_a + 1000), "import reference")):
        with pytest.raises(psycopg2.errors.ForeignKeyViolation, match=what):
            sql(roles["org_a"], statement, params)
    with pytest.raises(psycopg2.errors.ForeignKeyViolation, match="import reference"):
        sql(db, "INSERT INTO routes.rejected_rows (import_id, organisation) VALUES (%s, 'Org A')", (import_a + 1000,))
    with pytest.raises(psycopg2.errors.ForeignKeyViolation, match="without their route"):
        sql(db, "UPDATE routes.route_lines SET route_id = 'renamed' WHERE organisation = 'Org A' AND route_id = 'r001'")
    with pytest.raises(psycopg2.errors.ForeignKeyViolation, match="without their import"):
        sql(db, "DELETE FROM routes.imports WHERE import_id = %s", (import_a,))
    assert snapshot(db) == before
    sql(roles["org_a"], point, ("r000", import_a))  # a valid row goes in

    def children(org, route_id):
        return [sql(db, f"SELECT count(*) FROM routes.{t} WHERE organisation = %s AND route_id = %s",
                    (org, route_id))[0][0] for t in ("route_points", "route_legs")]

    assert children("Org A", "r003")[0] > 0 and children("Org B", "r003")[0] > 0
    b_before = {t: sql(db, f"SELECT count(*) FROM routes.{t} WHERE organisation = 'Org B'")[0][0] for t in RAW}
    assert sql(roles["org_a"], "DELETE FROM routes.route_lines WHERE route_id IN ('r000', 'r003') RETURNING 1") \
        == [(1,), (1,)]
    assert children("Org A", "r000") == [0, 0] and children("Org A", "r003") == [0, 0]
    assert children("Org A", "r004")[0] > 0
    assert {t: sql(db, f"SELECT count(*) FROM routes.{t} WHERE organisation = 'Org B'")[0][0] for t in RAW} == b_before
    with pytest.raises(psycopg2.errors.ForeignKeyViolation, match="truncate table .imports. alone"):
        sql(db, "TRUNCATE routes.imports")
    sql(db, "TRUNCATE routes.route_lines")
    assert [sql(db, f"SELECT count(*) FROM routes.{t}")[0][0] for t in ("route_points", "route_legs")] == [0, 0]


def test_analyst_reads_only_suppressed_aggregates(db, roles):
    register(db, org_a="Org A", org_b="Org B")
    a_routes = [route(i) for i in ids("a", range(60))]
    b_routes = [route(i) for i in ids("b", range(45))]
    write(roles["org_a"], *layers_of(a_routes))
    write(roles["org_b"], *layers_of(b_routes))
    for table in (*RAW, "imports", "places", "contributors"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            sql(roles["analyst"], f"SELECT 1 FROM routes.{table} LIMIT 1")
    national, _ = layers_of(a_routes + b_routes)
    counts = ["routes", "n_origin", "n_transit", "n_destination", "n_exploitation", "cases_low", "cases_high"]
    for threshold in (5, 30, 0):
        sql(db, "UPDATE routes.settings SET value = %s WHERE key = 'suppress_below'", (str(threshold),))
        expected = suppression.suppress(national["places"], counts, threshold, suppression.DROP, key_column="routes")
        public = postgis.read_layer(roles["analyst"], "v_places_public")
        assert_same(public, expected[["place_key", *counts, "geometry"]], "places")
        assert not suppression.check_no_small_counts(public, counts, threshold)
        lines = national["route_lines"]
        flows = (lines.groupby(["origin_country", "final_country"])
                 .agg(routes=("route_id", "size"), cases_low=("cases_low", "sum"),
                      cases_high=("cases_high", lambda v: v.sum() if v.notna().all() else pd.NA))
                 .reset_index().rename(columns={"origin_country": "origin", "final_country": "destination"}))
        flows = suppression.suppress(flows, ["routes", "cases_low", "cases_high"], threshold, suppression.DROP)
        stored = postgis.read_layer(roles["analyst"], "v_flows_country")
        assert rows(stored, list(flows.columns), ["origin", "destination"]) == \
            rows(flows, list(flows.columns), ["origin", "destination"])
        assert (stored.geometry.notna()).all()
    assert len(postgis.read_layer(roles["analyst"], "v_regions_public")) > 0


# --------------------------------------------------------------- a killed importer ---

KILL_CHILD = """
import pickle, sys, time
sys.path.insert(0, sys.argv[1])
from trafficking_routes.routes_plugin.core import postgis

uri, phase, data = sys.argv[2], sys.argv[3], sys.argv[4]
with open(data, "rb") as fh:
    chunks, report = pickle.load(fh)


class PausingConnection:  # the writer's connection, stopping just before COMMIT
    def __init__(self, conn):
        self.conn = conn

    def commit(self):
        print("COMMIT", flush=True)
        time.sleep(120)  # the test kills this process here

    def __getattr__(self, name):
        return getattr(self.conn, name)


writer = postgis.PostgisWriter(uri, file_name="killed.csv", file_sha256="cd" * 32)
print("BACKEND", writer.conn.get_backend_pid(), flush=True)
if phase == "commit":
    writer.conn = PausingConnection(writer.conn)
for i, chunk in enumerate(chunks):
    for name in ("route_points", "route_legs", "route_lines"):
        writer.write(name, chunk[name])
    if phase == "copy" and i == 1:
        print("COPY", flush=True)  # rows of two chunks staged, more to come
        time.sleep(120)
writer.write("rejected_rows", chunks[0]["rejected_rows"])
writer.commit(report["rows_in"], report["rows_mapped"], report["rows_rejected"])
"""


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["copy", "commit"])
def test_killed_importer_leaves_the_database_as_before(db, tmp_path, phase):
    """SIGKILL an importer in the middle of staging rows (COPY), or after it has
    deleted the routes it replaces and inserted the new ones, just before COMMIT:
    PostgreSQL rolls the open transaction back; nothing of it remains."""
    import pickle
    import signal
    import sys
    import time

    write(db, *layers_of([route(i) for i in ids("r", range(40))]))  # the store already holds routes r000..r039
    before = snapshot(db)
    # the killed import would replace r020..r039 (changed) and add r040..r079
    parts = [range(20, 40), range(40, 60), range(60, 80)]
    chunks = [layers_of([route(i, variant=3) for i in ids("r", part)], "killed.csv")[0] for part in parts]
    _, report = layers_of([route(i, variant=3) for i in ids("r", range(20, 80))], "killed.csv")
    data = tmp_path / "chunks.pickle"
    data.write_bytes(pickle.dumps((chunks, report)))
    plugins = Path(os.environ.get("ROUTES_TEST_PLUGINS_DIR", REPO / "build" / "test-plugins"))
    proc = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(plugins), db, phase, str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    backend = None
    try:
        for line in proc.stdout:
            if line.startswith("BACKEND"):
                backend = int(line.split()[1])
            if line.strip() == phase.upper():
                break
        else:
            pytest.fail(f"the importer ended early: {proc.wait()} {proc.stderr.read()}")
        if phase == "commit":  # it really is in the middle: its transaction holds the replaced routes' rows
            locks = sql(db, "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory'", (backend,))
            assert locks[0][0] == 1
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    deadline = time.monotonic() + 60
    while sql(db, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (backend,))[0][0]:
        assert time.monotonic() < deadline, "the server kept the killed importer's session"
        time.sleep(0.2)
    assert snapshot(db) == before
    # nothing is left locked: the next import of the same routes goes through
    write(db, *layers_of([route(i, variant=3) for i in ids("r", range(20, 80))], "again.csv"), file_name="again.csv")
    assert len(postgis.read_layer(db, "route_lines")) == 80


@pytest.mark.parametrize("bulk", [False, True], ids=["streamed", "bulk"])
def test_cancelled_load_leaves_the_store_as_it_was(db, bulk, monkeypatch):
    """Cancelling the loader while chunks are still going in (the import thread busy) rolls
    the whole import back: rows, the import record and, in bulk mode, the dropped indexes."""
    from trafficking_routes.routes_plugin.core.loader import load_export

    sample = REPO / "routes_plugin" / "data" / "sample"
    write(db, *layers_of([route(i) for i in ids("r", range(10))]))
    before, defined = snapshot(db), indexes(db)
    real = postgis.PostgisWriter.__init__

    def init(self, *args, **kw):
        real(self, *args, **{**kw, "bulk": bulk})

    monkeypatch.setattr(postgis.PostgisWriter, "__init__", init)

    class Cancel:
        checks = 0

        def isCanceled(self):  # noqa: N802 (QGIS's name)
            self.checks += 1
            return self.checks > 12

        def setProgress(self, p):  # noqa: N802
            pass

    with pytest.raises(InterruptedError):
        load_export(sample / "kenya_routes_synthetic.csv", output=db, overrides=sample / "overrides.csv",
                    chunk_rows=40, feedback=Cancel())
    assert snapshot(db) == before and indexes(db) == defined
    assert sql(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'trafficking_routes' "
                   "AND state <> 'idle' AND pid <> pg_backend_pid()") == [(0,)]
    load_export(sample / "kenya_routes_synthetic.csv", output=db, overrides=sample / "overrides.csv", chunk_rows=40)
    assert sql(db, "SELECT count(*) FROM routes.imports") == [(2,)]
