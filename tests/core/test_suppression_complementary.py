"""Complementary suppression (core/suppression.py): cross tables with totals whose blanks cannot be worked back.

Each protected table is audited by an independent LP set up here from the published table alone (not
through suppression.feasible_ranges), and primary suppression alone is shown to be exposed (the check can fail).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from trafficking_routes.routes_plugin.core import suppression as s

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def long_table(matrix):
    rows = [(f"r{i}", f"c{j}", int(v)) for i, row in enumerate(matrix) for j, v in enumerate(row) if v > 0]
    return pd.DataFrame(rows, columns=["a", "b", "routes"])


def independent_ranges(pub: pd.DataFrame, threshold: int):
    """min/max of each blank inner or total cell from the published long table with totals, by a fresh LP:
    every blank in [0, inf) except the audited one in [1, threshold - 1]."""
    cells = list(zip(pub["a"], pub["b"]))
    val = dict(zip(cells, pd.to_numeric(pub["routes"]).astype(float)))
    hidden = [c for c in cells if np.isnan(val[c])]
    col = {c: i for i, c in enumerate(hidden)}
    A, b = [], []
    inner = [c for c in cells if "total" not in c]
    groups = [((r, "total"), [c for c in inner if c[0] == r]) for r in {c[0] for c in inner}]
    groups += [(("total", k), [c for c in inner if c[1] == k]) for k in {c[1] for c in inner}]
    groups += [(("total", "total"), [c for c in cells if c[1] == "total" and c[0] != "total"]),
               (("total", "total"), [c for c in cells if c[0] == "total" and c[1] != "total"])]
    for tot, parts in groups:
        row, rhs = np.zeros(len(hidden)), 0.0
        for c, coef in [(tot, -1.0)] + [(p, 1.0) for p in parts]:
            if c in col:
                row[col[c]] += coef
            else:
                rhs -= coef * val[c]
        if row.any():
            A.append(row)
            b.append(rhs)
    out = {}
    for c in hidden:
        bounds = [(1, threshold - 1) if h == c else (0, None) for h in hidden]
        res = []
        for sign in (1, -1):
            obj = np.zeros(len(hidden))
            obj[col[c]] = sign
            r = linprog(obj, A_eq=np.array(A) if A else None, b_eq=np.array(b) if b else None, bounds=bounds,
                        method="highs")
            res.append(None if r.status == 2 else (sign * r.fun if r.status == 0 else sign * np.inf))
        out[c] = res
    return out


def n_values(lo, hi):
    return np.floor(hi + 1e-6) - np.ceil(lo - 1e-6) + 1


def test_totals_added_and_small_cell_protected():
    long = long_table([[3, 20, 0], [15, 12, 0], [0, 40, 25]])
    pub = s.protect_cross_table(long, "a", "b", ["routes"], 10)
    tot = pub.set_index(["a", "b"])["routes"]
    assert tot[("total", "total")] == 115 and tot[("r2", "total")] == 65 and tot[("total", "c1")] == 72
    assert pd.isna(tot[("r0", "c0")])  # primary
    assert pub["routes"].isna().sum() >= 4  # a blank rectangle at least
    e = pub.attrs["disclosure"][0]
    assert e["primary"] == 1 and e["complementary"] >= 3 and "r0 | c0" in e["withheld_cells"]
    for lo_hi in independent_ranges(pub, 10).values():
        if lo_hi[0] is not None:
            assert n_values(*lo_hi) >= 3


def test_primary_suppression_alone_is_exposed():
    """Without complementary cells a row total gives the blank away: the audit must say so."""
    long = long_table([[3, 20], [15, 12]])
    cells, rel = s.cross_table_cells(long, "a", "b", ["routes"])
    primary_only = s.suppress(cells, ["routes"], 10)
    lo, hi = independent_ranges(primary_only, 10)[("r0", "c0")]
    assert lo == hi == 3


@st.composite
def matrices(draw):
    n, m = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    cell = st.one_of(st.just(0), st.integers(1, 9), st.integers(10, 60))
    return [[draw(cell) for _ in range(m)] for _ in range(n)]


@SETTINGS
@given(matrices(), st.sampled_from([3, 5, 10]))
def test_no_blank_narrowed_below_three_values(matrix, threshold):
    long = long_table(matrix)
    if long.empty:
        return
    pub = s.protect_cross_table(long, "a", "b", ["routes"], threshold)
    truth = s.cross_table_cells(long, "a", "b", ["routes"])[0]
    t = dict(zip(zip(truth["a"], truth["b"]), truth["routes"]))
    p = dict(zip(zip(pub["a"], pub["b"]), pub["routes"]))
    # published cells are the truth; every small count is blank
    assert all(pd.isna(p[k]) or p[k] == v for k, v in t.items())
    assert all(pd.isna(p[k]) for k, v in t.items() if 0 < v < threshold)
    need = s.protection_width(threshold) + 1
    for (lo, hi) in independent_ranges(pub, threshold).values():
        assert lo is None or n_values(lo, hi) >= need


def test_several_measures_share_one_pattern():
    long = long_table([[12, 20], [15, 12]])
    long["cases_low"] = [4, 30, 20, 18]  # a small case count in an otherwise large cell
    pub = s.protect_cross_table(long, "a", "b", ["routes", "cases_low"], 10)
    assert (pub["routes"].isna() == pub["cases_low"].isna()).all()
    assert pub.set_index(["a", "b"])["routes"].isna()[("r0", "c0")]


def test_deterministic_pattern():
    long = long_table([[3, 20, 11], [15, 12, 30], [2, 40, 25]])
    a = s.protect_cross_table(long, "a", "b", ["routes"], 10)
    b = s.protect_cross_table(long.sample(frac=1, random_state=1), "a", "b", ["routes"], 10)
    key = lambda t: set(zip(t.loc[t.routes.isna(), "a"], t.loc[t.routes.isna(), "b"]))  # noqa: E731
    assert key(a) == key(b)


def test_threshold_zero_publishes_everything_with_totals():
    pub = s.protect_cross_table(long_table([[1, 2]]), "a", "b", ["routes"], 0)
    assert pub["routes"].notna().all() and ("total", "total") in set(zip(pub.a, pub.b))


def test_protection_width():
    assert [s.protection_width(t) for t in (0, 2, 3, 4, 5, 10)] == [0, 0, 1, 2, 2, 2]


def test_shares_withheld_with_their_counts():
    t = pd.DataFrame({"routes": [pd.NA, 12], "share": [3.0, 12.0]}).astype({"routes": "Int64"})
    out = s.shares_withheld(t, "routes", ["share"])
    assert out["share"].isna().tolist() == [True, False]
