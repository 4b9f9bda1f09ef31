"""Column profiles: which input headers mean which canonical field.

A profile is a JSON file (see docs/export-format.md)::

    {"name": "default", "description": "...", "sheet": null, "extends": null,
     "fields": {"route_id": ["Route ID", "Namba ya njia"], ...},
     "identifying": ["reporting_org", "notes"]}

Headers match aliases with ``categories.fold`` (case-, diacritic- and
spacing-insensitive); a canonical field name always matches its own field.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..categories import fold
from .base import CANONICAL_FIELDS, PLACE_FIELDS, ROW_COLUMNS, Problem, ReadError
from .grid import column_letter

PROFILE_DIR = Path(__file__).resolve().parents[2] / "data" / "profiles"
_KEYS = {"name", "description", "sheet", "extends", "fields", "identifying"}


def header_key(text: str) -> str:
    """Matching key of a header: folded, without trailing ':' or '*' (required-field marks)."""
    return fold(text).rstrip(" :*").strip()


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped with the plugin."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))


def load_profile(path_or_name=None) -> dict:
    """Load a profile by bundled name ("default") or path (.json, or .yaml/.yml); ``None`` is the default.

    Raises ReadError (naming the profile file) when it is missing or malformed.
    """
    if isinstance(path_or_name, dict):
        return _validate(dict(path_or_name), "profile")
    ref = "default" if path_or_name is None else str(path_or_name)
    path = Path(ref)
    if not path.suffix and "/" not in ref and "\\" not in ref:
        path = PROFILE_DIR / f"{ref}.json"
    yaml_file = path.suffix.lower() in (".yaml", ".yml")
    try:
        text = path.read_text(encoding="utf-8-sig")
        if yaml_file:
            import yaml  # PyYAML ships with QGIS

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except FileNotFoundError:
        raise ReadError(Problem(path.name, None, None, None,
                                f"profile not found (bundled profiles: {', '.join(bundled_profiles())})"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadError(Problem(path.name, None, None, None, f"cannot read the profile ({exc})"))
    except json.JSONDecodeError as exc:
        raise ReadError(Problem(path.name, exc.lineno, None, None, f"the profile is not valid JSON ({exc.msg})"))
    except Exception as exc:  # yaml.YAMLError (imported only for YAML profiles)
        if not yaml_file:
            raise
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ReadError(Problem(path.name, None if line is None else line + 1, None, None,
                                f"the profile is not valid YAML ({getattr(exc, 'problem', exc)})"))
    if not isinstance(data, dict):
        raise ReadError(Problem(path.name, None, None, None, "the profile must be a JSON/YAML mapping (object)"))
    if data.get("extends"):
        base = load_profile(data["extends"])
        merged = {f: list(data.get("fields", {}).get(f, [])) + [a for a in base["fields"].get(f, [])]
                  for f in set(base["fields"]) | set(data.get("fields", {}))}
        data = {**base, **data, "fields": merged}
    return _validate(data, path.name)


def _validate(data: dict, name: str) -> dict:
    def fail(reason: str):
        raise ReadError(Problem(name, None, None, None, reason))

    unknown = set(data) - _KEYS
    if unknown:
        fail(f"unknown profile keys: {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_KEYS))})")
    fields = data.get("fields")
    if not isinstance(fields, dict) or not fields:
        fail("the profile needs a 'fields' object: canonical field -> list of header aliases")
    bad = [f for f in fields if f not in CANONICAL_FIELDS]
    if bad:
        fail(f"unknown fields {', '.join(bad)}; the fields are: {', '.join(CANONICAL_FIELDS)}")
    owner: dict[str, str] = {}
    for f, aliases in fields.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            fail(f"field '{f}' must map to a list of header texts")
        for a in aliases:
            k = header_key(a)
            if owner.setdefault(k, f) != f:
                fail(f"header alias '{a}' is given for both '{owner[k]}' and '{f}'")
    identifying = data.setdefault("identifying", ["reporting_org", "notes"])
    if not isinstance(identifying, list) or any(f not in CANONICAL_FIELDS for f in identifying):
        fail(f"'identifying' must list canonical fields ({', '.join(CANONICAL_FIELDS)})")
    sheet = data.setdefault("sheet", None)
    if sheet is not None and not isinstance(sheet, (str, int)):
        fail("'sheet' must be a sheet name, a 0-based index or null")
    data.setdefault("name", name)
    return data


def alias_index(profile: dict) -> dict[str, str]:
    """header key -> canonical field (canonical names included)."""
    index = {header_key(f): f for f in CANONICAL_FIELDS}
    for f, aliases in profile["fields"].items():
        for a in aliases:
            index[header_key(a)] = f
    return index


UNCERTAIN_MODES = ("stop", "map")
#: fields whose absence is worth a warning at the top when an unmapped column resembles them
IMPORTANT = ("origin", "cases", "transport_modes")


def map_headers(headers: list[str], profile: dict, file: str, has_data: list[bool], header_row: int = 1,
                uncertain: str = "stop"
                ) -> tuple[dict[str, int], dict[str, str], list[tuple[str, int]], list[Problem], list[str]]:
    """Match headers to fields (``headers.match_header``: aliases, normalised words,
    English/Swahili synonyms, near misses).

    Returns (field -> column position, field -> header, [(unmapped name, position)],
    problems, alerts). An uncertain match (a column that is *probably* a field
    nothing else fills) stops the read naming the column and the field
    (``uncertain="stop"``), or is mapped with a warning (``"map"``). ``alerts``
    are the warnings for the top of the log: an important field missing while
    an unmapped column resembles it.
    The first of two columns with the same meaning wins; the other is kept
    unmapped as "<header> (2)". Columns without a header but with data are
    kept unmapped as "(column F)".
    """
    from .headers import match_header, resemblance

    if uncertain not in UNCERTAIN_MODES:
        raise ValueError(f"uncertain must be one of {UNCERTAIN_MODES}")
    positions: dict[str, int] = {}
    unmapped: list[tuple[str, int]] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}        # header key -> count
    used: set[str] = set()
    reserved = set(CANONICAL_FIELDS) | set(ROW_COLUMNS)
    matches = [match_header(h, profile) if h else None for h in headers]
    confident = {m.field for m in matches if m is not None and m.confident}
    doubtful: list[tuple[int, str, object]] = []
    for pos, header in enumerate(headers):
        if not header:
            if has_data[pos]:
                unmapped.append((f"(column {column_letter(pos)})", pos))
                problems.append(Problem(file, header_row, f"(column {column_letter(pos)})", None,
                                        "this column has data but no header; it is kept out of the outputs",
                                        "warning"))
            continue
        key = header_key(header)
        seen[key] = seen.get(key, 0) + 1
        name = header if seen[key] == 1 else f"{header} ({seen[key]})"
        m = matches[pos]
        field = m.field if m.confident else None
        if m.field is not None and not m.confident and m.field not in confident and m.field not in positions \
                and has_data[pos]:
            doubtful.append((pos, header, m))
            if uncertain == "map":
                positions[m.field] = pos
                problems.append(Problem(file, header_row, header, None,
                                        f"column '{header}' ({column_letter(pos)}) was taken as '{m.field}' on "
                                        f"an uncertain match (like '{m.alias}', score {m.score:.0f}): check it, "
                                        "or save the mapping in a profile", "warning"))
                continue
        if field is not None and field not in positions:
            positions[field] = pos
            continue
        if field is not None:
            first = positions[field]
            same = header_key(headers[first]) == key
            problems.append(Problem(
                file, header_row, header, None,
                (f"column '{header}' appears twice (columns {column_letter(first)} and {column_letter(pos)})"
                 if same else
                 f"columns '{headers[first]}' ({column_letter(first)}) and '{header}' ({column_letter(pos)}) "
                 f"both mean '{field}'")
                + f"; column {column_letter(first)} is used, column {column_letter(pos)} is kept unmapped "
                  f"as '{name}'", "warning"))
        while name in reserved or name in used:
            name = f"{name} (input)"
        used.add(name)
        unmapped.append((name, pos))
    if not any(f in positions for f in PLACE_FIELDS):
        found = ", ".join(f"'{h}'" for h in headers if h) or "none"
        expected = "; ".join(f"{f}: {', '.join(repr(a) for a in profile['fields'].get(f, [f])[:3])}"
                             for f in PLACE_FIELDS)
        hint = (" This looks like an HTCDS case file: routes need its historic trafficking events "
                "(hte_Type, hte_City, hte_Country ...)."
                if any(header_key(h).startswith(("cas ", "prs ", "vic ")) for h in headers) else
                " The header is looked for among the first 30 rows: check that one row names the columns."
                if not positions else "")
        raise ReadError(Problem(file, header_row, None, None,
                                f"no column describes a place of the route. Headers found: {found}. "
                                f"Expected (profile '{profile.get('name')}') e.g. {expected}.{hint}"))
    if doubtful and uncertain == "stop":
        what = "; ".join(f"'{h}' (column {column_letter(p)}) is probably '{m.field}' (like '{m.alias}', "
                         f"score {m.score:.0f})" for p, h, m in doubtful)
        raise ReadError(Problem(file, header_row, doubtful[0][1], None,
                                f"uncertain column match: {what}. Nothing was loaded: rename the header, "
                                "assign the column in a profile (the load dialog can save one), or load with "
                                "'Uncertain column matches: map it and warn'"))
    alerts = []
    for f in IMPORTANT:
        if f in positions:
            continue
        like = [(resemblance(n, f, profile), n) for n, p in unmapped if not n.startswith("(column ")]
        like = [(s, n) for s, n in like if s >= 55]
        if like:
            s, n = max(like)
            alerts.append(f"no column was taken as '{f}', but column '{n}' resembles it: if it is, assign it "
                          "in a profile (load dialog: Column mapping) and load again")
    for a in alerts:
        problems.insert(0, Problem(file, header_row, None, None, a, "warning"))
    plain = [n for n, _ in unmapped if not n.startswith("(column ")]
    if plain:
        problems.append(unmapped_warning(file, plain, header_row))
    return positions, {f: headers[p] for f, p in positions.items()}, unmapped, problems, alerts


def unmapped_warning(file: str, names: list[str], header_row: int = 1) -> Problem:
    """The warning listing input columns that are not route fields."""
    return Problem(file, header_row, None, None,
                   "columns not in the profile (kept out of the outputs unless identifying columns are "
                   f"included): {', '.join(repr(n) for n in names)}", "warning")
