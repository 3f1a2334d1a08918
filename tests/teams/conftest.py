import pytest
from django.contrib.auth import get_user_model

from teams import services
from teams.models import Membership, Team
from tracks.models import Diagram, Topic, Track
from tracks.plantuml.source import topic_url
from tracks.plantuml.svg import annotate
from tracks.tree import build_tree, walk

User = get_user_model()


@pytest.fixture
def lead(db):
    """Leads the team; mentors nobody."""
    return User.objects.create_user("lena", "lena@example.com", "lena-pass-123")


@pytest.fixture
def team(db, lead, alice, track):
    """Team "plataforma", on the ML track, led by lena, with alice as its member."""
    team = services.create_team("Plataforma", "plataforma", lead, [track])
    Membership.objects.create(team=team, user=alice)
    return team


@pytest.fixture
def ex_member(db, team):
    """Dave was a member and left."""
    dave = User.objects.create_user("dave", "dave@example.com", "dave-pass-123")
    Membership.objects.create(team=team, user=dave)
    services.leave(team, dave)
    return dave


def add_members(team: Team, count: int, prefix: str = "member") -> list:
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i:03d}", email=f"{prefix}{i}@example.com") for i in range(count)]
    )
    Membership.objects.bulk_create([Membership(team=team, user=user) for user in users])
    return users


def draw(track: Track) -> Diagram:
    """Store a diagram for the track as the renderer would: a PlantUML-shaped SVG (a box and a
    linked text per topic) through the real post-processing."""
    nodes = list(walk(build_tree(Topic.objects.for_track(track).live())))
    boxes = "".join(
        f'<rect x="0" y="{20 * i}" width="80" height="16"/>'
        f'<a href="{topic_url(track, node.topic)}"><text x="2" y="{20 * i + 12}">'
        f"{node.topic.title}</text></a>"
        for i, node in enumerate(nodes)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 200" width="100" height="200">'
        f"<g>{boxes}</g></svg>"
    )
    topics = {topic_url(track, n.topic): (n.topic.key, n.topic.title) for n in nodes}
    diagram = Diagram.objects.create(
        key=f"test-{track.slug}", source="@startmindmap", svg=annotate(svg, topics)
    )
    track.diagram = diagram
    track.save(update_fields=["diagram"])
    return diagram
