"""Lays out the teacher page's picture of the induction as SVG shapes (server-rendered, no script).

The dates come from `app.services.outlook.induction_picture`; this module only places them along
one line: each bar on its own row, each mark a vertical line across the rows. Styles live in
`static/app.css` (the CSP allows no inline styles), and the page gives the same facts in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.services.outlook import InductionPicture

WIDTH = 720
LABEL_WIDTH = 230  # the bars' labels sit left of the line
RIGHT_MARGIN = 20
ROW_HEIGHT = 30
TOP = 48  # room for the marks' labels, on three staggered lines
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Shape:
    """One row or one mark, in SVG coordinates."""

    kind: str
    label: str
    x: float
    y: float
    width: float = 0.0
    ongoing: bool = False
    anchor: str = "middle"  # where a mark's label hangs from its line


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    bars: list[Shape]
    marks: list[Shape]
    axis_from: date
    axis_to: date
    axis_y: float
    line_from: float
    line_to: float


def layout(picture: InductionPicture) -> Layout:
    """Places each bar and mark between the earliest and latest day the picture shows."""
    days = [b.start for b in picture.bars] + [b.finish for b in picture.bars if b.finish]
    days += [m.day for m in picture.marks]
    first, last = min(days), max(days)
    span = max(last.toordinal() - first.toordinal(), 1)
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN

    def x(day: date) -> float:
        return round(left + (day.toordinal() - first.toordinal()) / span * (right - left), 1)

    bars = []
    for row, bar in enumerate(picture.bars):
        start, finish = x(bar.start), x(bar.finish or last)
        y = TOP + row * ROW_HEIGHT
        bars.append(
            Shape(bar.kind, bar.label, start, y, max(finish - start, 2), bar.finish is None)
        )
    axis_y = TOP + len(bars) * ROW_HEIGHT
    marks = []
    for index, mark in enumerate(picture.marks):
        at = x(mark.day)
        anchor = "start" if at < left + 60 else "end" if at > right - 60 else "middle"
        marks.append(Shape(mark.kind, mark.label, at, TOP - 8 - 13 * (index % 3), anchor=anchor))
    return Layout(WIDTH, int(axis_y + 30), bars, marks, first, last, axis_y, left, right)
