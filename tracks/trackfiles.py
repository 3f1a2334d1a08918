"""README.md and trilha-texto.md: reading what people write, writing the canonical form.

See docs/track-format.md. Readers never raise on content they do not recognise: they report it
(with file and line) in `warnings`, so that nothing is dropped silently.
"""

from __future__ import annotations

import functools
import hashlib
import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext as _

KEY_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")

RESOURCE_KINDS = ["article", "video", "book", "course", "documentation", "podcast", "other"]
_KIND_ALIASES = {
    "article": "article",
    "artigo": "article",
    "blog": "article",
    "post": "article",
    "video": "video",
    "videos": "video",
    "book": "book",
    "livro": "book",
    "ebook": "book",
    "course": "course",
    "curso": "course",
    "documentation": "documentation",
    "documentacao": "documentation",
    "docs": "documentation",
    "doc": "documentation",
    "podcast": "podcast",
    "other": "other",
    "outro": "other",
}
_KIND_BY_URL = [
    ("video", r"(youtube\.com|youtu\.be|vimeo\.com|twitch\.tv)"),
    ("podcast", r"(podcasts?\.|spotify\.com/(show|episode)|anchor\.fm|soundcloud\.com)"),
    (
        "course",
        r"(coursera\.org|udemy\.com|edx\.org|udacity\.com|alura\.com|pluralsight\.com|"
        r"khanacademy\.org|datacamp\.com|kaggle\.com/learn|fast\.ai|/courses?/)",
    ),
    (
        "book",
        r"(oreilly\.com/library|amazon\.[a-z.]+/.*(dp|gp/product)/|books\.google|leanpub\.com|"
        r"manning\.com|packtpub\.com|/book/|/books/)",
    ),
    (
        "documentation",
        r"(//docs\.|readthedocs\.|/docs?/|/documentation/|developer\.|/reference/|/manual/)",
    ),
    ("article", r"(medium\.com|dev\.to|substack\.com|towardsdatascience\.com|/blog/|blog\.)"),
]

BEHAVIOUR_SECTIONS = {
    "comportamentos esperados": "pt-br",
    "comportamentos": "pt-br",
    "expected behaviours": "en",
    "expected behaviors": "en",
}
SEE_ALSO_SECTIONS = {
    "veja tambem": "pt-br",
    "trilhas relacionadas": "pt-br",
    "see also": "en",
    "related tracks": "en",
}
TRACK_SECTIONS = {"trilha", "track", "diagrama", "diagram"}


def normalize_text(text: str) -> str:
    """Case, accents, Markdown emphasis and spacing do not matter when matching titles."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[*_`]", "", text)
    return " ".join(text.casefold().split())


def normalize_block(text: str) -> str:
    """Markdown text as stored: LF line ends, no trailing spaces, no blank lines around."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def one_line(text: str) -> str:
    return " ".join(text.split())


def behaviour_normal(text: str) -> str:
    """What identifies a behaviour's wording: case, accents, punctuation and spacing do not
    count, so "Be curious." and "be  curious" are the same behaviour."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def behaviour_key(text: str) -> str:
    """The key a behaviour's text gives when none is written: a slug of its first words;
    texts with no ASCII letters get a hash of their wording."""
    base = slugify(behaviour_normal(text))
    if len(base) > 80:
        base = base[:81].rsplit("-", 1)[0] if "-" in base[:81] else base[:80]
    base = base.strip("-_")
    if not re.search(r"[a-z]", base):
        digest = hashlib.sha1(behaviour_normal(text).encode()).hexdigest()
        base = f"b-{digest[:10]}"
    return base


def split_behaviour(item: str) -> tuple[str, str | None]:
    """A behaviour as the README lists it: its text, and the key written as `{#key}`, if any."""
    return _split_key(one_line(item))


def kind_from_tag(tag: str) -> str | None:
    return _KIND_ALIASES.get(normalize_text(tag).replace(" ", ""))


def guess_kind(url: str) -> str:
    if len(url) > 1000:  # not a web address anyway (see is_web_url)
        return "other"
    for kind, pattern in _KIND_BY_URL:
        if re.search(pattern, url, re.IGNORECASE):
            return kind
    return "other"


def is_web_url(url: str) -> bool:
    return bool(re.match(r"^https?://[^\s/]+", url, re.IGNORECASE)) and len(url) <= 1000


# --- Markdown bits --------------------------------------------------------------------------

# Lines reach these patterns with their trailing spaces removed (`line.rstrip()`), and every
# pattern is written so that no part of a line is tried more than a bounded number of times:
# reading stays linear in the length of the line, whatever it holds.
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_BOLD_OPENERS = ("<b>", "<strong>", "**", "__")
_BOLD_CLOSERS = ("</b>", "</strong>", "**", "__")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?:[-*+]|\d{1,3}[.)])[ \t]+(?P<text>.*)$")
_KEY_SUFFIX = re.compile(r"\{#(?P<key>[^{}]*)\}$")
_IMAGE = re.compile(r"!\[[^\[\]]*\]\(\s*<?(?P<target>[^)\s>]+)>?")
_MD_LINK = re.compile(r"(?<!!)\[(?P<text>(?:\\.|[^\[\]\\])*)\]\(\s*<?(?P<target>[^)\s>]+)>?")
_RELATED_TARGET = re.compile(r"^\.\./(?P<slug>[-\w]+)/?(?:README\.md)?(?:#.*)?$", re.IGNORECASE)
_LANGUAGE = re.compile(r"^\s*\((?P<lang>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _strip_closing_hashes(text: str) -> str:
    """`Title ##` → `Title`: a heading's optional closing hashes, after a space."""
    text = text.rstrip(" \t")
    bare = text.rstrip("#")
    if len(bare) < len(text) and bare[-1:] in (" ", "\t"):
        return bare.rstrip(" \t")
    return text


def _bold_label(line: str) -> str | None:
    """The text of a bold label alone on its line (`<b>Label</b>`, `**Label:**`), or None."""
    lowered = line.lower()
    opener = next((tag for tag in _BOLD_OPENERS if lowered.startswith(tag)), None)
    if opener is None:
        return None
    rest = line[len(opener) :].rstrip()
    if rest.endswith(":"):
        rest = rest[:-1].rstrip()
    closer = next((tag for tag in _BOLD_CLOSERS if rest.lower().endswith(tag)), None)
    if closer is None:
        return None
    text = rest[: len(rest) - len(closer)].strip()
    if text.endswith(":"):
        text = text[:-1].rstrip()
    if not text or any(char in text for char in "<*_"):
        return None
    return text


def _section_name(line: str) -> str | None:
    heading = _HEADING.match(line)
    if heading and len(heading.group(1)) >= 2:
        return normalize_text(_strip_closing_hashes(heading.group(2))).rstrip(":")
    bold = _bold_label(line.strip())
    if bold:
        return normalize_text(bold).rstrip(":")
    return None


def _is_section(line: str) -> bool:
    name = _section_name(line)
    return name is not None and (
        name in BEHAVIOUR_SECTIONS or name in SEE_ALSO_SECTIONS or name in TRACK_SECTIONS
    )


def _markdown_link(text: str, start: int) -> tuple[str, str, int] | None:
    """`[title](url)` at `start`: (title, url, end). URLs may hold balanced parentheses."""
    if not text.startswith("[", start):
        return None
    index = start + 1
    title_chars: list[str] = []
    while index < len(text) and text[index] != "]":
        if text[index] == "\\" and index + 1 < len(text):
            index += 1
        title_chars.append(text[index])
        index += 1
    if not text.startswith("](", index):
        return None
    index += 2
    if text.startswith("<", index):
        close = text.find(">", index)
        if close < 0 or not text.startswith(")", close + 1):
            return None
        return "".join(title_chars), text[index + 1 : close], close + 2
    depth = 0
    url_start = index
    while index < len(text):
        char = text[index]
        if char.isspace():
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        index += 1
    url = text[url_start:index]
    # An optional link title: [text](url "title")
    rest = text[index:]
    quoted = re.match(r'^\s+"[^"]*"', rest)
    if quoted:
        index += quoted.end()
    if not text.startswith(")", index) or not url:
        return None
    return "".join(title_chars), url, index + 1


# --- README.md ------------------------------------------------------------------------------


@dataclass
class Readme:
    title: str = ""
    description: str = ""
    behaviours: list[str] = field(default_factory=list)
    # (slug, line) of each `../<slug>/README.md` link, in the order they appear.
    related: list[tuple[str, int]] = field(default_factory=list)
    diagram: str = ""
    language: str = ""
    warnings: list[str] = field(default_factory=list)


def parse_readme(text: str, filename: str = "README.md") -> Readme:
    readme = Readme()
    section = "preamble"
    description: list[str] = []
    behaviour_lines: list[tuple[str, int]] = []
    fenced = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if _FENCE.match(line):
            fenced = not fenced
        name = None if fenced else _section_name(line)
        if section == "preamble":
            heading = _HEADING.match(line)
            if heading and len(heading.group(1)) == 1:
                readme.title = one_line(_strip_closing_hashes(heading.group(2)))
                section = "description"
                continue
            if name is None:
                continue
        if name is not None and (
            name in BEHAVIOUR_SECTIONS or name in SEE_ALSO_SECTIONS or name in TRACK_SECTIONS
        ):
            if name in BEHAVIOUR_SECTIONS:
                section = "behaviours"
                readme.language = readme.language or BEHAVIOUR_SECTIONS[name]
            elif name in SEE_ALSO_SECTIONS:
                section = "see-also"
                readme.language = readme.language or SEE_ALSO_SECTIONS[name]
            else:
                section = "track"
            continue
        if section == "description":
            description.append(line if fenced else _unescape(line, _is_section))
            _collect_related(line, number, readme)
        elif section == "behaviours":
            _collect_behaviour(line, number, behaviour_lines, readme, filename)
        elif section == "see-also":
            _collect_related(line, number, readme)
        elif section == "track" and not readme.diagram:
            image = _IMAGE.search(line)
            if image:
                readme.diagram = image.group("target")
    readme.description = normalize_block("\n".join(description))
    readme.behaviours = _behaviour_items(behaviour_lines, readme, filename)
    return readme


def _behaviour_items(lines: list[tuple[str, int]], readme: Readme, filename: str) -> list[str]:
    """Each behaviour as `text` or `text {#key}`; a key that is invalid or already used is
    dropped with a warning, and the behaviour gets the key its text gives."""
    items: list[str] = []
    keys: set[str] = set()
    for line, number in lines:
        text, key = split_behaviour(line)
        if not text:
            continue
        if key is not None and not KEY_PATTERN.match(key):
            readme.warnings.append(
                _(
                    "%(file)s:%(line)d: “{#%(key)s}” is not a valid key (letters, digits, - and "
                    "_, at most 120); the behaviour gets the key its text gives"
                )
                % {"file": filename, "line": number, "key": key}
            )
            key = None
        elif key is not None and key in keys:
            readme.warnings.append(
                _(
                    "%(file)s:%(line)d: the key “%(key)s” is already used by another behaviour; "
                    "this one gets the key its text gives"
                )
                % {"file": filename, "line": number, "key": key}
            )
            key = None
        if key is not None:
            keys.add(key)
        items.append(f"{text} {{#{key}}}" if key else text)
    return items


def _collect_behaviour(
    line: str, number: int, items: list[tuple[str, int]], readme: Readme, filename: str
) -> None:
    """One list item per behaviour, with the line it starts on; a `{#key}` after the text
    (as topic headings have) is read in `_behaviour_items`."""
    if not line.strip():
        return
    item = _LIST_ITEM.match(line)
    if item:
        items.append((item.group("text"), number))
    elif items and line[:1] in (" ", "\t"):
        items[-1] = (items[-1][0] + " " + line.strip(), items[-1][1])
    else:
        readme.warnings.append(
            _("%(file)s:%(line)d: text in the behaviours section is not a list item; ignored")
            % {"file": filename, "line": number}
        )


def _collect_related(line: str, number: int, readme: Readme) -> None:
    for match in _MD_LINK.finditer(line):
        related = _RELATED_TARGET.match(match.group("target"))
        if related:
            slug = related.group("slug")
            if slug not in [known for known, _line in readme.related]:
                readme.related.append((slug, number))


def write_readme(
    *,
    title: str,
    description: str,
    behaviours: Iterable[str | tuple[str, str]],
    related: Iterable[tuple[str, str]],
    diagram: str,
    language: str,
) -> str:
    """README.md in canonical form. `behaviours` holds texts or (text, key) pairs: a key is
    written only where it differs from the one the text gives, so that files stay as people
    write them. `related` holds (slug, title) pairs."""
    english = language.lower().startswith("en")
    parts = [f"# {one_line(title)}"]
    description = _escape_block(description, _is_section)
    if description:
        parts.append(description)
    items = []
    for behaviour in behaviours:
        text, key = (behaviour, "") if isinstance(behaviour, str) else behaviour
        text = one_line(text)
        if text:
            items.append(f"{text} {{#{key}}}" if key and key != behaviour_key(text) else text)
    if items:
        heading = "## Expected behaviours" if english else "## Comportamentos esperados"
        parts.append(heading + "\n\n" + "\n".join(f"- {text}" for text in items))
    related = list(related)
    if related:
        heading = "## See also" if english else "## Veja também"
        links = [f"- [{_escape_link_text(name)}](../{slug}/README.md)" for slug, name in related]
        parts.append(heading + "\n\n" + "\n".join(links))
    heading = "## Track" if english else "## Trilha"
    parts.append(f"{heading}\n\n![{_escape_link_text(title)}]({diagram})")
    return "\n\n".join(parts) + "\n"


def _escape_link_text(text: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", one_line(text))


# --- trilha-texto.md ------------------------------------------------------------------------


@dataclass
class TextResource:
    title: str
    url: str
    kind: str
    language: str
    line: int


@dataclass
class TextEntry:
    title: str
    key: str
    line: int
    heading: bool
    # The heading or list item as it was written, without its key (on one line, shortened).
    written: str = ""
    description: str = ""
    resources: list[TextResource] = field(default_factory=list)
    lines: list[str] = field(default_factory=list, repr=False)


@dataclass
class TrilhaTexto:
    entries: list[TextEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _split_key(text: str) -> tuple[str, str | None]:
    text = text.rstrip(" \t")
    match = _KEY_SUFFIX.search(text)
    if not match:
        return text.strip(), None
    return text[: match.start()].strip(), match.group("key")


def _strip_inline_markdown(text: str) -> str:
    text = _MD_LINK.sub(lambda match: match.group("text"), text)
    return one_line(text)


def _parse_resource(text: str, number: int) -> TextResource | None:
    """`[kind] [Title](https://...) (lang)`, `[Title](url)` or a bare URL; None otherwise."""
    tag = ""
    rest = text
    tag_match = re.match(r"^\[(?P<tag>[^\[\]]+)\]\s*(?=\[)", text)
    if tag_match:
        tag = tag_match.group("tag")
        rest = text[tag_match.end() :]
    link = _markdown_link(rest, 0)
    if link is None and tag:
        # `[Title](url)` whose title happens to be followed by another bracket: no tag after all.
        link = _markdown_link(text, 0)
        rest, tag = text, ""
    if link is None:
        bare = re.match(r"^<?(?P<url>https?://[^\s<>]+)>?(?P<after>.*)$", text, re.IGNORECASE)
        if not bare:
            return None
        title, url, end = bare.group("url"), bare.group("url"), len(text) - len(bare.group("after"))
        rest = text
    else:
        title, url, end = link
    after = rest[end:]
    language = ""
    lang = _LANGUAGE.match(after)
    if lang:
        language = lang.group("lang").lower().replace("_", "-")
        after = after[lang.end() :]
    after = after.strip()
    if after:
        title = f"{title} {after}"
    kind = (kind_from_tag(tag) if tag else None) or guess_kind(url)
    return TextResource(
        title=one_line(title) or url, url=url.strip(), kind=kind, language=language, line=number
    )


# What may separate a topic's name from its links on one line: `Docker — [docs](…)`.
_NAME_SEPARATORS = " \t—–-:·|,;"


def _links_in(text: str, number: int) -> list[TextResource]:
    """The web links written in `text`, each a resource (`[docs](https://…) (en)`)."""
    resources = []
    for match in _MD_LINK.finditer(text):
        link = _markdown_link(text, match.start())
        if link is None:
            continue
        title, url, end = link
        language = _LANGUAGE.match(text[end:])
        if is_web_url(url.strip()):
            resources.append(
                TextResource(
                    title=one_line(title) or url.strip(),
                    url=url.strip(),
                    kind=guess_kind(url),
                    language=language.group("lang").lower().replace("_", "-") if language else "",
                    line=number,
                )
            )
    return resources


def _item_name(title: str) -> str:
    """The topic a list item names before its links (`**Spark**: [docs](…)` → `**Spark**`),
    or "" when it starts with a link or holds none."""
    first = _MD_LINK.search(title)
    if first is None or first.start() == 0:
        return ""
    return title[: first.start()].rstrip(_NAME_SEPARATORS).strip()


def _is_structural(line: str, titles: set[str]) -> bool:
    """Would this line start an entry or a resource if it were not in a description?"""
    if _HEADING.match(line):
        return True
    item = _LIST_ITEM.match(line)
    if not item:
        return False
    text = item.group("text")
    if _parse_resource(text, 0) is not None:
        return True
    title, key = _split_key(text)
    return (
        key is not None
        or normalize_text(_strip_inline_markdown(title)) in titles
        or normalize_text(_item_name(title)) in titles
    )


def parse_trilha_texto(
    text: str, filename: str = "trilha-texto.md", titles: Iterable[str] = ()
) -> TrilhaTexto:
    """Entries (one per heading, or per plain list item naming a diagram node) with their
    description and resources. `titles` are the diagram's node titles, used to tell a list item
    naming a topic from a list item in a description."""
    known = {normalize_text(title) for title in titles}
    result = TrilhaTexto()
    current: TextEntry | None = None
    stray_line = 0
    fenced = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if _FENCE.match(line):
            fenced = not fenced
        if not fenced:
            entry = _entry_from_line(line, number, known, current, result, filename)
            if entry is not None:
                result.entries.append(entry)
                current = entry
                continue
            item = _LIST_ITEM.match(line)
            resource = _parse_resource(item.group("text"), number) if item else None
            if resource is not None:
                if current is None:
                    result.warnings.append(
                        _("%(file)s:%(line)d: a link before the first topic; ignored")
                        % {"file": filename, "line": number}
                    )
                elif not is_web_url(resource.url):
                    result.warnings.append(
                        _("%(file)s:%(line)d: “%(url)s” is not a web address; link ignored")
                        % {"file": filename, "line": number, "url": resource.url}
                    )
                else:
                    current.resources.append(resource)
                continue
            line = _unescape(line, functools.partial(_is_structural, titles=known))
        if current is None:
            if line.strip() and not stray_line:
                stray_line = number
            continue
        current.lines.append(line)
    if stray_line:
        result.warnings.append(
            _("%(file)s:%(line)d: text before the first topic heading; ignored")
            % {"file": filename, "line": stray_line}
        )
    for entry in result.entries:
        body = "\n".join(entry.lines)
        entry.description = normalize_block(body if entry.heading else textwrap.dedent(body))
        entry.lines = []
    return result


def _entry_from_line(
    line: str,
    number: int,
    known: set[str],
    current: TextEntry | None,
    result: TrilhaTexto,
    filename: str,
) -> TextEntry | None:
    heading = _HEADING.match(line)
    resources: list[TextResource] = []
    if heading:
        title, key = _split_key(heading.group(2))
        if key is None:
            title = _strip_closing_hashes(title)
        written = title
        is_heading = True
        # A link in the heading itself (`## [Python](https://python.org)`) is a resource too.
        resources = _links_in(title, number)
    else:
        item = _LIST_ITEM.match(line)
        if not item or _parse_resource(item.group("text"), number) is not None:
            return None
        title, key = _split_key(item.group("text"))
        written = title
        # `- Docker — [Get started](https://…)`: the item names a topic and gives its links.
        name = _item_name(title)
        if name and normalize_text(_strip_inline_markdown(title)) not in known:
            resources = _links_in(title[len(name) :], number)
            title = name
        plain = normalize_text(_strip_inline_markdown(title))
        in_description = current is not None and current.heading
        if key is None and (plain not in known) and in_description:
            return None
        is_heading = False
    if key is not None and not KEY_PATTERN.match(key):
        result.errors.append(
            _(
                "%(file)s:%(line)d: “{#%(key)s}” is not a valid key (letters, digits, - and _, "
                "at most 120)"
            )
            % {"file": filename, "line": number, "key": key}
        )
        key = None
    written = one_line(written)
    return TextEntry(
        title=_strip_inline_markdown(title),
        key=key or "",
        line=number,
        heading=is_heading,
        written=written if len(written) <= 200 else written[:199] + "…",
        resources=resources,
    )


def _needs_escape(line: str, special: Callable[[str], bool]) -> bool:
    """Would the reader take this text line for something else (a fence, structure, or an
    escaped one of those)?"""
    while True:
        stripped = line.lstrip()
        if _FENCE.match(stripped) or special(line):
            return True
        if not stripped.startswith("\\"):
            return False
        line = stripped[1:]


def _unescape(line: str, special: Callable[[str], bool]) -> str:
    stripped = line.lstrip()
    if stripped.startswith("\\") and _needs_escape(stripped[1:], special):
        return line[: len(line) - len(stripped)] + stripped[1:]
    return line


def _escape_block(text: str, special: Callable[[str], bool]) -> str:
    """Escape (with a leading backslash) the lines the reader would take for structure,
    outside code fences. An unclosed fence is escaped too, or it would swallow the rest."""
    lines = normalize_block(text).split("\n")
    fences = [index for index, line in enumerate(lines) if _FENCE.match(line)]
    unclosed = fences[-1] if len(fences) % 2 else None
    fenced = False
    escaped = []
    for index, line in enumerate(lines):
        if index == unclosed or (not fenced and _needs_escape(line, special)):
            stripped = line.lstrip()
            line = line[: len(line) - len(stripped)] + "\\" + stripped
        elif _FENCE.match(line):
            fenced = not fenced
        escaped.append(line)
    return "\n".join(escaped)


@dataclass
class TopicText:
    depth: int
    title: str
    key: str
    description: str
    resources: list[tuple[str, str, str, str]]  # (title, url, kind, language)


def write_trilha_texto(topics: Iterable[TopicText]) -> str:
    """One heading per topic in tree order, `{#key}`, description, then `- [kind] [title](url)`."""
    topics = list(topics)
    titles = {normalize_text(topic.title) for topic in topics}
    parts = []
    for topic in topics:
        block = [f"{'#' * min(topic.depth + 1, 6)} {one_line(topic.title)} {{#{topic.key}}}"]
        description = _escape_block(
            topic.description, functools.partial(_is_structural, titles=titles)
        )
        if description:
            block.append(description)
        if topic.resources:
            block.append("\n".join(_resource_line(*resource) for resource in topic.resources))
        parts.append("\n\n".join(block))
    return "\n\n".join(parts) + "\n"


def _resource_line(title: str, url: str, kind: str, language: str) -> str:
    target = url
    if re.search(r"[\s<>]", url) or url.count("(") != url.count(")"):
        target = f"<{url}>"
    line = f"- [{kind or 'other'}] [{_escape_link_text(title)}]({target})"
    if language:
        line += f" ({language})"
    return line
