#!/usr/bin/env python3
"""Keep the plugin's Qt translation files in step with the code.

Every GUI module defines ``tr(text)`` as ``QCoreApplication.translate("<Context>", text)``.
This script collects each ``tr("...")`` literal with its module's context into
``routes_plugin/i18n/routes_<lang>.ts`` (Qt Linguist's XML format), keeping
translations already made and marking new strings unfinished; then
``lrelease`` (``make translations``) compiles the .ts into the .qm QGIS loads.

    scripts/i18n.py            update every .ts
    scripts/i18n.py --check    exit 1 if a string has no finished translation
"""
from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO / "routes_plugin", REPO / "processing"]
I18N = REPO / "routes_plugin" / "i18n"
LANGUAGES = ("sw",)


def _context_of(tree: ast.AST) -> str | None:
    """The context given to QCoreApplication.translate inside ``def tr``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "tr":
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "translate" and call.args \
                        and isinstance(call.args[0], ast.Constant):
                    return call.args[0].value
    return None


def collect() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            context = _context_of(tree)
            if context is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "tr" and node.args \
                        and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    strings = found.setdefault(context, [])
                    if node.args[0].value not in strings:
                        strings.append(node.args[0].value)
    return found


def update(lang: str, found: dict[str, list[str]]) -> list[str]:
    ts_path = I18N / f"routes_{lang}.ts"
    old: dict[tuple[str, str], str] = {}
    if ts_path.exists():
        for ctx in ET.parse(ts_path).getroot().iter("context"):
            name = ctx.findtext("name")
            for msg in ctx.iter("message"):
                tr = msg.find("translation")
                if tr is not None and tr.text and tr.get("type") != "unfinished":
                    old[(name, msg.findtext("source"))] = tr.text
    root = ET.Element("TS", version="2.1", language=lang)
    missing = []
    for context in sorted(found):
        c = ET.SubElement(root, "context")
        ET.SubElement(c, "name").text = context
        for source in found[context]:
            m = ET.SubElement(c, "message")
            ET.SubElement(m, "source").text = source
            t = ET.SubElement(m, "translation")
            if (context, source) in old:
                t.text = old[(context, source)]
            else:
                t.set("type", "unfinished")
                missing.append(f"{context}: {source}")
    ET.indent(root)
    I18N.mkdir(parents=True, exist_ok=True)
    ts_path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                       + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")
    return missing


def main() -> int:
    found = collect()
    status = 0
    for lang in LANGUAGES:
        missing = update(lang, found)
        for m in missing:
            print(f"routes_{lang}.ts: untranslated: {m}")
        if missing and "--check" in sys.argv:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
