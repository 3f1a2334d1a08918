"""Rendering track diagrams (implemented in the diagram work)."""

from .models import Track


def refresh_track_diagram(track: Track) -> None:
    """Render the track's diagram and store it; never raises for a missing renderer."""
    track.diagram_error = "The diagram renderer is not configured."
    track.save(update_fields=["diagram_error"])
