"""The log-in page speaks the page's language and tabs from name to password."""

from __future__ import annotations


def test_login_page_labels_are_translated_and_reset_link_follows_the_password(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()

    assert 'lang="pt-br"' in page
    assert "Nome de usuário ou e-mail" in page
    assert "Login:" not in page
    login, password = page.index('name="login"'), page.index('name="password"')
    reset = page.index('href="/accounts/password/reset/"')
    assert login < password < reset


def test_login_page_still_logs_in_and_names_a_wrong_password(client, alice):
    refused = client.post("/accounts/login/", {"login": "alice", "password": "nope"})
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()

    response = client.post("/accounts/login/", {"login": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
