from tracks.markdown import render_markdown


def test_links_between_track_readmes_point_to_track_pages():
    html = render_markdown(
        "Veja a trilha de [Engenharia de Dados](../engenharia-de-dados/README.md)."
    )
    assert 'href="/tracks/engenharia-de-dados/"' in html


def test_script_handlers_and_javascript_urls_are_removed():
    html = render_markdown(
        '<script>alert(1)</script><img src="x" onerror="alert(2)">[click](javascript:alert(3))'
    )
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
