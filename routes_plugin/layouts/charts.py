"""Bar charts of the report (matplotlib, written as SVG for a layout picture item).

One style for every chapter: horizontal bars largest first, the report's dark
red, the merged "other (fewer than N each)" bar in grey, the count printed at
the end of each bar as a whole number, the axis in words in the chapter's
language. Text stays text in the SVG (``svg.fonttype: none``) so the PDF holds
the labels as text. Counts come already suppressed (see
:func:`report_figures.publish`); a chart never receives a count below the
threshold, and :func:`bar_chart` refuses one.
"""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402

from ..core import texts  # noqa: E402

COLOUR = "#7a0019"
OTHER_COLOUR = "#9e9e9e"
TEXT_COLOUR = "#222222"
FONT = "DejaVu Sans"
MM = 1 / 25.4
STYLE = {
    "svg.fonttype": "none",
    "font.family": FONT,
    "font.size": 7.5,
    "axes.edgecolor": "#bdbdbd",
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": "#555555",
    "ytick.color": TEXT_COLOUR,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def tick_step(top: float, threshold: int = 0) -> int:
    """A round axis step (1, 2, 5 × 10^k) giving about four ticks, never finer than the
    threshold: no tick label reads like a count the small-count rule withholds."""
    step = 1
    for k in range(0, 9):
        for m in (1, 2, 5):
            step = m * 10 ** k
            if top / step <= 5 and step >= threshold:
                return step
    return step


class ChartError(ValueError):
    """A chart was asked to print a count the small-count rule withholds."""


def bar_chart(items, path, title: str, language: str = "en", threshold: int = 0,
              width_mm: float = 90, height_mm: float = 70, max_bars: int = 8, wrap: int = 26) -> Path:
    """Write a horizontal bar chart of ``items`` [(label, count, is_other)] to ``path`` (SVG).

    At most ``max_bars`` bars (the largest; the merged "other" bar is kept last).
    With no item, the chart says so in words instead of drawing empty axes."""
    items = [(str(lb), int(n), bool(o)) for lb, n, o in items if n is not None]
    for lb, n, _o in items:
        if 0 < n < threshold:
            raise ChartError(f"The chart '{title}' would print {n} for '{lb}', below the threshold {threshold}.")
    regular = [i for i in items if not i[2]][:max_bars - (1 if any(i[2] for i in items) else 0)]
    others = [i for i in items if i[2]]
    shown = regular + others
    path = Path(path)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width_mm * MM, height_mm * MM))
        ax.set_title(title, loc="left", fontsize=9, fontweight="bold", color=TEXT_COLOUR, pad=6)
        if not shown:
            ax.axis("off")
            key = "chart_empty" if threshold > 0 else "chart_empty_off"
            ax.text(0.0, 0.6, texts.text(key, language, n=threshold), transform=ax.transAxes, color="#555555",
                    fontsize=8, va="center")
        else:
            labels = ["\n".join(textwrap.wrap(lb, wrap)[:2]) for lb, _n, _o in shown]
            values = [n for _lb, n, _o in shown]
            colours = [OTHER_COLOUR if o else COLOUR for _lb, _n, o in shown]
            base = max(len(shown), 4)
            y = [base - 1 - i for i in range(len(shown))]
            bars = ax.barh(y, values, color=colours, height=0.62)
            ax.set_yticks(y, labels)
            ax.tick_params(axis="y", length=0)
            top = max(values)
            ax.set_xlim(0, top * 1.18)
            for bar, v in zip(bars, values):
                ax.text(bar.get_width() + top * 0.015, bar.get_y() + bar.get_height() / 2, f"{v:d}",
                        va="center", ha="left", fontsize=7, color=TEXT_COLOUR)
            ax.xaxis.set_major_locator(MultipleLocator(tick_step(top, threshold)))
            ax.set_xlabel(texts.text("chart_axis_routes", language))
            ax.set_ylim(-0.6, base - 0.4)
        fig.tight_layout(pad=0.4)
        fig.savefig(path, format="svg", transparent=True)
        plt.close(fig)
    path.write_text(_tiny_fonts(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


_FONT = re.compile(r"font:\s*((?:italic|oblique|normal)\s+)?((?:bold|normal|\d00)\s+)?([\d.]+)px\s+'([^']+)'")


def _tiny_fonts(svg: str) -> str:
    """matplotlib writes the CSS ``font:`` shorthand, which Qt's SVG renderer (SVG
    Tiny) ignores (labels then print at a default size): spell it out."""
    def longhand(m):
        parts = [f"font-size: {m.group(3)}px", f"font-family: {m.group(4)}"]
        if m.group(2):
            parts.append(f"font-weight: {m.group(2).strip()}")
        if m.group(1):
            parts.append(f"font-style: {m.group(1).strip()}")
        return "; ".join(parts)
    return _FONT.sub(longhand, svg)
