"""A bar chart of topics completed per week, drawn on the server as inline SVG."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .stats import WeekCount

WIDTH = 640
HEIGHT = 220
LEFT = 44  # room for the y-axis labels
BOTTOM = 30  # room for the month labels
TOP = 14


def _axis_max(highest: int) -> int:
    """A round upper bound for the y axis, so the gridlines land on whole numbers."""
    for step in (2, 4, 5, 10, 20, 25, 50, 100):
        if highest <= step:
            return step
    return -(-highest // 100) * 100


def weekly_chart_summary(weeks: list[WeekCount]) -> str:
    total = sum(week.count for week in weeks)
    if not total:
        return _("No topics completed in the last %(weeks)d weeks.") % {"weeks": len(weeks)}
    best = max(weeks, key=lambda week: week.count)
    return ngettext(
        "%(total)d topic completed in the last %(weeks)d weeks; the best week, starting "
        "%(best_start)s, had %(best)d.",
        "%(total)d topics completed in the last %(weeks)d weeks; the best week, starting "
        "%(best_start)s, had %(best)d.",
        total,
    ) % {
        "total": total,
        "weeks": len(weeks),
        "best_start": date_format(best.start, "DATE_FORMAT"),
        "best": best.count,
    }


def weekly_chart_svg(weeks: list[WeekCount], chart_id: str = "weekly-chart") -> SafeString:
    """The chart as an <svg> element labelled by its own title and description; the dashboard
    shows the same numbers as a table for screen readers and for print."""
    if not weeks:
        return SafeString("")
    top = _axis_max(max(week.count for week in weeks))
    plot_width = WIDTH - LEFT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / len(weeks)
    bar_width = max(slot * 0.7, 1)

    gridlines = []
    for value in (0, top // 2, top):
        y = TOP + plot_height - plot_height * value / top
        gridlines.append((LEFT, f"{y:.1f}", WIDTH, f"{y:.1f}", LEFT - 6, f"{y + 6:.1f}", value))

    bars = []
    month_labels = []
    previous_month = None
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + (slot - bar_width) / 2
        height = plot_height * week.count / top
        y = TOP + plot_height - height
        label = ngettext(
            "Week of %(start)s: %(count)d topic completed",
            "Week of %(start)s: %(count)d topics completed",
            week.count,
        ) % {"start": date_format(week.start, "DATE_FORMAT"), "count": week.count}
        bars.append((f"{x:.1f}", f"{y:.1f}", f"{bar_width:.1f}", f"{height:.1f}", label))
        if week.start.month != previous_month:
            previous_month = week.start.month
            month_labels.append((f"{x:.1f}", HEIGHT - 6, date_format(week.start, "M")))

    return format_html(
        '<svg class="chart" id="{id}" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<g class="chart-grid">{grid}</g><g class="chart-bars">{bars}</g>'
        '<g class="chart-months">{months}</g></svg>',
        id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=_("Topics completed per week"),
        desc=weekly_chart_summary(weeks),
        grid=format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<text x="{}" y="{}" text-anchor="end">{}</text>',
            gridlines,
        ),
        bars=format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            bars,
        ),
        months=format_html_join("", '<text x="{}" y="{}">{}</text>', month_labels),
    )
