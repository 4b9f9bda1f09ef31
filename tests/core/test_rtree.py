"""core/rtree.py: a bulk-loaded GeoPackage R*Tree is one SQLite accepts and
holds exactly the boxes SQLite stores when the entries are inserted one by one."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from trafficking_routes.routes_plugin.core import rtree


def _rtree(con, name):
    con.execute(f"CREATE VIRTUAL TABLE {name} USING rtree(id, minx, maxx, miny, maxy)")


@pytest.mark.parametrize("n", [0, 1, 51, 52, 2_600, 40_000])
def test_bulk_loaded_tree_is_valid_and_holds_the_same_boxes(n):
    rng = np.random.default_rng(n)
    lo = np.column_stack([rng.uniform(-180, 170, n), rng.uniform(-90, 80, n)])
    size = rng.exponential(0.5, (n, 2)) * (rng.random((n, 1)) < 0.7)  # points and boxes
    bounds = np.column_stack([lo, lo + size])  # minx, miny, maxx, maxy
    bounds[: n // 10] = np.round(bounds[: n // 10], 5)  # values float32 cannot hold exactly
    ids = rng.permutation(np.arange(1, n + 1) * 3)
    con = sqlite3.connect(":memory:")
    _rtree(con, "bulk")
    _rtree(con, "one_by_one")
    rtree.fill(con, "bulk", ids, rtree.boxes(bounds))
    con.executemany("INSERT INTO one_by_one VALUES (?, ?, ?, ?, ?)",
                    [(int(i), b[0], b[2], b[1], b[3]) for i, b in zip(ids, bounds)])
    assert con.execute("SELECT rtreecheck('bulk')").fetchone()[0] == "ok"
    rows = "SELECT id, minx, maxx, miny, maxy FROM {} ORDER BY id"
    assert con.execute(rows.format("bulk")).fetchall() == con.execute(rows.format("one_by_one")).fetchall()
    for _ in range(20):  # window queries find what a scan finds
        x, y = rng.uniform(-180, 180), rng.uniform(-90, 90)
        q = "SELECT id FROM {} WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ? ORDER BY id"
        args = (x, x + 20, y, y + 10)
        assert con.execute(q.format("bulk"), args).fetchall() == con.execute(q.format("one_by_one"), args).fetchall()
    # and SQLite keeps maintaining it: deletes and inserts after the bulk load
    con.execute("DELETE FROM bulk WHERE id % 2 = 0")
    con.executemany("INSERT INTO bulk VALUES (?, 1, 2, 3, 4)", [(-i,) for i in range(1, 200)])
    assert con.execute("SELECT rtreecheck('bulk')").fetchone()[0] == "ok"
    assert con.execute("SELECT count(*) FROM bulk").fetchone()[0] == int((ids % 2 == 1).sum()) + 199
