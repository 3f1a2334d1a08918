"""Evidence and comments as HTML: the project's sanitised Markdown, with `#topic-key` made a
link to that topic of the track."""

from __future__ import annotations

import re
from collections.abc import Container

from django.urls import reverse
from django.utils.safestring import SafeString

from tracks.markdown import render_markdown
from tracks.models import Topic, Track

# `#key` at the start of a line or after a space or an opening bracket; `# Title` (a heading)
# and `a#b` are left alone.
TOPIC_REFERENCE = re.compile(r"(?<![^\s(\[])#([a-z0-9][-a-z0-9_]*)", re.IGNORECASE)


def topic_keys(track: Track) -> dict[str, str]:
    """The track's live topics, key → title, in tree order's stored order."""
    return dict(Topic.objects.for_track(track).live().order_by("order").values_list("key", "title"))


def render_evidence(
    text: str,
    track: Track,
    keys: Container[str],
    mentee: str | None = None,
    topic_base: str | None = None,
) -> SafeString:
    """`keys`: the track's live topic keys (one query per page, from `topic_keys`). For a
    mentor (`mentee` is the learner's username) a topic link leads to the mentor's panel of
    that topic, with the learner's status and shared notes. `topic_base` sends topic links
    elsewhere (`topic_base` + key + "/"): a team lead's topic panels."""
    if not text:
        return SafeString("")
    base = topic_base
    if base is None and mentee is None:
        base = reverse("progress:track", args=[track.slug]) + "t/"
    elif base is None:
        base = reverse("progress:mentee-track", args=[mentee, track.slug]) + "t/"

    def link(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in keys:
            return match.group(0)
        return f"[#{key}]({base}{key}/)"

    return render_markdown(TOPIC_REFERENCE.sub(link, text))
