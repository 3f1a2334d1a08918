"""Ratings per behaviour across check-ins, drawn on the server as inline SVG (as the weekly
chart on the dashboard): one band per behaviour, the learner's levels as a solid line with
dots, the mentors' as a dashed line with squares. The page shows the same numbers as a table."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .history import History, Point, level_label
from .models import Level

WIDTH = 640
LEFT = 96  # room for the level labels
RIGHT = 16
TOP = 8
BAND = 78  # one behaviour: its title, then four levels
TITLE = 16
STEP = 12  # between two levels
BOTTOM = 22  # the dates


def _y(band_top: float, level: int) -> float:
    return band_top + TITLE + 6 + (Level.ROLE_MODEL - level) * STEP


def _x(index: int, count: int) -> float:
    plot = WIDTH - LEFT - RIGHT
    return LEFT + (plot * (index + 0.5) / count)


def chart_summary(history: History) -> str:
    return ngettext(
        "Your level and your mentors' (the lowest, where several rated) for %(behaviours)d "
        "behaviours across %(count)d check-in; the table below gives the same levels.",
        "Your level and your mentors' (the lowest, where several rated) for %(behaviours)d "
        "behaviours across %(count)d check-ins; the table below gives the same levels.",
        len(history.checkins),
    ) % {"behaviours": len(history.series), "count": len(history.checkins)}


def _point_title(template: str, number: int, date: str, labels: dict, point: Point) -> str:
    return template % {
        "number": number,
        "date": date,
        "level": labels[point.level],
        "mentor": labels[point.mentor_level],
    }


def ratings_chart_svg(history: History, chart_id: str = "ratings-chart") -> SafeString:
    if not history.checkins or not history.series:
        return SafeString("")
    count = len(history.checkins)
    # Formatted once per chart, not once per point: dates and labels are the costly part.
    template = _("%(number)d. %(date)s: you %(level)s, mentor %(mentor)s")
    dates = {c.pk: date_format(c.date, "DATE_FORMAT") for c in history.checkins}
    labels = {None: "—", **{value: level_label(value) for value in Level.values}}
    height = TOP + BAND * len(history.series) + BOTTOM
    bands = []
    for index, series in enumerate(history.series):
        top = TOP + index * BAND
        grid = format_html_join(
            "",
            '<line class="chart-level" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
            '<text class="chart-level-label" x="{}" y="{}" text-anchor="end">{}</text>',
            (
                (LEFT, f"{_y(top, level):.1f}", WIDTH - RIGHT, f"{_y(top, level):.1f}", LEFT - 6,
                 f"{_y(top, level) + 4:.1f}", labels[level])
                for level in Level.values
            ),
        )  # fmt: skip
        own = [(i, p, p.level) for i, p in enumerate(series.points) if p.level]
        mentors = [(i, p, p.mentor_level) for i, p in enumerate(series.points) if p.mentor_level]
        lines = []
        for css, points, mark in (("chart-self", own, "dot"), ("chart-mentor", mentors, "square")):
            coords = [(_x(i, count), _y(top, level)) for i, _p, level in points]
            if len(coords) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
                lines.append(format_html('<polyline class="{}" points="{}"></polyline>', css, path))
            for (x, y), (_i, point, _level) in zip(coords, points, strict=True):
                title = _point_title(
                    template, series.number, dates[point.checkin.pk], labels, point
                )
                if mark == "dot":
                    lines.append(
                        format_html(
                            '<circle class="{}" cx="{}" cy="{}" r="4"><title>{}</title></circle>',
                            css,
                            f"{x:.1f}",
                            f"{y:.1f}",
                            title,
                        )
                    )
                else:
                    lines.append(
                        format_html(
                            '<rect class="{}" x="{}" y="{}" width="8" height="8">'
                            "<title>{}</title></rect>",
                            css,
                            f"{x - 4:.1f}",
                            f"{y - 4:.1f}",
                            title,
                        )
                    )
        label = Truncator(f"{series.number}. {series.behaviour.text}").chars(80)
        bands.append(
            format_html(
                '<g class="chart-band"><text class="chart-band-title" x="0" y="{}">{}</text>'
                "{}{}</g>",
                top + TITLE - 4,
                label,
                grid,
                SafeString("".join(lines)),
            )
        )
    dates = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f"{_x(i, count):.1f}", height - 6, date_format(c.date, "SHORT_DATE_FORMAT"))
            for i, c in enumerate(history.checkins)
        ),
    )
    return format_html(
        '<svg class="chart ratings-chart" id="{id}" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '{bands}<g class="chart-dates">{dates}</g></svg>',
        id=chart_id,
        width=WIDTH,
        height=height,
        title=_("Your ratings and your mentors' per behaviour"),
        desc=chart_summary(history),
        bands=SafeString("".join(bands)),
        dates=dates,
    )
