"""Reading PlantUML mind maps and work breakdown structures into a tree of nodes.

The reader accepts what PlantUML itself renders (markers, colours, boxless nodes, multi-line
nodes, links, icons, creole, styles, titles, comments, several roots...) and rejects what it
cannot understand with the line and the reason. It never follows `!include`: a diagram must be
one file. Only simple `!$name = "value"` variables are substituted; no other preprocessor
directive is executed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..tree import MAX_DEPTH

MAX_TITLE_LENGTH = 500


class DiagramError(ValueError):
    """A diagram PlantUML would not draw (or that we will not run): names the line and why."""

    def __init__(self, reason: str, line: int | None = None, filename: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.filename = filename

    def __str__(self) -> str:
        where = self.filename or _("diagram")
        if self.line:
            return f"{where}:{self.line}: {self.reason}"
        return f"{where}: {self.reason}"


@dataclass
class DiagramNode:
    title: str
    depth: int
    line: int
    side: str = "right"
    colour: str = ""
    boxless: bool = False
    # The URL of a `[[url label]]` link in the node, if any.
    link: str = ""
    # The lines after the first one in a `:multi-line;` node.
    note: str = ""
    indent: int = 0
    children: list[DiagramNode] = field(default_factory=list)
    parent: DiagramNode | None = field(default=None, repr=False)

    def walk(self) -> Iterator[DiagramNode]:
        """The node and its descendants, depth first, without recursion."""
        pending = [self]
        while pending:
            node = pending.pop()
            yield node
            pending.extend(reversed(node.children))


@dataclass
class Diagram:
    kind: str  # "mindmap" or "wbs"
    roots: list[DiagramNode] = field(default_factory=list)
    title: str = ""
    warnings: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[DiagramNode]:
        for root in self.roots:
            yield from root.walk()

    @property
    def node_count(self) -> int:
        return sum(1 for _node in self.walk())


# --- labels -------------------------------------------------------------------------------

_ESCAPE = re.compile(r"~(.)", re.DOTALL)
_STEREOTYPE = re.compile(r"<<[^<>]*>>")
_ICON = re.compile(r"<&[^<>\s]*>")
_EMOJI = re.compile(r"<(?:#\w+)?:[^<>\s]*:>")
_IMAGE = re.compile(r"<img[:\s][^<>]*>", re.IGNORECASE)
_SPRITE = re.compile(r"<\$[^<>]*>")
_TAG = re.compile(
    r"</?(?:b|i|u|s|w|strike|del|color|size|font|back|sub|sup|code|plain|img|math|latex)"
    r"(?::[^<>]*|\s[^<>]*)?>",
    re.IGNORECASE,
)
# Creole `**bold**`, `//italic//` (not the `//` of a URL), `""mono""`, `--strike--`, `__under__`.
_CREOLE_PAIRS = ["**", "//", '""', "--", "__"]
_TRAILING_COLOUR = re.compile(r"\[#\w+\]$")
_PRIVATE_USE = 0xF0000  # Supplementary Private Use Area-A: never in real titles.


@dataclass
class Label:
    title: str
    link: str = ""
    # A `[#colour]` written at the end of the text (PlantUML draws it as text): dropped.
    stray_colour: str = ""


def _replace_pairs(
    text: str, opener: str, closer: str, replace: Callable[[str], str], after_colon: bool = True
) -> str:
    """Each `opener` text `closer` (at least one character between, the first closer that
    follows) replaced by `replace(text)`, as the lazy `opener(.+?)closer` would, in one pass:
    once an opener finds no closer after it, no later one can either. Without `after_colon`,
    markers right after a `:` do not count (the `//` of `https://`)."""
    out: list[str] = []
    position = 0
    while True:
        start = text.find(opener, position)
        if start < 0:
            break
        if not after_colon and text[start - 1 : start] == ":":
            out.append(text[position : start + 1])
            position = start + 1
            continue
        end = text.find(closer, start + len(opener) + 1)
        while end >= 0 and not after_colon and text[end - 1] == ":":
            end = text.find(closer, end + 1)
        if end < 0:
            break
        out.append(text[position:start])
        out.append(replace(text[start + len(opener) : end]))
        position = end + len(closer)
    out.append(text[position:])
    return "".join(out)


def clean_label(raw: str) -> Label:
    """Text of a node label without PlantUML markup: icons, emoji, stereotypes, creole, links.

    Every step is linear in the length of the label, whatever it holds."""
    escaped: list[str] = []

    def protect(match: re.Match[str]) -> str:
        escaped.append(match.group(1))
        return chr(_PRIVATE_USE + len(escaped) - 1)

    text = _ESCAPE.sub(protect, raw)
    links: list[str] = []

    def link_label(inside: str) -> str:
        target, _space, label = inside.strip().partition(" ")
        target = re.sub(r"\{[^{}]*\}", "", target)
        links.append(target)
        return f" {label.strip() or target} "

    text = _replace_pairs(text, "[[", "]]", link_label)
    for pattern in (_STEREOTYPE, _ICON, _EMOJI, _IMAGE, _SPRITE):
        text = pattern.sub(" ", text)
    text = _TAG.sub("", text)
    # Creole headings: `= Title`, `== Title`.
    text = re.sub(r"^\s*=+\s*", "", text)
    text = text.replace("\\n", " ").replace("\\t", " ")
    for marker in _CREOLE_PAIRS:
        text = _replace_pairs(text, marker, marker, str, after_colon=marker != "//")
    stray = ""
    trailing = _TRAILING_COLOUR.search(text.rstrip())
    if trailing:
        before = text[: trailing.start()].rstrip()
        if before:
            stray = trailing.group(0)
            text = before
    if escaped:
        text = text.translate({_PRIVATE_USE + index: char for index, char in enumerate(escaped)})
    title = " ".join(text.split())
    return Label(title=title, link=links[0] if links else "", stray_colour=stray)


def escape_label(title: str) -> str:
    """The inverse of clean_label for plain text: markup-looking text is escaped with `~`."""
    title = " ".join(title.split())
    out: list[str] = []
    for index, char in enumerate(title):
        following = title[index + 1 : index + 2]
        doubled = char in '*/"-_' and following == char
        if char in "~\\" or (char == "=" and index == 0) or doubled:
            out.append("~" + char)
        elif char == "<" and following and (following in "<&:$/#" or following.isalpha()):
            out.append("~<")
        elif char == "[" and following in ("[", "#"):
            out.append("~[")
        else:
            out.append(char)
    return "".join(out)


# --- lines --------------------------------------------------------------------------------

_START = re.compile(r"^@start(\w+)\b", re.IGNORECASE)
_END = re.compile(r"^@end(\w+)\b", re.IGNORECASE)
_NODE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[*#]+|[+-]+)"
    r"(?P<colour>\[#\w+\])?"
    r"(?P<code>\([\w]+\))?"
    r"(?P<flags>[_<>]{0,2})"
    r"(?P<rest>.*)$"
)
_STEREOTYPE_END = re.compile(r"<<[^<>]+>>$")
_SIDE = re.compile(r"^(left|right)\s+side$", re.IGNORECASE)
_DIRECTION = re.compile(
    r"^(top\s+to\s+bottom|left\s+to\s+right|right\s+to\s+left|bottom\s+to\s+top)\s+direction$",
    re.IGNORECASE,
)
_TITLE = re.compile(r"^title(?:\s+(?P<text>.*))?$", re.IGNORECASE)
_CAPTION = re.compile(r"^caption\b", re.IGNORECASE)
_HEADER_FOOTER = re.compile(r"^(?:(?:left|right|center)\s+)?(header|footer)(?:\s+(.*))?$", re.I)
_LEGEND = re.compile(r"^legend\b", re.IGNORECASE)
_SKINPARAM = re.compile(r"^skinparam\b", re.IGNORECASE)
_IGNORED = re.compile(r"^(?:scale|mainframe|hide|!theme|!pragma)\b", re.IGNORECASE)
_INCLUDE = re.compile(r"^!\s*(include\w*|import)\b", re.IGNORECASE)
_VARIABLE = re.compile(r"^!\s*\$(?P<name>[A-Za-z_]\w*)\s*\??=(?P<value>.*)$")
_VARIABLE_USE = re.compile(r"\$([A-Za-z_]\w*)")
_DIRECTIVE = re.compile(r"^!\s*(\$?\w+)")
_VALUE = re.compile(r"""^(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[\w.#%-]+))$""")


class _Reader:
    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.lines = [line.rstrip("\r") for line in text.lstrip("\ufeff").split("\n")]
        self.index = 0
        self.variables: dict[str, str] = {}
        self.diagram = Diagram(kind="mindmap")
        self.default_side = "right"
        self.paths: dict[str, list[DiagramNode]] = {}
        self.unknown_links = 0

    def error(self, reason: str, line: int | None = None) -> DiagramError:
        return DiagramError(reason, line or self.index, self.filename)

    def next_line(self) -> str | None:
        if self.index >= len(self.lines):
            return None
        line = self.lines[self.index]
        self.index += 1
        if line.lstrip().startswith("!"):
            return line
        return self.substitute(line)

    def substitute(self, line: str) -> str:
        if not self.variables or "$" not in line:
            return line
        # A name runs to the end of the word: `$ab` is the variable `ab`, never `a` then `b`.
        return _VARIABLE_USE.sub(
            lambda match: self.variables.get(match.group(1), match.group(0)), line
        )

    def skip_until(self, end: re.Pattern[str], what: str) -> None:
        start = self.index
        while (line := self.next_line()) is not None:
            if end.search(line.strip()):
                return
        raise self.error(_("%(what)s is never closed") % {"what": what}, start)

    def parse(self) -> Diagram:
        self.find_start()
        while (line := self.next_line()) is not None:
            stripped = line.strip()
            if not stripped:
                continue
            if _END.match(stripped):
                break
            self.parse_line(line, stripped)
        if not self.diagram.roots:
            raise DiagramError(_("the diagram has no nodes"), None, self.filename)
        if self.unknown_links:
            self.diagram.warnings.append(
                _("%(file)s: %(count)d node links are not web addresses and were not kept")
                % {"file": self.filename, "count": self.unknown_links}
            )
        return self.diagram

    def find_start(self) -> None:
        while (line := self.next_line()) is not None:
            match = _START.match(line.strip())
            if not match:
                continue
            kind = match.group(1).lower()
            if kind not in ("mindmap", "wbs"):
                raise self.error(
                    _("@start%(kind)s is not a mind map: use @startmindmap or @startwbs")
                    % {"kind": kind}
                )
            self.diagram.kind = kind
            return
        raise DiagramError(_("no @startmindmap or @startwbs line"), None, self.filename)

    def parse_line(self, line: str, stripped: str) -> None:
        lowered = stripped.lower()
        if stripped.startswith("'"):
            return
        if stripped.startswith("/'"):
            if "'/" not in stripped[2:]:
                self.skip_until(re.compile(r"'/"), _("a /' comment"))
            return
        if lowered.startswith("<style"):
            if "</style>" not in lowered:
                self.skip_until(re.compile(r"</style>", re.IGNORECASE), "<style>")
            return
        if stripped.startswith("!"):
            self.parse_directive(stripped)
            return
        node = _NODE.match(line)
        if node:
            self.parse_node(node)
            return
        if _SKINPARAM.match(stripped):
            self.skip_braces(stripped)
            return
        side = _SIDE.match(stripped)
        if side:
            self.default_side = side.group(1).lower()
            return
        title = _TITLE.match(stripped)
        if title:
            if title.group("text"):
                self.diagram.title = clean_label(title.group("text")).title
            else:
                self.skip_until(re.compile(r"^end\s*title$", re.IGNORECASE), "title")
            return
        header = _HEADER_FOOTER.match(stripped)
        if header:
            if not header.group(2):
                word = header.group(1).lower()
                self.skip_until(re.compile(rf"^end\s*{word}$", re.IGNORECASE), word)
            return
        if _LEGEND.match(stripped):
            self.skip_until(re.compile(r"^end\s*legend$", re.IGNORECASE), "legend")
            return
        if _CAPTION.match(stripped) or _DIRECTION.match(stripped) or _IGNORED.match(stripped):
            return
        raise self.error(
            _("cannot understand “%(text)s”: a node line starts with *, +, - or #")
            % {"text": _shorten(stripped)}
        )

    def skip_braces(self, first: str) -> None:
        depth = first.count("{") - first.count("}")
        start = self.index
        while depth > 0:
            line = self.next_line()
            if line is None:
                raise self.error(_("a skinparam block is never closed with }"), start)
            depth += line.count("{") - line.count("}")

    def parse_directive(self, stripped: str) -> None:
        if _INCLUDE.match(stripped):
            raise self.error(
                _("“%(text)s”: includes are not followed; put the whole diagram in one file")
                % {"text": _shorten(stripped)}
            )
        if _IGNORED.match(stripped):
            return
        variable = _VARIABLE.match(stripped)
        if variable:
            value = _VALUE.match(variable.group("value").strip())
            if not value:
                raise self.error(
                    _('only simple variables (!$name = "value") are supported, not “%(text)s”')
                    % {"text": _shorten(stripped)}
                )
            text = value.group("double")
            if text is None:
                text = value.group("single")
            if text is None:
                text = value.group("bare")
            self.variables[variable.group("name")] = text
            return
        directive = _DIRECTIVE.match(stripped)
        name = directive.group(1) if directive else stripped
        raise self.error(
            _("the preprocessor directive !%(name)s is not supported") % {"name": name}
        )

    def parse_node(self, match: re.Match[str]) -> None:
        line_number = self.index
        marker = match.group("marker")
        flags = match.group("flags")
        rest = match.group("rest")
        wbs = self.diagram.kind == "wbs"
        if not wbs and ("<" in flags or ">" in flags):
            # In a mind map `<`/`>` after the marker is text, not a direction.
            rest = flags.replace("_", "", 1) + rest if flags.startswith("_") else flags + rest
            flags = "_" if match.group("flags").startswith("_") else ""
        if flags.count("_") > 1 or flags.count("<") + flags.count(">") > 1:
            raise self.error(_("“%(flags)s” after the marker is not valid") % {"flags": flags})
        if match.group("code") and not wbs:
            rest = match.group("code") + rest
        note = ""
        if rest.startswith(":"):
            lines = self.read_multiline(rest[1:], line_number)
            firsts = [text for text in lines if clean_label(text).title]
            raw = firsts[0] if firsts else ""
            rest_lines = lines[lines.index(raw) + 1 :] if firsts else []
            note = "\n".join(clean_label(text).title for text in rest_lines).strip()
        else:
            raw = rest
            if not raw.strip():
                raise self.error(_("a node needs some text after its marker"))
        label = clean_label(raw)
        title = label.title or " ".join(raw.split())
        if not title:
            raise self.error(_("a node needs some text after its marker"), line_number)
        if len(title) > MAX_TITLE_LENGTH:
            raise self.error(
                _("the node text is longer than %(max)d characters") % {"max": MAX_TITLE_LENGTH},
                line_number,
            )
        if label.stray_colour:
            self.diagram.warnings.append(
                _("%(file)s:%(line)d: “%(colour)s” after the text is not a colour; ignored")
                % {"file": self.filename, "line": line_number, "colour": label.stray_colour}
            )
        link = label.link
        if link and not re.match(r"^https?://", link, re.IGNORECASE):
            self.unknown_links += 1
            link = ""
        indent = len(match.group("indent").expandtabs(4))
        if marker[0] in "+-":
            depth = len(marker) - 1
            side = "left" if "-" in marker else "right"
        else:
            depth = self.orgmode_depth(marker, indent, line_number)
            side = self.default_side
        if wbs and ("<" in flags or ">" in flags):
            side = "left" if "<" in flags else "right"
        colour = match.group("colour") or ""
        node = DiagramNode(
            title=title,
            depth=depth,
            line=line_number,
            side=side,
            colour=colour[1:-1],
            boxless="_" in flags,
            link=link,
            note=note,
            indent=indent,
        )
        self.place(node)

    def read_multiline(self, first: str, start: int) -> list[str]:
        end = _multiline_end(first)
        if end is not None:
            return [end]
        lines = [first]
        while (line := self.next_line()) is not None:
            end = _multiline_end(line)
            if end is not None:
                lines.append(end)
                return lines
            lines.append(line)
        raise self.error(_("a :multi-line node is never closed with ;"), start)

    def orgmode_depth(self, marker: str, indent: int, line_number: int) -> int:
        if len(marker) > 1 or not self.diagram.roots:
            return len(marker) - 1
        # A single `*` with indentation: Markdown-style, the indentation gives the depth.
        path = self.paths.get(self.side_key(self.default_side), [])
        if not path or indent <= path[0].indent:
            return 0
        for depth, node in enumerate(path):
            if node.indent == indent:
                return depth
            if node.indent > indent:
                raise self.error(_("this indentation matches no node above it"), line_number)
        return len(path)

    def side_key(self, side: str) -> str:
        # A WBS is one tree; a mind map grows a branch on each side of its root.
        return "right" if self.diagram.kind == "wbs" else side

    def place(self, node: DiagramNode) -> None:
        if node.depth == 0:
            node.side = "right"
            self.diagram.roots.append(node)
            self.paths = {"right": [node], "left": [node]}
            return
        if not self.diagram.roots:
            raise self.error(
                _("the first node is at level %(level)d; a diagram starts at level 1 (one *)")
                % {"level": node.depth + 1},
                node.line,
            )
        path = self.paths[self.side_key(node.side)]
        if node.depth > len(path):
            raise self.error(
                _(
                    "the level jumps from %(before)d to %(after)d; a node can only be one level "
                    "deeper than the one above it"
                )
                % {"before": len(path), "after": node.depth + 1},
                node.line,
            )
        if node.depth >= MAX_DEPTH:
            raise self.error(
                _("the tree is deeper than %(max)d levels") % {"max": MAX_DEPTH}, node.line
            )
        parent = path[node.depth - 1]
        node.parent = parent
        if node.depth > 1 and self.diagram.kind == "mindmap":
            # A mind map node sits on the side of its branch; in a WBS each node has its own.
            node.side = parent.side
        parent.children.append(node)
        del path[node.depth :]
        path.append(node)


def _multiline_end(line: str) -> str | None:
    """The text of the last line of a `:multi-line;` node (`text;`, maybe `text; <<style>>`),
    or None when the line does not end the node."""
    line = line.rstrip()
    stereotype = _STEREOTYPE_END.search(line) if line.endswith(">>") else None
    if stereotype:
        line = line[: stereotype.start()].rstrip()
    return line[:-1] if line.endswith(";") else None


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_plantuml(text: str, filename: str = "") -> Diagram:
    """Parse a mind map or WBS. Raises DiagramError naming the file, the line and the reason."""
    return _Reader(text, filename).parse()
