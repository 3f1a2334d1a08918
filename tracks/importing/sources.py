"""Where track files come from: a folder on disk, a `.zip`, or loose uploaded files.

Everything is read with limits enforced while reading: a file over MAX_FILE_BYTES, an archive
with more than MAX_ZIP_FILES members or more than MAX_ZIP_BYTES once unpacked is refused as
soon as the limit is passed, whatever sizes the archive declares.
"""

from __future__ import annotations

import io
import os
import posixpath
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from ..trackfiles import parse_readme

# Track files are small text files; anything bigger is a mistake (or an attack) and is refused
# before it is read.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ZIP_FILES = 500
DIAGRAM_SUFFIXES = (".puml", ".plantuml", ".pu", ".wsd", ".iuml")
README = "README.md"
TEXT_FILE = "trilha-texto.md"
# Track folders sit at most a few folders down (`archive/tracks/<slug>/README.md`).
MAX_FOLDER_DEPTH = 16
# Archives are read in pieces of this size, so no file is ever inflated past a limit.
CHUNK_BYTES = 64 * 1024
# Deflate is what every zip tool writes; other methods are refused rather than trusted.
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MB = 1024 * 1024


class TrackFileError(Exception):
    """A track that cannot be imported; the message is one line: file, line and reason."""


class Source:
    """A folder of files, on disk or in memory (an upload)."""

    name: str  # folder name ("" for loose files)
    label: str  # how errors name the folder

    def files(self) -> list[str]:
        raise NotImplementedError

    def subfolders(self) -> list[Source]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def read_bytes(self, name: str) -> bytes:
        raise NotImplementedError

    def has(self, name: str) -> bool:
        return name in self.files()

    def display(self, name: str) -> str:
        return posixpath.join(self.label, name) if self.label else name

    def read_text(self, name: str) -> str:
        where = self.display(name)
        if self.size(name) > MAX_FILE_BYTES:
            raise _too_large(where)
        return decode_text(self.read_bytes(name), where)


class FolderSource(Source):
    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.name = path.name
        self.label = label
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = self._list_files()
        return self._files

    def _list_files(self) -> list[str]:
        """The files under the folder, hidden ones left out, walked without recursion."""
        names: list[str] = []
        pending = [(self.path, ())]
        while pending:
            folder, parts = pending.pop()
            if len(parts) > MAX_FOLDER_DEPTH:
                raise _too_deep(self.display("/".join(parts)))
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((Path(entry.path), (*parts, entry.name)))
                    elif entry.is_file():
                        names.append("/".join((*parts, entry.name)))
                        if len(names) > MAX_ZIP_FILES:
                            raise TrackFileError(
                                _("%(path)s: more than %(limit)d files")
                                % {"path": self.label or ".", "limit": MAX_ZIP_FILES}
                            )
        return sorted(names)

    def subfolders(self) -> list[Source]:
        return [
            FolderSource(child, posixpath.join(self.label, child.name))
            for child in sorted(self.path.iterdir())
            if child.is_dir() and not child.name.startswith((".", "_"))
        ]

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def read_bytes(self, name: str) -> bytes:
        return (self.path / name).read_bytes()


class MemorySource(Source):
    def __init__(self, files: dict[str, bytes], name: str = "", label: str = "") -> None:
        self.contents = files
        self.name = name
        self.label = label

    def files(self) -> list[str]:
        return sorted(self.contents)

    def subfolders(self) -> list[Source]:
        groups: dict[str, dict[str, bytes]] = defaultdict(dict)
        for name, data in self.contents.items():
            first, _slash, rest = name.partition("/")
            if rest and not first.startswith((".", "_")):
                groups[first][rest] = data
        return [
            MemorySource(groups[folder], folder, posixpath.join(self.label, folder))
            for folder in sorted(groups)
        ]

    def size(self, name: str) -> int:
        return len(self.contents[name])

    def read_bytes(self, name: str) -> bytes:
        return self.contents[name]


def decode_text(data: bytes, where: str) -> str:
    if b"\x00" in data:
        raise TrackFileError(_("%(file)s: a binary file, not text") % {"file": where})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TrackFileError(
            _("%(file)s:%(line)d: not UTF-8 text") % {"file": where, "line": line}
        ) from error
    if not text.strip():
        raise TrackFileError(_("%(file)s: the file is empty") % {"file": where})
    return text


def sources_from_path(path: Path) -> list[Source]:
    """The track folders at PATH: itself, its subfolders, a bare `.puml`, or a `.zip`."""
    label = str(path)
    if not path.exists():
        raise TrackFileError(_("%(path)s: no such file or folder") % {"path": label})
    if path.is_file():
        is_zip = path.suffix.lower() == ".zip"
        limit = MAX_ZIP_BYTES if is_zip else MAX_FILE_BYTES
        if path.stat().st_size > limit:
            raise TrackFileError(
                _("%(file)s: the file is larger than %(limit)d MB")
                % {"file": label, "limit": limit // MB}
            )
        if path.suffix.lower() == ".zip":
            return sources_from_zip(path.read_bytes(), path.name)
        if path.suffix.lower() in DIAGRAM_SUFFIXES:
            return [MemorySource({path.name: path.read_bytes()}, "", str(path.parent))]
        raise TrackFileError(
            _("%(path)s: expected a track folder, a .puml file or a .zip") % {"path": label}
        )
    return _track_folders(FolderSource(path, label))


def sources_from_zip(data: bytes, name: str) -> list[Source]:
    """The track folders in an archive. Only track files are unpacked, each read in pieces and
    counted as it inflates: a member that says it is small and is not, a damaged, encrypted or
    oddly compressed member, all stop the import with one line naming the member."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise TrackFileError(_("%(file)s: not a valid .zip file") % {"file": name}) from error
    if len(members) > MAX_ZIP_FILES:
        raise TrackFileError(_("%(file)s: too many files in the archive") % {"file": name})
    if sum(info.file_size for info in members) > MAX_ZIP_BYTES:
        raise TrackFileError(_("%(file)s: the archive is too large unpacked") % {"file": name})
    files: dict[str, bytes] = {}
    budget = MAX_ZIP_BYTES
    for info in members:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or path.name.startswith("."):
            continue
        if "__MACOSX" in path.parts or not _is_track_file(path.name):
            continue
        where = f"{name}/{_shorten_path(path)}"
        if len(path.parts) > MAX_FOLDER_DEPTH:
            raise _too_deep(where)
        if info.file_size > MAX_FILE_BYTES:
            raise _too_large(where)
        content = _unpack(archive, info, where, budget)
        budget -= len(content)
        files[path.as_posix()] = content
    return _track_folders(MemorySource(files, "", name))


def _is_track_file(name: str) -> bool:
    return name in (README, TEXT_FILE) or name.lower().endswith(DIAGRAM_SUFFIXES)


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, budget: int) -> bytes:
    if info.flag_bits & 0x1:
        raise TrackFileError(_("%(file)s: the file is encrypted") % {"file": where})
    if info.compress_type not in ZIP_METHODS:
        raise TrackFileError(
            _("%(file)s: compressed with a method other than deflate; zip it again")
            % {"file": where}
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK_BYTES):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise _too_large(where)
                if size > budget:
                    raise TrackFileError(
                        _("%(file)s: the archive is larger than %(limit)d MB unpacked")
                        % {"file": where, "limit": MAX_ZIP_BYTES // MB}
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise TrackFileError(
            _("%(file)s: the archive is damaged (%(reason)s)")
            % {"file": where, "reason": _one_line(error)}
        ) from error
    return b"".join(chunks)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:120] or type(error).__name__


def _shorten_path(path: PurePosixPath) -> str:
    text = path.as_posix()
    return text if len(text) <= 120 else f"{text[:60]}…{text[-59:]}"


def _too_large(where: str) -> TrackFileError:
    return TrackFileError(
        _("%(file)s: the file is larger than %(limit)d MB")
        % {"file": where, "limit": MAX_FILE_BYTES // MB}
    )


def _too_deep(where: str) -> TrackFileError:
    return TrackFileError(
        _("%(path)s: folders nested more than %(limit)d deep")
        % {"path": where, "limit": MAX_FOLDER_DEPTH}
    )


def sources_from_uploads(files: dict[str, bytes]) -> list[Source]:
    """Loose uploaded files: a `.puml` with an optional README.md and trilha-texto.md."""
    return [MemorySource(files, "", "")]


def _top_level(source: Source) -> list[str]:
    return [name for name in source.files() if "/" not in name]


def diagrams_at_top(source: Source) -> list[str]:
    return [name for name in _top_level(source) if name.lower().endswith(DIAGRAM_SUFFIXES)]


def _looks_like_track(source: Source) -> bool:
    top = _top_level(source)
    return README in top or bool(diagrams_at_top(source))


def _track_folders(source: Source) -> list[Source]:
    while True:
        if diagrams_at_top(source):
            return [source]
        if source.has(README) and readme_diagram(source):
            return [source]
        subfolders = source.subfolders()
        folders = [folder for folder in subfolders if _looks_like_track(folder)]
        if folders:
            return folders
        if source.has(README):
            return [source]  # a track folder without its diagram: reported when read
        if len(subfolders) != 1 or _top_level(source):
            raise TrackFileError(
                _("%(path)s: no track found (a folder with README.md and a .puml diagram)")
                % {"path": source.label or "."}
            )
        # One folder wrapping everything, as archives of a folder usually are.
        source = subfolders[0]


def readme_diagram(source: Source) -> str | None:
    """The `.puml` that README.md's image link names (`mle/mle.png` → `mle/mle.puml`)."""
    try:
        readme = parse_readme(source.read_text(README), source.display(README))
    except TrackFileError:
        return None
    if not readme.diagram or "://" in readme.diagram:
        return None
    image = PurePosixPath(posixpath.normpath(readme.diagram))
    stem = image.with_suffix("")
    for suffix in DIAGRAM_SUFFIXES:
        for candidate in (f"{stem}{suffix}", f"{stem.name}{suffix}"):
            if source.has(candidate):
                return candidate
    return None
