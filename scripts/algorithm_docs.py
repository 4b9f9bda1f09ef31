#!/usr/bin/env python3
"""Writes docs/algorithms.md from the algorithms themselves (their short help
and every parameter's help text), so the reference never drifts from the code.

    make docs        (QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/algorithm_docs.py)
    ... --check      exit 1 if docs/algorithms.md is out of date
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "algorithms.md"


def render() -> str:
    from qgis.core import Qgis, QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    plugins = REPO / "build" / "test-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    if not (plugins / "trafficking_routes").exists():
        (plugins / "trafficking_routes").symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(plugins))
    from trafficking_routes.processing.base import docs_anchor
    from trafficking_routes.processing.provider import RoutesProvider

    provider = RoutesProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    lines = ["# Algorithms of the Trafficking Routes provider (`routes`)", "",
             "Written by `scripts/algorithm_docs.py` from the algorithms' own help; do not edit by hand.",
             "Run any of them from the shell with `scripts/qgis_process run routes:<name> -- NAME=VALUE ...`,",
             "or from the Processing toolbox, the Modeler and the batch dialog.", ""]
    for alg in sorted(provider.algorithms(), key=lambda a: (a.group(), a.id())):
        lines += [f'<a id="{docs_anchor(alg.name())}"></a>', "", f"## `{alg.id()}` — {alg.displayName()}", "",
                  f"Group: {alg.group()}", ""]
        help_text = alg.shortHelpString() or ""
        lines += [help_text.replace("<p>", "").replace("</p>", "\n").strip(), "", "| parameter | meaning |", "|---|---|"]
        for p in alg.parameterDefinitions():
            text = (p.help() or p.description()).replace("\n", " ").replace("|", "\\|")
            opt = " (optional)" if p.flags() & Qgis.ProcessingParameterFlag.Optional else ""
            lines.append(f"| `{p.name()}`{opt} | {p.description()}: {text} |")
        outs = [o.name() for o in alg.outputDefinitions()]
        lines += ["", "Outputs: " + ", ".join(f"`{o}`" for o in outs), ""]
    QgsApplication.processingRegistry().removeProvider(provider)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.exists() and OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(OUT)
