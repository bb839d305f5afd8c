"""The HTML shell: plotly.js inlined once in the head, then plain sections, no external assets."""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from reports.figures.panel import Panel

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #222;
       max-width: 1250px; margin: 0 auto; padding: 24px 32px 64px; line-height: 1.45; background: #fafafa; }
h1 { font-size: 26px; margin: 0 0 16px; }
h2 { font-size: 20px; margin: 0 0 6px; }
section { background: white; border: 1px solid #e2e2e2; border-radius: 6px; padding: 18px 22px; margin: 22px 0; }
.why { color: #555; margin: 0 0 10px; }
.takeaway { background: #eef4fb; border-left: 4px solid #3b73b9; padding: 8px 12px; margin: 10px 0; }
.note, .muted { color: #666; font-size: 14px; }
.note { margin: 4px 0; }
.data { padding: 12px 16px; border-radius: 6px; margin: 0 0 14px; font-size: 16px; }
.data.synthetic { background: #fde8e8; border: 2px solid #c62828; color: #8e1c1c; }
.data.real { background: #e8f5e9; border: 2px solid #2e7d32; color: #1b5e20; }
.data.unknown { background: #fff4e0; border: 2px solid #e08e00; color: #7a4b00; }
.data .warning { margin: 8px 0 0; padding: 6px 10px; background: #fff8e1; border-left: 4px solid #e08e00;
                 color: #5d3a00; font-size: 15px; }
table.headline { border-collapse: collapse; width: 100%; }
table.headline th { text-align: left; vertical-align: top; padding: 6px 16px 6px 0; width: 150px; color: #444; }
table.headline td { padding: 6px 0; border-top: 1px solid #eee; }
code { font-size: 13px; background: #f2f2f2; padding: 1px 4px; border-radius: 3px; word-break: break-word; }
"""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def section_html(index: int, title: str, why: str, panel: Panel) -> str:
    """One numbered section: title, what it is for, the figure, its takeaway and notes."""
    figure = _figure_html(panel.figure, f"figure-{index}") if panel.figure is not None else ""
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in panel.notes)
    return (f'<section id="section-{index}">\n<h2>{index}. {escape(title)}</h2>\n<p class="why">{escape(why)}</p>\n'
            f'<p class="takeaway">{escape(panel.takeaway)}</p>\n{figure}\n{notes}\n</section>')


def _figure_html(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG, div_id=div_id)


def page_html(title: str, headline: str, sections: list[str]) -> str:
    body = "\n".join(sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{_CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<h1>{escape(title)}</h1>
<section id="headline">
{headline}
</section>
{body}
</body>
</html>
"""
