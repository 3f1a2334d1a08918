from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from checkins.models import CheckIn
from progress.models import Mentorship, Note, ProgressEvent, TopicProgress

ML_TRACK = Path(__file__).resolve().parents[2] / "tracks/content/engenharia-de-machine-learning"
User = get_user_model()


@pytest.fixture
def ml_track(db, settings):
    settings.PLANTUML_URL = ""
    call_command("import_track", str(ML_TRACK), verbosity=0)


def test_demo_accounts_can_log_in_and_show_a_learner_with_a_mentor(client, ml_track, settings):
    settings.DEBUG = True
    call_command("load_demo")

    assert client.login(username="ana", password="trilha-demo")
    statuses = list(TopicProgress.objects.filter(user__username="ana").values_list("status"))
    assert sorted(s for (s,) in statuses).count("done") == 9
    assert ("doing",) in statuses and ("skipped",) in statuses
    assert TopicProgress.objects.filter(confirmed_by__username="bruno").count() == 1
    assert Mentorship.objects.active().filter(mentor__username="bruno").count() == 1
    assert Note.objects.filter(user__username="ana", shared=True).count() == 1
    weeks = {e.created_at.isocalendar()[1] for e in ProgressEvent.objects.filter(to_status="done")}
    assert len(weeks) >= 6  # the dashboard chart has something to draw
    assert User.objects.get(username="curadora").is_staff
    checkins = CheckIn.objects.filter(user__username="ana").order_by("submitted_at")
    assert [c.state for c in checkins] == ["submitted", "completed"]
    assert checkins[1].completed_by.get_username() == "bruno"
    assert checkins[1].mentor_ratings.count() == 10
    dashboard = client.get("/me/").content.decode()
    assert "Engenharia de Machine Learning" in dashboard


def test_running_it_again_changes_nothing(ml_track, settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    events = ProgressEvent.objects.count()
    call_command("load_demo")
    assert "already exist" in capsys.readouterr().out
    assert ProgressEvent.objects.count() == events
    assert User.objects.filter(username="ana").count() == 1


def test_it_refuses_with_debug_off(ml_track, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not User.objects.filter(username__in=["ana", "bruno", "curadora"]).exists()


def test_demo_team_has_a_lead_and_members_at_different_stages(client, ml_track, settings):
    from teams.models import Team
    from teams.stats import team_heatmap

    settings.DEBUG = True
    call_command("load_demo")
    team = Team.objects.get(slug="plataforma-ml")
    roles = dict(team.memberships.values_list("user__username", "role"))
    assert roles.pop("bruno") == "lead"
    assert roles.pop("ana") == "member"
    assert len(roles) == 5 and set(roles.values()) == {"member"}
    heatmap = team_heatmap(team, team.tracks.get())
    assert len({figures.bin for figures in heatmap.figures.values()}) >= 4
    assert len({row.overall.percent for row in heatmap.rows}) == 6  # nobody at the same stage
    assert client.login(username="bruno", password="trilha-demo")
    page = client.get("/teams/plataforma-ml/").content.decode()
    assert "Carla (demo)" in page
