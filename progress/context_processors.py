from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.models import Notification
from teams.models import Membership

from .models import Mentorship


@dataclass(frozen=True)
class HeaderState:
    """What the header shows a signed-in user beyond the fixed links."""

    mentoring: bool = False  # mentors someone or has a mentoring invitation to answer
    teams: bool = False  # a member or lead of a team, or staff (who see every team)
    unread: int = 0  # unread notifications


_MENTOR_STATES = [Mentorship.State.INVITED.value, Mentorship.State.ACTIVE.value]
# Every page a signed-in user sees asks this, so it is one plain statement, each part on an
# index (mentorship by mentor, membership by user, the partial index of unread notifications).
# Pages that run a statement of their own add these columns to it (see `header_params`).
HEADER_COLUMNS = f"""
  EXISTS (SELECT 1 FROM {Mentorship._meta.db_table}
          WHERE mentor_id = %s AND state IN (%s, %s)) AS header_mentoring,
  EXISTS (SELECT 1 FROM {Membership._meta.db_table} WHERE user_id = %s) AS header_in_team,
  (SELECT count(*) FROM {Notification._meta.db_table}
   WHERE recipient_id = %s AND read_at IS NULL) AS header_unread
"""  # noqa: S608 (table names from the models; values are parameters)
_HEADER_SQL = "SELECT" + HEADER_COLUMNS


def header_params(user) -> list:
    """The parameters of `HEADER_COLUMNS`, in order."""
    return header_params_of(user.pk)


def header_params_of(user_id) -> list:
    return [user_id, *_MENTOR_STATES, user_id, user_id]


def remember_header(request: HttpRequest, mentoring: bool, in_team: bool, unread: int) -> None:
    """Keep the header's facts read by a page's own statement, so that the header asks nothing."""
    teams = bool(in_team) or request.user.is_staff
    request._header_state = HeaderState(bool(mentoring), teams, unread)


def header_state(request: HttpRequest) -> HeaderState:
    """The header's three facts in one indexed query, once per request; nothing for a visitor
    or for an error page drawn without a (saved) user."""
    state = getattr(request, "_header_state", None)
    if state is not None:
        return state
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk is not None:
        with connection.cursor() as cursor:
            cursor.execute(_HEADER_SQL, header_params(user))
            remember_header(request, *cursor.fetchone())
    else:
        request._header_state = HeaderState()
    return request._header_state


def header(request: HttpRequest) -> dict:
    """`mentoring_nav` (the header links to the mentoring page), `teams_nav` (to the teams: the
    user is in one, or is staff) and `unread_notifications` (the unread count). Lazy, so only a
    page that draws the header for a signed-in user asks the database, once for all three;
    pages that already know set `mentoring_nav` themselves."""
    return {
        "mentoring_nav": SimpleLazyObject(lambda: header_state(request).mentoring),
        "teams_nav": SimpleLazyObject(lambda: header_state(request).teams),
        "unread_notifications": SimpleLazyObject(lambda: header_state(request).unread),
    }
