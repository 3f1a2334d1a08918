"""Markdown rendered to HTML that is safe to show, in bounded time and depth.

Sanitised: no scripts, handlers, images or `javascript:` URLs (a link to a refused address
shows as its text). Bounded: python-markdown recurses once per level of nested lists or
quotes (500 levels end in RecursionError) and its inline patterns rescan a block once per
opening bracket, backslash or `<` (20,000 of them take minutes). `markdown_problems()` finds
such input; forms refuse it with that message, and `render_markdown()` shows it as plain
paragraphs instead of parsing it, so no stored text can break a page.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# Notes and descriptions longer than this are refused (a megabyte took seconds to render).
MAX_MARKDOWN_CHARS = 20_000
# Levels of lists and quotes inside each other, counted from a line's leading markers.
MAX_NESTING = 20
# Characters that start a pattern python-markdown retries along the rest of the block: `[`
# (links, footnotes, images), `<` (raw HTML, autolinks) and `\\` (escapes). The time grows
# with their number times the block's length; a budget of both, summed over the blocks of
# consecutive non-blank lines, keeps the worst text under a second (a hundred links in one
# paragraph use a third of it).
INLINE_OPENERS = re.compile(r"[\[<\\]")
MAX_OPENER_WORK = 1_000_000
# What looks like the start of an HTML tag makes the raw HTML reader scan the rest of the text
# for its end: a few dozen tags are fine, hundreds in a long text take seconds.
MAX_TAG_OPENERS = 100
TAG_OPENER = re.compile(r"<[A-Za-z/!?]")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}
# Images are not shown: each reader's browser would fetch an address the author chose.
DROPPED_WITH_CONTENT = {"script", "style", "img"}

# Track files link each other as `../<slug>/README.md`; on the site those are track pages.
TRACK_README_LINK = re.compile(r'href="\.\./([-a-zA-Z0-9_]+)/README\.md"')
# nh3 keeps the text of a link whose address it refused (javascript:, data:) in an <a> with
# no href: shown as a link that goes nowhere. Such links become their plain text.
LINK_WITHOUT_HREF = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.DOTALL)

# A line's leading container markers: indentation, `>` and list bullets or numbers.
LEADING_MARKERS = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+[ \t>]*)*")
LIST_MARKER = re.compile(r"(?:[-+*]|\d{1,9}[.)])[ \t]")
BLANK_LINES = re.compile(r"\n[ \t]*\n")


def _nesting(line: str) -> int:
    prefix = LEADING_MARKERS.match(line).group(0)
    indent = len(prefix) - len(prefix.lstrip(" \t"))
    columns = len(prefix[:indent].expandtabs(4))
    return prefix.count(">") + len(LIST_MARKER.findall(prefix)) + columns // 4


def markdown_problems(text: str, max_chars: int = MAX_MARKDOWN_CHARS) -> list[str]:
    """Why `text` cannot be rendered as Markdown, in words for its author; [] when it can."""
    text = text or ""
    problems = []
    if len(text) > max_chars:
        problems.append(
            _("The text is %(length)s characters long; the most is %(max)s.")
            % {"length": len(text), "max": max_chars}
        )
        return problems  # the other checks would take time on text refused anyway
    for number, line in enumerate(text.splitlines(), start=1):
        if _nesting(line) > MAX_NESTING:
            problems.append(
                _("Line %(line)s nests lists, quotes or indentation more than %(max)s levels deep.")
                % {"line": number, "max": MAX_NESTING}
            )
            break
    tags = len(TAG_OPENER.findall(text))
    if tags > MAX_TAG_OPENERS:
        problems.append(
            _("The text has %(count)s HTML tags or “<” before a letter; the most is %(max)s.")
            % {"count": tags, "max": MAX_TAG_OPENERS}
        )
        return problems
    blocks = [(block, len(INLINE_OPENERS.findall(block))) for block in BLANK_LINES.split(text)]
    if sum(len(block) * openers for block, openers in blocks) > MAX_OPENER_WORK:
        block, openers = max(blocks, key=lambda item: len(item[0]) * item[1])
        problems.append(
            _(
                "The paragraph starting “%(start)s” has too many brackets, “<” or backslashes "
                "(%(count)s) for its length: split it with blank lines or write fewer."
            )
            % {"start": block.strip()[:40], "count": openers}
        )
    return problems


def validate_markdown(text: str, max_chars: int = MAX_MARKDOWN_CHARS) -> None:
    """Form validator: refuse Markdown that would be too long or too slow to render."""
    problems = markdown_problems(text, max_chars)
    if problems:
        raise ValidationError(" ".join(problems), code="markdown")


def _track_link(match: re.Match[str]) -> str:
    return f'href="{reverse("progress:track", args=[match.group(1)])}"'


def _plain_paragraphs(text: str) -> str:
    """The text as written, escaped, in paragraphs: linear whatever it holds."""
    return linebreaks(escape(text))


@lru_cache(maxsize=512)
def _render(text: str) -> str:
    if markdown_problems(text):
        html = _plain_paragraphs(text)
    else:
        try:
            html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"])
        except RecursionError:  # nesting the line check does not see: show it as written
            html = _plain_paragraphs(text)
    html = TRACK_README_LINK.sub(_track_link, html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return LINK_WITHOUT_HREF.sub(r"\1", cleaned)


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for `text`; text too deep or too slow to parse is shown as written.

    Descriptions are rendered on each view, so results are kept per process (by text)."""
    return mark_safe(_render(text or ""))  # noqa: S308 - sanitised by nh3 in _render
