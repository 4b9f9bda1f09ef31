"""Disclosure audit of the published outputs of one run (QGIS-free).

What an outsider knows is set up from the published tables alone:

- every published cell;
- the additive relations the tables state: in a cross table (long, with
  rows whose key is ``total``, or wide, with a ``total`` column and row)
  each row and column adds up to its total and the totals to the grand
  total; in the regional summary (a ``region`` column with a ``total`` row)
  each kind's count is at most the region's ``any`` count and at most the
  national count, and the regions add up to at least the national count;
- the same figure published in two outputs is one unknown (the wide and the
  long form of a cross table, the same table written twice);
- that a withheld cell is not negative, and — for the cell audited — that it
  may be one of the small counts, in [1, threshold − 1] (zeros are published).

For every withheld cell :func:`audit_frames` computes by linear programming
(:func:`suppression.feasible_ranges`, ``scipy.optimize.linprog``) the
smallest and largest value it can take; a cell that could be small but is
narrowed to fewer than :data:`suppression.PROTECTION_VALUES` integer values
is *exposed*. A cell that cannot be below the threshold at all (a
complementary cell whose relations force it up) is reported ``not small``:
learning that discloses no small count.

Tables without published totals (flows, crossings, breakdown lists, grid
cells) give an outsider no relation: their blanks keep the whole a-priori
range and are audited as such.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import texts
from .suppression import (DEFAULT_THRESHOLD, NODE_MARGINS, OTHER_LABEL, PROTECTION_VALUES, TOTAL_LABEL, Relations,
                          feasible_ranges, flow_relations, integer_values, protection_width)

MEASURES = ("routes", "cases_low", "cases_high")
KINDS = ("any", "origin", "transit", "end")
PROTECTED, EXPOSED, NOT_SMALL, UNRELATED = "protected", "exposed", "not small", "no relation"
AUDIT_COLUMNS = ["output", "table", "measure", "row", "column", "min", "max", "values", "status"]


@dataclass
class Knowledge:
    """Cells (one row per distinct figure: table, measure, row, column), their
    published value (NaN = withheld), where they were published and the relations."""
    cells: pd.DataFrame
    relations: Relations


class _Builder:
    def __init__(self):
        self.keys: dict[tuple, int] = {}
        self.value: list[float] = []
        self.where: list[set] = []
        self.target: list[bool] = []
        self.eq: list = []
        self.le: list = []

    def cell(self, output, key, value, target: bool = True) -> int:
        """Index of figure ``key``; a figure withheld in one output and published
        in another is published (the outsider reads both). ``target``: a
        withheld figure that is audited (not a mere unknown of the relations)."""
        v = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        v = np.nan if pd.isna(v) else float(v)
        i = self.keys.get(key)
        if i is None:
            i = self.keys[key] = len(self.value)
            self.value.append(v)
            self.where.append({output})
            self.target.append(target)
        else:
            self.where[i].add(output)
            if np.isnan(self.value[i]):
                self.value[i] = v
        return i

    def add_sum(self, total, parts):
        if parts:
            self.eq.append((np.array([total, *parts]), np.array([-1.0, *[1.0] * len(parts)])))

    def knowledge(self) -> Knowledge:
        keys = list(self.keys)
        cells = pd.DataFrame(keys, columns=["table", "measure", "row", "column"])
        cells["value"] = self.value
        cells["output"] = ["; ".join(sorted(w)) for w in self.where]
        cells["target"] = self.target
        return Knowledge(cells, Relations(len(cells), self.eq, self.le))


# ------------------------------------------------------------ recognising ---

def _label_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]


def _long_cross_fields(frame: pd.DataFrame):
    """(row_field, col_field) of a long cross table with totals, else None."""
    labels = [c for c in _label_columns(frame) if not c.endswith("_name") and c not in ("geometry",)]
    with_total = [c for c in labels if (frame[c].astype(str) == TOTAL_LABEL).any()]
    if len(with_total) >= 2 and any(m in frame.columns for m in MEASURES):
        return with_total[0], with_total[1]
    return None


def _is_wide_cross(frame: pd.DataFrame) -> bool:
    return (TOTAL_LABEL in frame.columns and len(frame.columns) >= 2
            and (frame[frame.columns[0]].astype(str) == TOTAL_LABEL).any())


def _is_regions(frame: pd.DataFrame) -> bool:
    return "region" in frame.columns and "routes_any" in frame.columns and \
        (frame["region"].astype(str) == TOTAL_LABEL).any()


def _add_cross(b: _Builder, output: str, table: str, measure: str, rows, cols, values):
    """Cells (row, col, value) of one cross table measure and its relations."""
    idx = {}
    for r, c, v in zip(rows, cols, values):
        idx[(str(r), str(c))] = b.cell(output, (table, measure, str(r), str(c)), v)
    inner = [(r, c) for r, c in idx if TOTAL_LABEL not in (r, c)]
    row_items = sorted({r for r, _ in inner})
    col_items = sorted({c for _, c in inner})
    for r in row_items:
        if (r, TOTAL_LABEL) in idx:
            b.add_sum(idx[(r, TOTAL_LABEL)], [idx[k] for k in inner if k[0] == r])
    for c in col_items:
        if (TOTAL_LABEL, c) in idx:
            b.add_sum(idx[(TOTAL_LABEL, c)], [idx[k] for k in inner if k[1] == c])
    g = idx.get((TOTAL_LABEL, TOTAL_LABEL))
    if g is not None:
        b.add_sum(g, [idx[(r, TOTAL_LABEL)] for r in row_items if (r, TOTAL_LABEL) in idx])
        b.add_sum(g, [idx[(TOTAL_LABEL, c)] for c in col_items if (TOTAL_LABEL, c) in idx])


def _add_regions(b: _Builder, output: str, frame: pd.DataFrame):
    regions = frame["region"].astype(str).tolist()
    for m in MEASURES:
        if f"{m}_any" not in frame.columns:
            continue
        cell = {(r, k): b.cell(output, ("regional summary", m, r, k), v)
                for k in KINDS if f"{m}_{k}" in frame.columns for r, v in zip(regions, frame[f"{m}_{k}"])}
        for r in regions:
            for k in KINDS[1:]:
                if (r, k) in cell:
                    b.le.append((np.array([cell[(r, k)], cell[(r, "any")]]), np.array([1.0, -1.0])))
        for k in KINDS:
            if (TOTAL_LABEL, k) not in cell:
                continue
            parts = [cell[(r, k)] for r in regions if r != TOTAL_LABEL and (r, k) in cell]
            for p in parts:
                b.le.append((np.array([p, cell[(TOTAL_LABEL, k)]]), np.array([1.0, -1.0])))
            if parts:
                b.le.append((np.array([cell[(TOTAL_LABEL, k)], *parts]), np.array([1.0, *[-1.0] * len(parts)])))


def _add_plain(b: _Builder, output: str, name: str, frame: pd.DataFrame, count_columns):
    """Blank counts of a table without totals: cells with no relation."""
    label = next((c for c in ("flow_id", "crossing_id", "node_id", "cell_id", "region", "name")
                  if c in frame.columns), None)
    for c in count_columns:
        if c not in frame.columns:
            continue
        vals = pd.to_numeric(frame[c], errors="coerce")
        for i in np.flatnonzero(vals.isna().to_numpy()):
            row = str(frame[label].iloc[i]) if label else str(i)
            extra = "|".join(str(frame[k].iloc[i]) for k in ("field", "category", "code") if k in frame.columns)
            b.cell(output, (name, c, row + (f"|{extra}" if extra else ""), ""), np.nan)


FLOW_MEASURES = ("routes", "legs", "cases_low", "cases_high")
#: the row of a cell standing for the flows of a node that are not published (dropped rows)
GAP = {"out": "flows not published, from", "in": "flows not published, into", "touch": "flows not published, at"}


def _is_flows(frame: pd.DataFrame) -> bool:
    return {"origin_id", "destination_id", "routes"} <= set(frame.columns)


def _is_nodes(frame: pd.DataFrame) -> bool:
    return {"node_id", "routes_out", "routes_in", "routes"} <= set(frame.columns)


def _flow_pairs(frames: dict) -> list[tuple]:
    """(flows output, nodes output or None) of the flow tables among ``frames``:
    each flows table goes with the nodes table holding all its published ends
    (the one most of whose nodes are its ends when several do)."""
    flows = [k for k, f in frames.items() if _is_flows(f)]
    nodes = {k: set(pd.DataFrame(frames[k])["node_id"].dropna().astype(str)) for k, f in frames.items() if _is_nodes(f)}
    pairs = []
    for k in flows:
        f = pd.DataFrame(frames[k])
        f = f[f["origin_id"].notna()]
        ends = set(f["origin_id"].astype(str)) | set(f["destination_id"].astype(str))
        fits = [(len(ends & ids) / max(1, len(ids)), n) for n, ids in nodes.items() if ends <= ids]
        pairs.append((k, max(fits)[1] if fits else None))
    return pairs


def _add_flows(b: _Builder, f_out: str, flows: pd.DataFrame, n_out: str | None, nodes: pd.DataFrame | None):
    """The flows of one flow table and its node margins, with the relations of
    :func:`suppression.flow_relations`. Withheld flows are not in the table
    (dropped) or summed into its "other" row: per node a *gap* cell stands for
    them (the node's margin minus its published flows); with journeys a gap is
    a count of routes and is audited like a withheld cell."""
    journey = "legs" not in flows.columns
    directed = bool(flows["directed"].dropna().iloc[0]) if "directed" in flows.columns and \
        flows["directed"].notna().any() else True
    is_other = flows["origin"].astype(str).eq(OTHER_LABEL).to_numpy() if "origin" in flows.columns else \
        flows["origin_id"].isna().to_numpy()
    body = flows[~is_other & flows["origin_id"].notna().to_numpy()]
    other = flows[is_other]
    table = f"flows {f_out}"
    nodes = None if nodes is None else nodes[nodes["node_id"].notna()]
    ids = [] if nodes is None else nodes["node_id"].astype(str).tolist()
    ends = list(zip(body["origin_id"].astype(str), body["destination_id"].astype(str)))
    for m in (m for m in FLOW_MEASURES if m in flows.columns):
        fcells = [b.cell(f_out, (table, m, f"{o} → {d}", ""), v) for (o, d), v in zip(ends, body[m])]
        if nodes is None:
            continue
        node_cells = {}
        for nid, (_, row) in zip(ids, nodes.iterrows()):
            kinds = {k: c for k, c in NODE_MARGINS.items() if c in nodes.columns} if m == "routes" else \
                ({"routes": m} if m in nodes.columns else {})
            node_cells[nid] = {k: b.cell(n_out, (f"flow nodes {n_out}", m, nid, k), row[NODE_MARGINS[k]]
                                         if m == "routes" else row[m]) for k, c in kinds.items()}
        gaps = {}
        if m == "routes":
            vals = pd.to_numeric(body["routes"], errors="coerce").fillna(0).to_numpy(float)
            frm = pd.Series(vals).groupby([o for o, _ in ends]).sum() if ends else pd.Series(dtype=float)
            to = pd.Series(vals).groupby([d for _, d in ends]).sum() if ends else pd.Series(dtype=float)
            for nid, (_, row) in zip(ids, nodes.iterrows()):
                o, i = (pd.to_numeric(pd.Series([row[c]]), errors="coerce").iloc[0] for c in ("routes_out", "routes_in"))
                seen = {"out": (o, frm.get(nid, 0)), "in": (i, to.get(nid, 0)),
                        "touch": (o + i, frm.get(nid, 0) + to.get(nid, 0))}
                gaps[nid] = {}
                for side in (("out", "in") if directed else ("touch",)):
                    margin, published = seen[side]
                    if journey and pd.notna(margin) and margin == published:
                        continue  # nothing of this node is withheld
                    gaps[nid][side] = b.cell(f_out, (table, m, nid, GAP[side]), np.nan, target=journey)
        rel = flow_relations(Relations(len(b.value)), ends, fcells, node_cells, journey, directed, gaps)
        b.eq += rel.eq
        b.le += rel.le
        if m == "routes" and journey and directed and len(other) and pd.notna(other["routes"].iloc[0]):
            total = b.cell(f_out, (table, m, OTHER_LABEL, ""), other["routes"].iloc[0])
            for side in ("out", "in"):
                parts = [g[side] for g in gaps.values() if side in g]
                if parts:
                    b.le.append((np.array([*parts, total]), np.array([*[1.0] * len(parts), -1.0])))


def knowledge_of(frames: dict, count_columns=MEASURES) -> Knowledge:
    """What an outsider knows from ``frames`` ({output name: DataFrame})."""
    b = _Builder()
    frames = {k: pd.DataFrame(f).drop(columns=["geometry"], errors="ignore") for k, f in frames.items()}
    done = set()
    for f_out, n_out in _flow_pairs(frames):
        _add_flows(b, f_out, frames[f_out], n_out, frames[n_out] if n_out else None)
        done |= {f_out, n_out}
    for output, frame in frames.items():
        if frame.empty or output in done:
            continue
        if _is_nodes(frame):
            _add_plain(b, output, output, frame, (*count_columns, *NODE_MARGINS.values(), "routes_through"))
            continue
        if _is_regions(frame):
            _add_regions(b, output, frame)
        elif (fields := _long_cross_fields(frame)) is not None:
            r, c = fields
            for m in MEASURES:
                if m in frame.columns:
                    _add_cross(b, output, f"{r} × {c}", m, frame[r].astype(str), frame[c].astype(str), frame[m])
        elif _is_wide_cross(frame):
            r = frame.columns[0]
            cols = [c for c in frame.columns[1:] if pd.api.types.is_numeric_dtype(frame[c]) or
                    pd.to_numeric(frame[c], errors="coerce").notna().any() or frame[c].isna().all()]
            long = frame.melt(id_vars=[r], value_vars=cols, var_name="_col", value_name="_v")
            col_field = _wide_col_field(frames, r)
            _add_cross(b, output, f"{r} × {col_field}", "routes", long[r].astype(str), long["_col"].astype(str),
                       long["_v"])
        else:
            _add_plain(b, output, output, frame, count_columns)
    return b.knowledge()


def _wide_col_field(frames: dict, row_field: str) -> str:
    """The column field a wide table shares with a long one of the same run (so
    both forms are the same figures), else ``column``."""
    for frame in frames.values():
        fields = _long_cross_fields(pd.DataFrame(frame).drop(columns=["geometry"], errors="ignore"))
        if fields and fields[0] == row_field:
            return fields[1]
    return {"airlines": "destination_country", "recruitment_methods": "exploitation_types"}.get(row_field, "column")


# ----------------------------------------------------------------- audit ---

def audit_knowledge(k: Knowledge, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Feasible range of every withheld cell of ``k`` (see the module docstring)."""
    cells = k.cells
    target = cells["target"].to_numpy(bool) if "target" in cells.columns else np.ones(len(cells), bool)
    hidden = np.flatnonzero(cells["value"].isna().to_numpy() & target)
    out = cells.iloc[hidden][["output", "table", "measure", "row", "column"]].reset_index(drop=True)
    if threshold <= 0 or not len(hidden):
        return out.assign(min=[], max=[], values=[], status=[]) if not len(hidden) else \
            out.assign(min=0.0, max=np.inf, values=np.inf, status=PROTECTED)
    related = np.zeros(len(cells), bool)
    for idx, _ in k.relations.eq + k.relations.le:
        related[idx] = True
    known = cells["value"].to_numpy(float)
    lo = np.full(len(hidden), np.nan)
    hi = np.full(len(hidden), np.nan)
    for j, c in enumerate(hidden):
        lower = np.zeros(len(cells))
        upper = np.full(len(cells), np.inf)
        lower[c], upper[c] = 1.0, threshold - 1.0  # hypothesis: this cell is a small count
        if related[c]:
            lo[j], hi[j] = feasible_ranges(known, lower, upper, k.relations, [c])
        else:
            lo[j], hi[j] = 1.0, threshold - 1.0
    n = integer_values(lo, hi)
    need = protection_width(threshold) + 1
    status = np.where(np.isnan(lo), NOT_SMALL, np.where(n >= need, PROTECTED, EXPOSED))
    status = np.where(~related[hidden] & (status == PROTECTED), UNRELATED, status)
    return out.assign(min=lo, max=hi, values=n, status=status)


def audit_frames(frames: dict, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Audit table (:data:`AUDIT_COLUMNS`) of the published ``frames`` of one run."""
    result = audit_knowledge(knowledge_of(frames), threshold)
    return result[AUDIT_COLUMNS]


def exposed(audit: pd.DataFrame) -> pd.DataFrame:
    return audit[audit["status"] == EXPOSED]


def audit_sentence(audit: pd.DataFrame, threshold: int, language: str = "en") -> str:
    """One sentence for the log and the report."""
    n_exposed = int((audit["status"] == EXPOSED).sum())
    if n_exposed:
        return texts.text("audit_exposed", language, n=len(audit), exposed=n_exposed,
                          values=PROTECTION_VALUES, threshold=threshold)
    return texts.text("audit_ok", language, n=len(audit), values=PROTECTION_VALUES, threshold=threshold)
