"""The one small-count suppression rule.

Every algorithm and export that publishes counts calls :func:`suppress`.
A count below the threshold is never published: it is blanked (set to
missing) or the whole row is dropped / merged into an "other" row, as the
caller chooses. A threshold of 0 turns suppression off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

import pandas as pd

DEFAULT_THRESHOLD = 5

#: What :func:`suppress` does with a row whose key count is below the threshold.
BLANK, DROP, MERGE = "blank", "drop", "merge"
MODES = (BLANK, DROP, MERGE)

OTHER_LABEL = "other (suppressed)"


def is_suppressed(value, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when ``value`` is a count that must not be published."""
    if threshold <= 0 or value is None or pd.isna(value):
        return False
    return 0 < float(value) < threshold


def suppress(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    mode: str = BLANK,
    key_column: str | None = None,
    label_columns: Iterable[str] = (),
) -> pd.DataFrame:
    """Apply the small-count rule to ``table`` and return a new table.

    ``count_columns`` are the published counts. ``key_column`` (default: the
    first count column) decides whether a whole row is small.

    - ``blank``: every count cell below the threshold becomes missing
      (other cells of the row are kept); with ``key_column`` given, a row
      whose key count is small has all its counts blanked (a large weight or
      case count must not reveal a small group).
    - ``drop``: rows whose key count is below the threshold are removed;
      remaining small cells are blanked.
    - ``merge``: small rows are summed into one row labelled
      :data:`OTHER_LABEL` in ``label_columns``; if the merged row is itself
      below the threshold, or would pin its rows to fewer than
      :data:`PROTECTION_VALUES` values (:func:`merge_protects`), it is
      dropped. Remaining small cells are blanked.

    A suppressed table carries the attribute ``attrs["suppressed_rows"]``
    (rows dropped or merged) and ``attrs["suppress_below"]``.
    """
    if mode not in MODES:
        raise ValueError(f"suppression mode must be one of {MODES}, not {mode!r}")
    count_columns = [c for c in count_columns if c in table.columns]
    out = table.copy()
    out.attrs["suppress_below"] = int(threshold)
    out.attrs["suppressed_rows"] = 0
    if threshold <= 0 or not count_columns or out.empty:
        return out
    key = key_column or count_columns[0]
    if mode in (DROP, MERGE) and key in out.columns:
        keyvals = pd.to_numeric(out[key], errors="coerce")
        # a key already withheld (NA, a complement) keeps its row: it is not small, only blank
        small = ((keyvals > 0) & (keyvals < threshold)).fillna(False).astype(bool)
        small_rows = out[small]
        out = out[~small]
        out.attrs["suppressed_rows"] = int(small.sum())
        if mode == MERGE and len(small_rows):
            merged = {c: pd.to_numeric(small_rows[c], errors="coerce").sum(min_count=1) for c in count_columns}
            if not is_suppressed(merged.get(key), threshold) and \
                    merge_protects(merged.get(key), int((keyvals[small] > 0).sum()), threshold):
                row = {c: None for c in out.columns}
                row.update(merged)
                for c in label_columns:
                    row[c] = OTHER_LABEL
                other = pd.DataFrame([row])
                # geometry and other non-label columns stay empty for the "other" row
                out = pd.concat([out, other.astype(out.dtypes.to_dict(), errors="ignore")], ignore_index=True)
        out.attrs["suppress_below"] = int(threshold)
        out.attrs["suppressed_rows"] = int(small.sum())
    row_small = None
    if key_column is not None and key in out.columns:  # a small key count hides the whole row's counts
        keyvals = pd.to_numeric(out[key], errors="coerce")
        row_small = ((keyvals > 0) & (keyvals < threshold)).fillna(False).to_numpy(dtype=bool)
    for c in count_columns:
        vals = pd.to_numeric(out[c], errors="coerce")
        mask = ((vals > 0) & (vals < threshold)).fillna(False).to_numpy(dtype=bool)
        if row_small is not None:
            mask = mask | row_small
        if mask.any():
            out[c] = vals.astype("Float64").mask(mask)
    return out


def merge_protects(total, parts: int, threshold: int) -> bool:
    """Whether an "other" row of ``total`` made of ``parts`` small rows keeps
    each of them to at least :data:`PROTECTION_VALUES` possible values for a
    reader who knows which rows were merged (another output of the run, or
    the disclosure log, lists them): each lies in [1, threshold − 1] and they
    add up to ``total``. E.g. 4 + 3 = 7 at threshold 5 pins both to 3 or 4."""
    if total is None or pd.isna(total) or parts <= 0 or threshold <= 0:
        return True
    t, k, s = int(threshold), int(parts), float(total)
    lo, hi = max(1.0, s - (k - 1) * (t - 1)), min(t - 1.0, s - (k - 1))
    return np.floor(hi) - np.ceil(lo) + 1 >= protection_width(t) + 1


def check_no_small_counts(table: pd.DataFrame, count_columns: Iterable[str], threshold: int) -> list[str]:
    """Return a description of every published count below ``threshold``
    (empty when the table is clean). Used by tests and by the export guard."""
    found = []
    if threshold <= 0:
        return found
    for c in count_columns:
        if c not in table.columns:
            continue
        vals = pd.to_numeric(table[c], errors="coerce")
        bad = vals[(vals > 0) & (vals < threshold)]
        found += [f"{c}[{i}]={v}" for i, v in bad.items()]
    return found


# ------------------------------------------------ complementary suppression ---
#
# Primary suppression (above) blanks every count below the threshold. Tables
# that also publish their totals need *complementary* (secondary) suppression:
# further cells withheld so that no blank can be worked back out of the
# published cells by sums and differences. The method (docs/privacy.md):
#
# 1. the singleton rule of sdcTable's SIMPLEHEURISTIC / tau-ARGUS: no
#    additive relation (a total and its parts) may hold exactly one withheld
#    cell; the cheapest publishable partner (smallest count, parts before
#    totals) is withheld with it, until no relation holds a single blank;
# 2. an audit by linear programming (scipy.optimize.linprog, HiGHS): for every
#    primary cell the smallest and largest value consistent with everything
#    published is computed; while a cell can be narrowed to fewer than
#    PROTECTION_VALUES integer values, the cheapest publishable cell sharing
#    a relation with it is withheld too and step 1 is repeated.
#
# The outsider assumed by step 2 knows every published cell, every relation,
# that each primary cell lies in [1, threshold - 1] (all of them at once) and
# that every other withheld cell is not negative; each complementary cell is
# also checked under the hypothesis that it alone is small (every other blank
# only not negative), so an outsider who cannot tell primary from
# complementary cells learns no small value either (what core/audit.py checks
# from the published tables alone). Every step is deterministic
# (ties broken by cell order), so the same data give the same pattern in
# every output of a run.

#: a withheld cell must keep at least this many possible integer values
PROTECTION_VALUES = 3
PRIMARY, COMPLEMENTARY = "primary", "complementary"
TOTAL_LABEL = "total"


def protection_width(threshold: int) -> int:
    """Width (max − min) the feasible range of a primary cell must keep: 2
    (3 integer values), or the whole a-priori range [1, threshold − 1] when
    that is narrower (threshold ≤ 3)."""
    return max(0, min(PROTECTION_VALUES - 1, int(threshold) - 2))


@dataclass
class Relations:
    """Linear relations between the ``n`` cells of a table set: ``eq``
    ``Σ coef·x = 0`` (a total and its parts) and ``le`` ``Σ coef·x ≤ 0``
    (a part of a total that its parts overlap in, a region within the nation)."""
    n: int
    eq: list = field(default_factory=list)
    le: list = field(default_factory=list)

    def add_sum(self, total: int, parts) -> None:
        """cell ``total`` = Σ cells ``parts``."""
        parts = [int(p) for p in parts]
        if parts:
            self.eq.append((np.array([int(total), *parts]), np.array([-1.0, *[1.0] * len(parts)])))

    def add_le(self, small: int, big: int) -> None:
        """cell ``small`` ≤ cell ``big``."""
        self.le.append((np.array([int(small), int(big)]), np.array([1.0, -1.0])))

    def add_at_least(self, total: int, parts) -> None:
        """Σ cells ``parts`` ≥ cell ``total`` (parts may overlap)."""
        parts = [int(p) for p in parts]
        self.le.append((np.array([int(total), *parts]), np.array([1.0, *[-1.0] * len(parts)])))

    def add_at_most(self, total: int, parts) -> None:
        """Σ cells ``parts`` ≤ cell ``total`` (disjoint parts of a total with more in it)."""
        parts = [int(p) for p in parts]
        if parts:
            self.le.append((np.array([*parts, int(total)]), np.array([*[1.0] * len(parts), -1.0])))

    def add_balance(self, left, right) -> None:
        """Σ cells ``left`` = Σ cells ``right``."""
        left, right = [int(i) for i in left], [int(i) for i in right]
        if left and right:
            self.eq.append((np.array([*left, *right]), np.array([*[1.0] * len(left), *[-1.0] * len(right)])))

    def offset(self, k: int) -> "Relations":
        """The same relations over cells shifted by ``k`` (to join table sets)."""
        return Relations(self.n, [(i + k, c) for i, c in self.eq], [(i + k, c) for i, c in self.le])

    def extend(self, other: "Relations") -> "Relations":
        """Relations of this set followed by ``other``'s cells."""
        o = other.offset(self.n)
        return Relations(self.n + other.n, self.eq + o.eq, self.le + o.le)

    def without_cells(self, bad: np.ndarray) -> "Relations":
        """Relations not touching a cell where ``bad`` (a value that is not a number)."""
        keep = lambda rel: [(i, c) for i, c in rel if not bad[i].any()]  # noqa: E731
        return Relations(self.n, keep(self.eq), keep(self.le))


def feasible_ranges(known, lower, upper, relations: Relations, targets) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of each cell in ``targets`` consistent with
    the published cells ``known`` (NaN = withheld), the a-priori bounds
    ``lower``/``upper`` of the withheld cells and ``relations``, by linear
    programming. ``inf`` when unbounded, NaN for both when the bounds
    contradict what is published (then the cell cannot be in its bounds)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    known = np.asarray(known, float)
    targets = np.asarray(targets, int)
    lo_out, hi_out = np.full(len(targets), np.nan), np.full(len(targets), np.nan)
    hidden = np.flatnonzero(np.isnan(known))
    if len(targets) == 0:
        return lo_out, hi_out
    var = np.full(len(known), -1)
    var[hidden] = np.arange(len(hidden))
    rows = []  # (kind, var indices, coefs, rhs)
    for kind, rels in (("eq", relations.eq), ("le", relations.le)):
        for idx, coef in rels:
            v = var[idx]
            h = v >= 0
            if not h.any():
                continue
            rhs = -float(np.dot(coef[~h], known[idx[~h]]))
            rows.append((kind, v[h], coef[h], rhs))
    nv = len(hidden)
    # connected components of variables linked by relations: each target is solved on its own component
    ri = [np.full(len(v), k) for k, (_, v, _, _) in enumerate(rows)]
    if rows:
        r = np.concatenate(ri)
        c = np.concatenate([v for _, v, _, _ in rows])
        g = coo_matrix((np.ones(len(r)), (r + nv, c)), shape=(nv + len(rows), nv + len(rows)))
        comp = connected_components(g, directed=False)[1]
    else:
        comp = np.arange(nv)
    lb, ub = np.asarray(lower, float)[hidden], np.asarray(upper, float)[hidden]
    row_comp = np.array([comp[nv + k] for k in range(len(rows))], int)
    cache: dict[int, tuple] = {}
    constrained = set(row_comp.tolist())
    for t_i, cell in enumerate(targets):
        v0 = var[cell]
        if v0 < 0:  # published: its range is its value
            lo_out[t_i] = hi_out[t_i] = known[cell]
            continue
        cid = comp[v0]
        if cid not in constrained:  # in no relation: its a-priori bounds
            if lb[v0] <= ub[v0]:
                lo_out[t_i], hi_out[t_i] = lb[v0], ub[v0]
            continue
        if cid not in cache:
            members = np.flatnonzero(comp[:nv] == cid)
            local = np.full(nv, -1)
            local[members] = np.arange(len(members))
            parts = {"eq": ([], [], [], []), "le": ([], [], [], [])}
            for k in np.flatnonzero(row_comp == cid):
                kind, v, coef, rhs = rows[k]
                rr, cc, vv, bb = parts[kind]
                rr += [len(bb)] * len(v)
                cc += list(local[v])
                vv += list(coef)
                bb.append(rhs)
            mats = {}
            for kind, (rr, cc, vv, bb) in parts.items():
                mats[kind] = (coo_matrix((vv, (rr, cc)), shape=(len(bb), len(members))).tocsr(), np.array(bb)) \
                    if bb else (None, None)
            bounds = list(zip(lb[members], np.where(np.isinf(ub[members]), None, ub[members])))
            cache[cid] = (local, mats, bounds, len(members))
        local, mats, bounds, m = cache[cid]
        out = []
        for sign in (1.0, -1.0):
            cvec = np.zeros(m)
            cvec[local[v0]] = sign
            res = linprog(cvec, A_ub=mats["le"][0], b_ub=mats["le"][1], A_eq=mats["eq"][0], b_eq=mats["eq"][1],
                          bounds=bounds, method="highs")
            if res.status == 2:  # infeasible
                out = [np.nan, np.nan]
                break
            out.append(sign * res.fun if res.status == 0 else sign * np.inf)
        lo_out[t_i], hi_out[t_i] = out
    return lo_out, hi_out


def integer_values(lo, hi) -> np.ndarray:
    """Number of integers in each [lo, hi] (``inf`` when unbounded, 0 when empty/NaN)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    with np.errstate(invalid="ignore"):
        n = np.floor(hi + 1e-6) - np.ceil(lo - 1e-6) + 1
    return np.where(np.isnan(n), 0, np.maximum(n, 0))


@dataclass
class Protection:
    """Result of :func:`protect`: masks over the cells of a table set."""
    withheld: np.ndarray
    primary: np.ndarray
    threshold: int
    lower: dict = field(default_factory=dict)  #: measure -> feasible minimum of each primary cell (NaN elsewhere)
    upper: dict = field(default_factory=dict)

    @property
    def complementary(self) -> np.ndarray:
        return self.withheld & ~self.primary

    def counts(self) -> dict:
        return {PRIMARY: int(self.primary.sum()), COMPLEMENTARY: int(self.complementary.sum())}

    def subset(self, mask) -> "Protection":
        """The same protection restricted to the cells where ``mask`` (one table of a set)."""
        mask = np.asarray(mask, bool)
        return Protection(self.withheld[mask], self.primary[mask], self.threshold,
                          {m: v[mask] for m, v in self.lower.items()}, {m: v[mask] for m, v in self.upper.items()})


def _small(v, threshold):
    with np.errstate(invalid="ignore"):
        return (v > 0) & (v < threshold)


def _attack(vals, withheld, threshold, relations):
    """(cells, lo, hi) of the withheld cells of one measure under the outsider of step 2:
    the primary cells all at once in [1, threshold − 1]; each other withheld
    cell under the hypothesis that it is small too (infeasible = NaN: it
    cannot be, so nothing small is learnt)."""
    small = _small(vals, threshold)
    known = np.where(withheld, np.nan, vals)
    lower = np.zeros(len(vals))
    upper = np.full(len(vals), np.inf)
    lower[small], upper[small] = 1.0, threshold - 1.0
    cells = np.flatnonzero(small & withheld)
    lo, hi = feasible_ranges(known, lower, upper, relations, cells)
    others = np.flatnonzero(withheld & ~small & ~np.isnan(vals))
    lo2, hi2 = _alone(vals, withheld, threshold, relations, others)
    return np.r_[cells, others].astype(int), np.r_[lo, lo2], np.r_[hi, hi2]


def _alone(vals, withheld, threshold, relations, cells):
    """(lo, hi) of each withheld cell in ``cells`` under the outsider of core/audit.py:
    only that cell assumed small, every other withheld cell merely not negative."""
    known = np.where(withheld, np.nan, vals)
    lo, hi = np.full(len(cells), np.nan), np.full(len(cells), np.nan)
    for j, c in enumerate(cells):
        lw, up = np.zeros(len(vals)), np.full(len(vals), np.inf)
        lw[c], up[c] = 1.0, threshold - 1.0
        lo[j], hi[j] = feasible_ranges(known, lw, up, relations, [c])
    return lo, hi


def protect(values, relations: Relations, threshold: int = DEFAULT_THRESHOLD, cost=None,
            never=None, max_rounds: int = 10_000, primary=None, force=None,
            batch: bool = False) -> Protection:
    """Primary and complementary suppression of a table set.

    ``values``: one array of cell values, or {measure: array} of several
    measures sharing one suppression pattern (routes and cases of the same
    cells: a cell is withheld in every measure or in none). The first
    measure's value is the default ``cost`` of withholding a cell (the
    cheapest is withheld first; totals should be given a higher cost).
    ``never``: cells that must stay published if at all possible.
    ``primary``: further cells withheld by the primary rule (the cells of a
    row dropped because its key count is small). ``force``: cells withheld as
    complementary from the start (a caller's further check asked for them).
    ``batch``: each round gives every cell still narrowed a partner (instead
    of the first only): fewer rounds on large tables, a few more cells withheld.
    NaN values (no estimate) are left out of the relations of their measure."""
    if not isinstance(values, dict):
        values = {"value": values}
    vals = {m: np.asarray(pd.to_numeric(pd.Series(np.asarray(v, dtype=object)), errors="coerce"), float)
            for m, v in values.items()}
    n = relations.n
    first = next(iter(vals.values())) if vals else np.zeros(n)
    extra = np.zeros(n, bool) if primary is None else np.asarray(primary, bool)
    primary = np.zeros(n, bool)
    if threshold > 0:
        for v in vals.values():
            primary |= _small(v, threshold)
        primary |= extra
    withheld = primary.copy()
    prot = Protection(withheld, primary, int(threshold))
    if threshold <= 0 or not primary.any():
        return prot
    cost = np.nan_to_num(np.asarray(first if cost is None else cost, float), nan=np.inf)
    eligible = ~primary & (np.nan_to_num(first, nan=0) >= threshold)
    if force is not None:
        withheld |= np.asarray(force, bool) & eligible
    if never is not None:
        cost = cost + np.where(np.asarray(never, bool), 1e12, 0)
    rels = {m: relations.without_cells(np.isnan(v)) for m, v in vals.items()}
    members: list[set] = [set() for _ in range(n)]  # relations (as index arrays) each cell is in
    allrel = [idx for idx, _ in relations.eq] + [idx for idx, _ in relations.le]
    for k, idx in enumerate(allrel):
        for i in idx:
            members[i].add(k)
    width = protection_width(threshold)
    # a primary cell still narrow with every other cell withheld is narrowed by the a-priori
    # bounds and the table's shape alone (a node of 4 routes with 4 flows: each flow is 1):
    # no complement can widen it, so it does not ask for any (else every cell is withheld)
    # That outsider (every primary cell small at once) is stronger than the one of core/audit.py
    # (only the cell looked at small): a cell hopeless for the first, in a row whose total is small
    # too, is still checked against the second, whom the complements can always defeat.
    narrow = lambda lo, hi: (integer_values(lo, hi) < width + 1) & ~np.isnan(lo)  # noqa: E731
    hopeless, check_alone = {}, {}
    everything = withheld | eligible
    for m, v in vals.items():
        cells, lo, hi = _attack(v, everything, threshold, rels[m])
        hopeless[m] = set(cells[narrow(lo, hi)].tolist())
        alone = np.array(sorted(c for c in hopeless[m] if primary[c] and not np.isnan(v[c])), int)
        lo, hi = _alone(v, everything, threshold, rels[m], alone)
        check_alone[m] = alone[~narrow(lo, hi)]

    def cheapest(cands):
        cands = [c for c in cands if eligible[c] and not withheld[c]]
        return min(cands, key=lambda c: (cost[c], c)) if cands else None

    def singletons():
        changed = True
        while changed:
            changed = False
            for idx, _ in relations.eq:
                w = withheld[idx]
                if w.sum() == 1:
                    c = cheapest(idx)
                    if c is not None:
                        withheld[c] = True
                        changed = True

    for _ in range(max_rounds):
        singletons()
        failing = []
        for m, v in vals.items():
            cells, lo, hi = _attack(v, withheld, threshold, rels[m])
            prot.lower[m], prot.upper[m] = np.full(n, np.nan), np.full(n, np.nan)
            prot.lower[m][cells], prot.upper[m][cells] = lo, hi
            failing += [c for c in cells[narrow(lo, hi)].tolist() if c not in hopeless[m]]
            if len(check_alone[m]):
                lo, hi = _alone(v, withheld, threshold, rels[m], check_alone[m])
                failing += check_alone[m][narrow(lo, hi)].tolist()
        if not failing:
            break
        added = False
        for cell in sorted(set(failing)) if batch else [min(failing)]:
            # the cheapest publishable cell sharing a relation with it, else with a withheld neighbour
            near = {int(i) for k in members[cell] for i in allrel[k]}
            c = cheapest(near)
            if c is None:
                wider = {int(i) for j in near if withheld[j] for k in members[j] for i in allrel[k]}
                c = cheapest(wider)
            if c is None:  # nothing left to withhold around it: withhold every cell it is related to
                rest = [i for i in near if not withheld[i]]
                if rest:
                    withheld[rest] = added = True
            else:
                withheld[c] = added = True
        if not added:
            break
    prot.withheld = withheld
    return prot


# ---------------------------------------------------------- cross tables ---

def cross_table_cells(long: pd.DataFrame, row_field: str, col_field: str, measures) -> tuple[pd.DataFrame, Relations]:
    """The cells of a long cross table with its totals added (rows whose
    ``col_field`` or ``row_field`` is :data:`TOTAL_LABEL`), and the relations
    "row total = Σ its cells", "column total = Σ its cells", "grand total =
    Σ row totals = Σ column totals". Totals add up the cells, so an item
    counted under two columns counts twice in its row total."""
    body = long[~((long[row_field] == TOTAL_LABEL) | (long[col_field] == TOTAL_LABEL))].reset_index(drop=True)
    nums = {m: pd.to_numeric(body[m], errors="coerce") for m in measures}

    def total(groupby):
        g = pd.DataFrame(nums).groupby(groupby, sort=True)
        t = g.sum(min_count=1)
        for m in measures:  # a total of cells one of which has no value has none either
            t.loc[g[m].count() < g.size(), m] = np.nan
        return t

    rows = total(body[row_field]).reset_index().assign(**{col_field: TOTAL_LABEL})
    cols = total(body[col_field]).reset_index().assign(**{row_field: TOTAL_LABEL})
    grand = total(pd.Series(0, index=body.index)).reset_index(drop=True)
    grand[row_field], grand[col_field] = TOTAL_LABEL, TOTAL_LABEL
    cells = pd.concat([body, rows, cols, grand], ignore_index=True)
    for m in measures:
        if m in long.columns and pd.api.types.is_integer_dtype(long[m].dtype):
            cells[m] = pd.to_numeric(cells[m]).round().astype("Int64")
    rel = Relations(len(cells))
    pos = {(r, c): i for i, (r, c) in enumerate(zip(cells[row_field], cells[col_field]))}
    body_rows = cells.index[: len(body)]
    for r, idx in body.groupby(row_field, sort=True).groups.items():
        rel.add_sum(pos[(r, TOTAL_LABEL)], body_rows[idx])
    for c, idx in body.groupby(col_field, sort=True).groups.items():
        rel.add_sum(pos[(TOTAL_LABEL, c)], body_rows[idx])
    if len(body):
        g = pos[(TOTAL_LABEL, TOTAL_LABEL)]
        rel.add_sum(g, [pos[(r, TOTAL_LABEL)] for r in sorted(body[row_field].unique())])
        rel.add_sum(g, [pos[(TOTAL_LABEL, c)] for c in sorted(body[col_field].unique())])
    return cells, rel


def withhold(table: pd.DataFrame, mask, columns) -> pd.DataFrame:
    """``table`` with ``columns`` blank where ``mask``."""
    out = table.copy()
    mask = np.asarray(mask, bool)
    for c in columns:
        if c in out.columns:
            col = out[c]
            if not (pd.api.types.is_float_dtype(col.dtype) or str(col.dtype) in ("Int64", "Float64")):
                col = pd.to_numeric(col, errors="coerce").astype("Float64")
            out[c] = col.mask(mask)
    return out


def protect_cross_table(long: pd.DataFrame, row_field: str, col_field: str, measures,
                        threshold: int = DEFAULT_THRESHOLD, table_name: str = "") -> pd.DataFrame:
    """A long cross table with its totals and primary + complementary
    suppression (the measures share one pattern). The result carries
    ``attrs["disclosure"]`` (see :func:`disclosure_entry`)."""
    measures = [m for m in measures if m in long.columns]
    cells, rel = cross_table_cells(long, row_field, col_field, measures)
    is_total = ((cells[row_field] == TOTAL_LABEL) | (cells[col_field] == TOTAL_LABEL)).to_numpy()
    first = pd.to_numeric(cells[measures[0]], errors="coerce").to_numpy(float) if measures else np.zeros(len(cells))
    cost = np.nan_to_num(first, nan=np.inf) + np.where(is_total, 1e6, 0)  # withhold inner cells before totals
    prot = protect({m: cells[m] for m in measures}, rel, threshold, cost=cost)
    out = withhold(cells, prot.withheld, measures)
    out.attrs["suppress_below"] = int(threshold)
    out.attrs["disclosure"] = [disclosure_entry(table_name or f"{row_field} × {col_field}", cells, prot,
                                                [row_field, col_field], measures)]
    return out


def disclosure_entry(table: str, cells: pd.DataFrame, prot: Protection, keys, measures) -> dict:
    """What was withheld in one table: counts by primary and complementary
    suppression and the withheld cells (keys only; never values, and never
    which of them is primary, which would help an outsider)."""
    w = np.asarray(prot.withheld, bool)
    withheld = [" | ".join(map(str, k)) for k in cells.loc[w, list(keys)].itertuples(index=False)]
    return {"table": table, "threshold": int(prot.threshold), "cells": int(len(cells)),
            "measures": list(measures), PRIMARY: int(prot.primary.sum()),
            COMPLEMENTARY: int(prot.complementary.sum()), "withheld_cells": sorted(withheld)}


def primary_entry(table: str, raw: pd.DataFrame, published: pd.DataFrame, id_column: str, keys, measures,
                  threshold: int) -> dict:
    """:func:`disclosure_entry` of a table under primary suppression only (no
    totals published, so nothing complementary): every row of ``raw`` whose
    id is not among the published rows, or whose published counts are blank
    where ``raw`` has a number, is a withheld cell (counted once per row)."""
    measures = [m for m in measures if m in raw.columns]
    pub = published.drop_duplicates(id_column).set_index(id_column) if len(published) else published
    gone = ~raw[id_column].isin(pub.index) if len(published) else pd.Series(True, index=raw.index)
    blanked = pd.Series(False, index=raw.index)
    for m in measures:
        if m in pub.columns:
            p = pub[m].reindex(raw[id_column]).to_numpy()
            blanked |= pd.isna(p) & raw[m].notna().to_numpy() & ~gone.to_numpy()
    hidden = (gone | blanked).to_numpy() if threshold > 0 else np.zeros(len(raw), bool)
    prot = Protection(hidden, hidden.copy(), int(threshold))
    return disclosure_entry(table, raw.astype({k: str for k in keys if k in raw.columns}), prot,
                            [k for k in keys if k in raw.columns], measures)


def shares_withheld(table: pd.DataFrame, count_column: str, share_columns, original: pd.DataFrame | None = None):
    """Shares (and indexes) next to a withheld count are withheld too: blank
    ``share_columns`` where ``count_column`` is blank in ``table`` but was a
    number in ``original`` (default: blank wherever the count is blank)."""
    hidden = table[count_column].isna()
    if original is not None:
        hidden &= original[count_column].notna()
    return withhold(table, hidden.to_numpy(), share_columns)


# ------------------------------------------------------------ flow tables ---

#: the node margins of a flow table (core/flows.py's node columns)
NODE_MARGINS = {"routes": "routes", "out": "routes_out", "in": "routes_in", "internal": "routes_internal"}


def flow_relations(rel: Relations, flow_ends, flow_cells, nodes: dict, journey: bool = True, directed: bool = True,
                   residual: dict | None = None) -> Relations:
    """Add to ``rel`` what an outsider knows of a flow table and its node margins.

    ``flow_ends``: (origin, destination) node per flow, ``flow_cells`` its
    cell; ``nodes``: {node: {"routes"|"out"|"in"|"internal": cell}} (a margin
    left out is not published). ``residual``: {node: {"out"|"in"|"touch": cell}},
    cells standing for the flows of a node that are not published at all
    (dropped rows: the outsider sees only the gap in the margins).

    Journeys (each route is one flow): out = Σ flows from the node, in = Σ
    flows into it (undirected: out + in = Σ flows touching it); legs (a route
    has several legs): each flow ≤ its margins ≤ Σ its flows. Always: the
    node's routes = out + in + internal (legs: ≤, and ≥ each of them) and ≥
    the flows touching it (journeys: their sum), which also holds for cases."""
    residual = residual or {}
    frm, to, touch = {}, {}, {}
    for (o, d), c in zip(flow_ends, flow_cells):
        frm.setdefault(o, []).append(int(c))
        to.setdefault(d, []).append(int(c))
        touch.setdefault(o, []).append(int(c))
        touch.setdefault(d, []).append(int(c))
    for node, m in nodes.items():
        res = residual.get(node, {})
        sides = (("out", frm), ("in", to)) if directed else ()
        for side, parts in sides:
            if side not in m:
                continue
            flows_here = parts.get(node, []) + ([res[side]] if side in res else [])
            if journey:
                rel.add_sum(m[side], flows_here)
            else:
                for c in parts.get(node, []):
                    rel.add_le(c, m[side])
                if flows_here:
                    rel.add_at_least(m[side], flows_here)
        if not directed:
            around = touch.get(node, []) + ([res["touch"]] if "touch" in res else [])
            if journey and "out" in m and "in" in m:
                rel.add_balance([m["out"], m["in"]], around)
            elif not journey and around:
                for side in ("out", "in"):
                    if side in m:
                        rel.add_at_least(m[side], around)
        if "routes" in m:
            if journey:
                rel.add_at_most(m["routes"], touch.get(node, []))
            else:
                for c in touch.get(node, []):
                    rel.add_le(c, m["routes"])
            parts = [m[k] for k in ("out", "in", "internal") if k in m]
            if len(parts) == 3:
                if journey:
                    rel.add_sum(m["routes"], parts)
                else:
                    rel.add_at_least(m["routes"], parts)
                    for p in parts:
                        rel.add_le(p, m["routes"])
    return rel
