"""The signed-in user, read with one prepared statement instead of the ORM's query.

Django's AuthenticationMiddleware reads `request.user` the first time a view asks for it: the
session's user by `ModelBackend.get_user`, then a check of the session's hash. Building that
query through the ORM costs more than running it. This middleware reads the same row with a
statement written once (psycopg prepares it), and hands it over only when Django's own
`get_user` would have returned that very user: the session's backend is one of the settings'
and reads users the way ModelBackend does, the user may log in, and the session's hash matches
the current secret. In any other case (no such user, an old secret, a password changed
elsewhere) Django's `get_user` runs as usual, and decides.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from tracks.rows import Columns

User = auth.get_user_model()
USER = Columns(User, "account")
_USER_SQL = f"SELECT {USER.sql} FROM {User._meta.db_table} account WHERE account.id = %s"  # noqa: S608


def session_user_id(request: HttpRequest) -> Any:
    """The id of the user the session names, or None."""
    try:
        return User._meta.pk.to_python(request.session[SESSION_KEY])
    except (KeyError, ValidationError):
        return None


def _backend(request: HttpRequest) -> Any:
    """The session's backend if it is one of the settings' and reads users the way ModelBackend
    does, else None."""
    backend_path = request.session.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = auth.load_backend(backend_path)
    if getattr(type(backend), "get_user", None) is not ModelBackend.get_user:
        return None  # a backend that reads users its own way
    return backend


def verified(request: HttpRequest, user: Any) -> bool:
    """Whether Django's `auth.get_user` would return `user`, read by the session's user id, for
    this request without changing the session."""
    backend = None if user is None else _backend(request)
    if backend is None or not backend.user_can_authenticate(user):
        return False
    session_hash = request.session.get(HASH_SESSION_KEY)
    return bool(session_hash) and constant_time_compare(session_hash, user.get_session_auth_hash())


# The password field each (user id, session hash) was last verified against in this process.
# The session's hash is an HMAC of the password under the secret, so while the user's row keeps
# that very password the hash still matches: a write may then check the password in its own
# statement instead of reading the user first (`known_password`).
_verified_passwords: dict[tuple[Any, str], str] = {}
_KEPT_PASSWORDS = 4096


def known_password(request: HttpRequest, user_id: Any) -> str | None:
    """The password that the session's user row must still hold, and be active with, for Django
    to return that user, if this process verified the session's hash against it before and the
    session's backend checks nothing else; None otherwise (read the user as usual)."""
    backend = _backend(request)
    if backend is None:
        return None
    if getattr(type(backend), "user_can_authenticate", None) is not (
        ModelBackend.user_can_authenticate
    ):
        return None  # it may refuse users for more than `is_active`
    session_hash = request.session.get(HASH_SESSION_KEY)
    if not session_hash:
        return None
    return _verified_passwords.get((user_id, session_hash))


def unread_user_id(request: HttpRequest) -> Any:
    """The id of the user the session names while `request.user` has not been read yet: a
    page's statement may read that user's row (`USER.sql`, with `account` joined on this id)
    and `adopt` it. None once the user is read, or without a session user."""
    if hasattr(request, "_cached_user"):
        return None
    return session_user_id(request)


def adopt(request: HttpRequest, user: Any) -> bool:
    """Make `user`, read by a page's statement for `unread_user_id`, `request.user` if Django
    would have returned that very user; whether it did. If not, `request.user` is read as
    usual when it is asked for."""
    if user is None or user.pk is None or not verified(request, user):
        return False
    if len(_verified_passwords) >= _KEPT_PASSWORDS:
        _verified_passwords.clear()
    _verified_passwords[(user.pk, request.session[HASH_SESSION_KEY])] = user.password
    request._cached_user = user
    return True


def get_user(request: HttpRequest) -> Any:
    if hasattr(request, "_cached_user"):
        return request._cached_user
    user_id = session_user_id(request)
    if user_id is not None:
        with connection.cursor() as cursor:
            cursor.execute(_USER_SQL, [user_id])
            row = cursor.fetchone()
        if row is not None and adopt(request, USER.instance(row)):
            return request._cached_user
    request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with `request.user` read by `get_user` above."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
