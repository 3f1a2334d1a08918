"""Importing track files into the database: a track folder, a bare `.puml`, a folder of track
folders, or an uploaded `.zip`.

The work is done in `tracks.importing`, in three steps that hand data one way: `sources`
reads the files with limits, `plan` parses and checks them into plans (no database writes),
`apply` writes the plans in one transaction. This module names what the rest of the app uses.
"""

from __future__ import annotations

from .importing.apply import (
    TrackResult,
    apply_plans,
    dry_run_warnings,
    import_path,
    related_warnings,
)
from .importing.plan import (
    ResourcePlan,
    TopicPlan,
    TrackPlan,
    free_key,
    key_from_title,
    plan_track,
    plan_tracks,
    read_tracks,
)
from .importing.sources import (
    DIAGRAM_SUFFIXES,
    MAX_FILE_BYTES,
    MAX_ZIP_BYTES,
    MAX_ZIP_FILES,
    README,
    TEXT_FILE,
    FolderSource,
    MemorySource,
    Source,
    TrackFileError,
    sources_from_path,
    sources_from_uploads,
    sources_from_zip,
)

__all__ = [
    "DIAGRAM_SUFFIXES",
    "MAX_FILE_BYTES",
    "MAX_ZIP_BYTES",
    "MAX_ZIP_FILES",
    "README",
    "TEXT_FILE",
    "FolderSource",
    "MemorySource",
    "ResourcePlan",
    "Source",
    "TopicPlan",
    "TrackFileError",
    "TrackPlan",
    "TrackResult",
    "apply_plans",
    "dry_run_warnings",
    "free_key",
    "import_path",
    "key_from_title",
    "plan_track",
    "plan_tracks",
    "read_tracks",
    "related_warnings",
    "sources_from_path",
    "sources_from_uploads",
    "sources_from_zip",
]
