"""The self-containment check finds every fetchable external URL, and only those."""
from __future__ import annotations

import pytest

from kb.selfcontained import external_references, neutralise


def test_fetchable_external_urls_are_found_and_prose_is_not(tmp_path):
    (tmp_path / "a.html").write_text(
        '<script src="https://cdn.example.com/x.js"></script><link href="//fonts.example.org/f.css">'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><p>见 https://example.com 网站</p>'
        '<link rel="canonical" href="http://kb.intranet/faq/">', "utf-8")
    (tmp_path / "b.css").write_text('/* https://licence.example.com */ a{background:url("https://img.example.com/i.png")}', "utf-8")
    (tmp_path / "c.js").write_text('load("https://unpkg.com/lib");console.warn(`see https://bit.ly/x`)', "utf-8")
    found = external_references(tmp_path, own_host="kb.intranet:80")
    assert found == ['a.html: src="https://cdn.example.com', 'a.html: href="//fonts.example.org',
                     'b.css: url("https://img.example.com', 'c.js: "https://unpkg.com']


def test_neutralise_rewrites_loaders_and_fails_on_an_unknown_bundle(tmp_path):
    js = tmp_path / "assets" / "javascripts"
    js.mkdir(parents=True)
    (js / "bundle.0123abcd.min.js").write_text('a("https://unpkg.com/mermaid@11/dist/mermaid.min.js")', "utf-8")
    with pytest.raises(ValueError, match="cannot make the search index lazy"):
        neutralise(tmp_path)
