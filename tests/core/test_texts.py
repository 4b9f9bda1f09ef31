"""The one text table of both languages (core/texts.py): every key defined once,
both languages filled, the same placeholders in English and Kiswahili."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from trafficking_routes.routes_plugin.core import texts

SOURCE = Path(texts.__file__)


def _dict_literals():
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Dict):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            yield getattr(target, "id", "?"), node.value


def test_every_key_is_defined_once_across_the_tables():
    seen: dict[str, str] = {}
    clashes = []
    for table, literal in _dict_literals():
        if table not in ("TEXTS", "REPORT_TEXTS"):
            continue
        for key in literal.keys:
            if isinstance(key, ast.Constant):
                if key.value in seen:
                    clashes.append(f"{key.value!r} in {seen[key.value]} and {table} (line {key.lineno})")
                seen[key.value] = table
    assert not clashes, "a later definition silently replaces the earlier one: " + "; ".join(clashes)
    assert len(seen) > 100


def test_both_languages_carry_the_same_placeholders():
    field = re.compile(r"{(\w+?)(?:_cap)?[}:!]")   # {role_cap}: the same value, capitalised where English starts with it
    for key, (en, sw) in texts.TEXTS.items():
        assert en.strip() and sw.strip(), key
        assert set(field.findall(en)) == set(field.findall(sw)), key
