"""Content never runs: the escaping policy for data, the page allowlist, Material's script allowlist,
the CSP in one place, hostile YAML and the allowed networks. Each payload of tests/payloads.py goes
through every field kind and through a page, without MkDocs (fast); the real builds are at the end.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import typing
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pydantic
import pytest

from kb import csp, inlinescripts, sanitise, textpolicy
from kb import models as m
from kb import render as r
from kb.content import load
from kb.errors import DataError

from .conftest import ROOT, kb_cmd, mkdocs_build
from .payloads import KINDS, PAYLOADS
from .site_markdown import EXTENSIONS, configured_extensions, to_html

IDS = [p.id for p in PAYLOADS]


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text += data


def tree(html: str) -> _Tree:
    t = _Tree()
    t.feed(html)
    t.close()
    return t


def shown(text: str) -> str:
    """Text as the page shows it: control characters replaced, white space (tabs too) collapsed."""
    return " ".join(textpolicy._CONTROL.sub("\ufffd", text).split())


def assert_inert(html: str, allowed_tags: set[str]) -> None:
    """No element outside allowed_tags, no event handler, no active URL: nothing a browser runs."""
    for tag, attrs in tree(html).elements:
        assert tag in allowed_tags, (tag, html)
        for k, v in attrs.items():
            assert not k.startswith("on"), (tag, k, html)
            if k in ("href", "src"):
                assert not inlinescripts.unsafe_url(v or "", allow_data_image=False), (tag, k, v)


# ---- the corpus itself ---------------------------------------------------------------------------


def test_corpus_covers_the_evasion_lists():
    assert len(PAYLOADS) >= 25 and len(set(IDS)) == len(IDS)
    assert {p.kind for p in PAYLOADS} == set(KINDS)
    encoded = {"a-data-html", "entities-hex-nosemi"}  # alert(1) in base64 / character references
    assert all("alert(1)" in p.text or "msgbox(1)" in p.text for p in PAYLOADS if p.id not in encoded)


def test_test_markdown_matches_the_site():
    assert EXTENSIONS == configured_extensions()


# ---- every str field declares its kind, next to the field -------------------------------------------


def _models() -> set[type[pydantic.BaseModel]]:
    seen: set[type] = set()

    def walk(t):
        if isinstance(t, type) and issubclass(t, pydantic.BaseModel):
            if t not in seen:
                seen.add(t)
                for f in t.model_fields.values():
                    walk(f.annotation)
        for arg in typing.get_args(t):
            walk(arg)

    from kb.sections import DATA_SECTIONS

    for sec in DATA_SECTIONS:
        walk(sec.model)
    return seen


def _has_str(annotation) -> bool:
    return annotation is str or any(_has_str(a) for a in typing.get_args(annotation))


def test_every_string_field_declares_plain_or_rich():
    kinds = {}
    for cls in _models():
        for name, f in cls.model_fields.items():
            if _has_str(f.annotation) or typing.get_origin(f.annotation) is typing.Literal:
                kind = textpolicy.field_kind(cls, name)
                assert kind in textpolicy.KIND_NAMES, f"{cls.__name__}.{name} declares no TextKind"
                kinds[f"{cls.__name__}.{name}"] = kind
    assert kinds["Question.a"] == textpolicy.RICH and kinds["Question.q"] == textpolicy.PLAIN
    assert kinds["SourceRef.quote"] == textpolicy.PLAIN and kinds["Term.definition"] == textpolicy.RICH


def test_policy_is_in_the_editors_schema():
    schema = json.loads((ROOT / "data" / "schemas" / "faq.schema.json").read_text("utf-8"))
    text = json.dumps(schema, ensure_ascii=False)
    assert "纯文本" in text and "简单格式" in text


# ---- each payload through every field kind ------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_plain_field_shows_the_payload_as_typed(payload):
    html = to_html(r.plain(payload.text))
    t = tree(html)
    assert [tag for tag, _ in t.elements] == ["p"], html
    assert " ".join(t.text.split()) == shown(payload.text)
    # Control characters are refused by the check; everything else is shown escaped.
    assert bool(textpolicy.problems_in(payload.text, textpolicy.PLAIN)) == ("\x00" in payload.text)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_heading_and_link_text_show_the_payload_as_typed(payload):
    html = to_html(r._heading(2, payload.text, "x") + "\n\n" + f"[{r.plain(payload.text)}](faq.md#x)")
    t = tree(html)
    assert [tag for tag, _ in t.elements] == ["h2", "a", "p", "a"], html  # the headerlink, then the link
    assert t.elements[3][1] == {"href": "faq.md#x"}
    assert " ".join(t.text.split()).count(shown(payload.text)) == 2


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_quote_in_link_title_stays_one_attribute(payload, kb):
    html = to_html(r.render_sources(kb, [m.SourceRef.model_construct(doc="speech", para=3, quote=payload.text)], r.Linker("faq.md", kb.by_id)))
    links = [(tag, attrs) for tag, attrs in tree(html).elements if tag == "a"]
    assert len(links) == 1 and set(links[0][1]) == {"href", "title"}, html
    assert links[0][1]["href"] == "sources/speech.md#p3"
    # Material's tooltip inserts the title as HTML: the attribute holds escaped text.
    title = links[0][1]["title"]
    assert "<" not in title and " ".join(unescape(title).split()) == "引文：" + shown(payload.text)


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_rich_field_refuses_the_payload_and_renders_it_inert_anyway(payload):
    reasons = textpolicy.problems_in(payload.text, textpolicy.RICH)
    # The only payload the subset accepts is quote-breaking text with no HTML: it stays text.
    if payload.id == "break-attr":
        assert reasons == []
    else:
        assert reasons and all(re.search(r"[\u4e00-\u9fff]", x) for x in reasons), reasons
    html = to_html(textpolicy.rich(payload.text, lambda page, anchor: page + ("#" + anchor if anchor else "")))
    assert_inert(html, {"p", "em", "strong", "ul", "ol", "li", "a"})


def test_rich_subset_keeps_what_editors_may_use():
    text = "**重点** 和 *强调*\n\n- 一\n- [问答](faq.md#why) 与 [外站](https://example.org/a)\n\n说明\n\n1. 甲\n2. 乙"
    assert textpolicy.problems_in(text, textpolicy.RICH) == []
    html = to_html(textpolicy.rich(text, lambda page, anchor: "../" + page + ("#" + anchor if anchor else "")))
    tags = [tag for tag, _ in tree(html).elements]
    assert tags == ["p", "strong", "em", "ul", "li", "li", "a", "a", "p", "ol", "li", "li"], html
    hrefs = [a["href"] for tag, a in tree(html).elements if tag == "a"]
    assert hrefs == ["../faq.md#why", "https://example.org/a"]


@pytest.mark.parametrize("target, ok", [
    ("faq.md", True), ("phases/study.md#tasks", True), ("#p3", True), ("https://intranet.example/x", True),
    ("javascript:alert(1)", False), ("JavaScript:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/x", False), ("ftp://x", False), ("../../etc/passwd", False), ("faq.md\"", False),
])
def test_link_targets_are_in_site_or_http(target, ok):
    assert textpolicy.link_target_ok(target) is ok
    assert bool(textpolicy.problems_in(f"[文字]({target})", textpolicy.RICH)) is not ok


@pytest.fixture(scope="module")
def kb():
    return load(ROOT / "data")


# ---- through a real data file: the check names file, line and field ----------------------------------


@pytest.fixture
def data_copy(tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "data", dest)
    return dest


def test_html_in_a_rich_field_is_refused_with_file_line_field(data_copy):
    path = data_copy / "faq.yml"
    lines = path.read_text("utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("a: |"))
    lines.insert(n + 2, " " * (len(lines[n + 1]) - len(lines[n + 1].lstrip())) + "<script>alert(1)</script>")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(DataError) as e:
        load(data_copy)
    [p] = e.value.problems
    assert p.file == "data/faq.yml" and p.line == n + 3 and p.field.endswith(".a")
    assert "简单格式字段" in p.message and "HTML 标签" in p.message


def test_html_in_a_plain_field_is_accepted_and_escaped(data_copy):
    path = data_copy / "faq.yml"
    text = path.read_text("utf-8")
    text = text.replace("q: 为什么要开展党的群众路线教育实践活动？", "q: '<img src=x onerror=alert(1)>为什么？'", 1)
    path.write_text(text, "utf-8")
    kb = load(data_copy)
    html = to_html(r.render_faq(kb, r.Linker("faq.md", kb.by_id)))
    assert "<img" not in html and all(tag != "img" for tag, _ in tree(html).elements)
    assert "<img src=x onerror=alert(1)>为什么？" in tree(html).text


def test_control_characters_are_refused_in_any_field(data_copy):
    path = data_copy / "glossary.yml"
    text = path.read_text("utf-8")
    first_term = re.search(r"term: (\S+)", text)
    text = text.replace(first_term.group(0), f'term: "{first_term.group(1)}\\u202e\\0"', 1)
    path.write_text(text, "utf-8")
    with pytest.raises(DataError) as e:
        load(data_copy)
    [p] = e.value.problems
    assert p.field.endswith(".term") and "控制字符" in p.message and p.line == text[:first_term.start()].count("\n") + 1


# ---- hostile YAML -----------------------------------------------------------------------------------

BOMB = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                 + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]) + "\n"


@pytest.mark.parametrize("name, body, needle, line", [
    ("alias-bomb", BOMB, "锚点", 1),
    ("alias", "groups: []\nx: *nothing\n", "别名", 2),
    ("deep", "groups:\n" + "".join("  " * i + "- \n" for i in range(1, 40)), "嵌套太深", 17),
    ("deep-flow", "groups: " + "[" * 5000 + "]" * 5000 + "\n", "嵌套太深", 1),
    ("nul", "groups: []\n# \x00\n", "控制字符", 2),
    ("python-tag", "groups: []\nx: !!python/object/apply:os.system [echo hi]\n", "YAML 标签", 2),
])
def test_hostile_yaml_stops_with_file_and_line(data_copy, name, body, needle, line):
    (data_copy / "faq.yml").write_text(body, "utf-8")
    with pytest.raises(DataError) as e:
        load(data_copy)
    found = [p for p in e.value.problems if p.file == "data/faq.yml"]
    assert found and needle in found[0].message and found[0].line == line, found


def test_too_large_a_file_is_refused_unread(data_copy, monkeypatch):
    from kb import yamlsource

    monkeypatch.setitem(yamlsource.MAX_BYTES, "faq", 64 << 10)
    (data_copy / "faq.yml").write_text("groups: []\n" + "# x\n" * 20000, "utf-8")
    with pytest.raises(DataError) as e:
        load(data_copy)
    assert any(p.file == "data/faq.yml" and "文件太大" in p.message for p in e.value.problems)


@pytest.mark.build
def test_hostile_yaml_through_the_cli_writes_nothing(project_copy):
    (project_copy / "data" / "faq.yml").write_text(BOMB, "utf-8")
    site = project_copy / "site"
    site.mkdir()
    (site / "index.html").write_text("published before", "utf-8")
    result = kb_cmd("build", cwd=project_copy)
    assert result.returncode == 1
    assert "data/faq.yml:1" in result.stderr and "锚点" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "MemoryError" not in result.stderr
    assert [p.name for p in site.iterdir()] == ["index.html"] and (site / "index.html").read_text("utf-8") == "published before"


# ---- pages in docs/: the nh3 allowlist ----------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_page_payload_is_refused_naming_file_and_line_or_inert(payload):
    source = "# 页面\n\n正文。\n\n" + payload.text + "\n"
    html = to_html(source)
    problems = sanitise.page_problems(html, source, "docs/x.md")
    if problems:
        lines = {f"docs/x.md:{n}:" for n in range(5, 6 + payload.text.count("\n"))}
        assert all(p.split(" ")[0] in lines for p in problems), problems
    else:
        assert_inert(html, sanitise.TAGS)
        assert_inert(sanitise.clean(html), sanitise.TAGS)


def test_page_allowlist_keeps_what_the_site_uses():
    source = ('<div class="grid cards" markdown>\n\n-   **卡片**\n\n    ---\n\n    文字\n\n</div>\n\n'
              '!!! note "提示"\n    内容\n\n| 甲 | 乙 |\n| :- | -: |\n| 1 | 2 |\n\n'
              '<details><summary>更多</summary>内容</details>\n\n![图](images/a.png)\n')
    html = to_html(source)
    assert sanitise.page_problems(html, source, "docs/x.md") == []
    assert {t for t, _ in tree(sanitise.clean(html)).elements} >= {"div", "ul", "li", "table", "th", "details", "img"}


def test_data_urls_are_refused_in_pages():
    for source in ('<a href="data:image/png;base64,AAAA">x</a>', '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
                   '![图](data:image/png;base64,iVBORw0KGgo=)'):
        assert sanitise.page_problems(to_html(source), source, "docs/x.md"), source


# ---- Material's inline scripts: recognised exactly ------------------------------------------------------


def test_material_scripts_are_recorded_for_the_installed_theme():
    assert inlinescripts.drift() is None
    names = {name for name, _ in inlinescripts.patterns()}
    assert "partials/javascripts/base.html" in names and "partials/javascripts/palette.html" in names


def test_a_changed_material_script_is_drift(tmp_path):
    theme = tmp_path / "templates"
    shutil.copytree(inlinescripts.theme_dir() / "partials" / "javascripts", theme / "partials" / "javascripts")
    palette = theme / "partials" / "javascripts" / "palette.html"
    palette.write_text(palette.read_text("utf-8").replace("var palette=", "fetch('//x');var palette="), "utf-8")
    problem = inlinescripts.drift(theme)
    assert problem and "palette.html" in problem and "kb material-scripts" in problem


@pytest.mark.parametrize("body, known", [
    ('__md_scope=new URL("../..",location)', False),  # a fragment of Material's script is not Material's script
    ('var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))', True),
    ('var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"));alert(1)', False),
    ("alert(1)", False),
])
def test_only_exact_material_scripts_are_known(body, known):
    assert any(p.fullmatch(body) for _, p in inlinescripts.patterns()) is known


def test_hole_in_base_script_takes_only_a_path():
    [base] = [p for name, p in inlinescripts.patterns() if name.endswith("base.html")]
    real = (inlinescripts.theme_dir() / "partials/javascripts/base.html").read_text("utf-8")
    body = re.search(r"<script>(.*?)</script>", real, re.S).group(1)
    fill = lambda s: re.sub(r"\{\{.*?\}\}", s, body)  # noqa: E731
    assert base.fullmatch(fill("../..")) and base.fullmatch(fill("/kb/"))
    assert not base.fullmatch(fill('",alert(1),"'))


def _site_with(tmp_path, site, extra: str, page: str = "faq/index.html") -> Path:
    bad = tmp_path / "site"
    shutil.copytree(site, bad)
    target = bad / page
    target.write_text(target.read_text("utf-8").replace("</article>", extra + "</article>", 1), "utf-8")
    return bad


@pytest.mark.build
@pytest.mark.parametrize("extra, needle", [
    ("<script>alert(1)</script>", "内联脚本不是 Material 的脚本"),
    ("<SCRIPT>alert(1)</SCRIPT>", "内联脚本不是 Material 的脚本"),
    ('<script type="module">alert(1)</script>', "不认识的脚本元素"),
    ('<script src="../assets/javascripts/inline/0123456789abcdef.js"></script>', "不是 Material 或本站发布流程的脚本"),
    ("<svg onload=alert(1)></svg>", "事件处理属性"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "不允许的链接地址"),
    ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', "不允许的元素"),
])
def test_publish_refuses_any_other_script_naming_the_page(tmp_path, site, extra, needle):
    bad = _site_with(tmp_path, site, extra)
    dest = tmp_path / "dest"
    result = kb_cmd("publish", dest, "--site", bad)
    assert result.returncode == 1
    assert re.search(r"faq/index\.html:\d+: .*" + re.escape(needle), result.stderr), result.stderr
    assert not (dest / "current").exists() and not [p for p in (dest / "releases").iterdir() if not p.name.startswith(".")]


@pytest.mark.build
def test_publish_refuses_a_planted_inline_file(tmp_path, site):
    bad = tmp_path / "site"
    shutil.copytree(site, bad)
    (bad / inlinescripts.INLINE_DIR / "0123456789abcdef.js").write_text("alert(1)", "utf-8")
    result = kb_cmd("publish", tmp_path / "dest", "--site", bad)
    assert result.returncode == 1 and "0123456789abcdef.js: 不是由 Material 的内联脚本生成的文件" in result.stderr


_TRUSTED = '<p>正文</p>\n<p><a href="../faq/">问答</a></p>'


def _kinds(found):
    return [(f.what, f.line) for f in found]


@pytest.mark.parametrize("before, after, expected", [
    # the theme's markup around the content is read; line numbers count the skipped content
    ('<html>\n<script>alert(1)</script>\n<article>', "</article>", [("script", 2)]),
    ("<html>\n<article>", '</article>\n<a href="javascript:alert(1)">x</a>', [("url", 4)]),
    ("<html><article>", "</article><svg onload=alert(1)>", [("handler", 2)]),
])
def test_scan_outside_reads_everything_around_the_trusted_content(before, after, expected):
    assert _kinds(inlinescripts.scan_outside(before + _TRUSTED + after, _TRUSTED)) == expected


@pytest.mark.parametrize("page", [
    # the content text is not where markup would be read: the whole page is scanned
    '<script>var s = "' + _TRUSTED.replace("正文", "<img src=x onerror=alert(1)>") + '";</script>',
    '<a href="javascript:' + _TRUSTED.replace("正文", "<img src=x onerror=alert(1)>") + '">',
    # the same text twice: nothing says which one is the content
    _TRUSTED.replace("正文", "<img src=x onerror=alert(1)>") * 2,
])
def test_scan_outside_reads_the_whole_page_unless_the_content_starts_as_markup(page):
    trusted = _TRUSTED.replace("正文", "<img src=x onerror=alert(1)>")
    whole = _kinds(inlinescripts.scan(page))
    assert whole and _kinds(inlinescripts.scan_outside(page, trusted)) == whole


def test_scan_outside_skips_only_the_content_it_was_given():
    trusted = "<p><img src=x onerror=alert(1)></p>"  # as if the allowlist had let it through
    page = "<html><article>" + trusted + "</article></html>"
    assert inlinescripts.scan_outside(page, trusted) == []
    assert _kinds(inlinescripts.scan_outside(page, None)) == [("handler", 1)]
    assert _kinds(inlinescripts.scan_outside(page, trusted + "x")) == [("handler", 1)]  # not in the page
    # what the build keeps of a page's content (start, length, digest) finds exactly that content
    long = "<p>" + "正文" * 150 + "</p>" + trusted
    page = "<html><article>" + long + "</article></html>"
    assert inlinescripts.scan_outside(page, inlinescripts.Content.of(long)) == []
    other = inlinescripts.Content.of(long.replace("onerror", "onclick"))  # the same start, another text
    assert other.head == inlinescripts.Content.of(long).head and other.length == len(long)
    assert _kinds(inlinescripts.scan_outside(page, other)) == [("handler", 1)]


_NAV = '<ul><li class="md-nav__item"><a href="../a/">甲</a></li>\n<li class="md-nav__item"><a href="../b/">乙</a></li></ul>\n'


@pytest.mark.parametrize("page", [
    _NAV + _NAV.replace('href="../b/"', 'href="javascript:alert(1)"'),  # a repeated piece, changed on one page
    '<script>var nav = \'<li class="md-nav__item">\';</script>\n' + _NAV,  # a cut inside a script
    _NAV + '<li class="md-nav__item" title="\n<li class="md-nav__item"><svg onload=alert(1)>">x</li>',  # inside a quote
])
def test_pieces_read_once_find_what_reading_the_whole_page_finds(page):
    memo: dict = {}
    inlinescripts.scan_outside(_NAV * 3, None, memo)  # pieces seen on earlier pages
    whole = [(f.what, f.line, f.detail, f.body) for f in inlinescripts.scan(page)]
    assert whole
    assert [(f.what, f.line, f.detail, f.body) for f in inlinescripts.scan_outside(page, None, memo)] == whole


@pytest.mark.build
def test_pieces_read_once_agree_with_the_whole_pages_of_the_site(site):
    memo: dict = {}
    for page in sorted(site.rglob("*.html")):
        text = page.read_text("utf-8").replace("</article>", '</article><a href="javascript:x">x</a>', 1)
        whole = [(f.what, f.line, f.detail) for f in inlinescripts.scan(text)]
        assert [(f.what, f.line, f.detail) for f in inlinescripts.scan_outside(text, None, memo)] == whole, page
    assert len(memo) > 10


@pytest.mark.build
def test_build_hands_every_plain_page_content_to_the_script_check(site):
    """The skipped content is exactly what the allowlist wrote: a built page holds it verbatim."""
    faq = (site / "faq" / "index.html").read_text("utf-8")
    article = re.search(r'<article class="md-content__inner md-typeset">(.*)</article>', faq, re.S).group(1)
    assert sanitise.clean(article) == article  # nh3's own output: cleaning it again changes nothing
    assert "<script" not in article.lower()


def test_built_site_has_no_inline_script_and_the_policy_in_every_page(site):
    pages = sorted(site.rglob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text("utf-8")
        head = text[:text.index("<meta name=")]
        assert csp.meta_tag() in head, page  # before every other meta, script and link
        assert not re.search(r"<script>", text), page
        assert inlinescripts.check_page(text, page.relative_to(site).as_posix(), site, inlinescripts.patterns(),
                                        inlinescripts.theme_dir(),
                                        inlinescripts.absolute_prefix(text) if page.name == "404.html" and page.parent == site else "/",
                                        inlinescripts.project_scripts()) == []


# ---- one policy, two carriers ---------------------------------------------------------------------


def test_header_and_meta_policy_come_from_one_place():
    assert "script-src 'self'" in csp.header() and "unsafe-inline" not in csp.header()
    assert "frame-ancestors 'none'" in csp.header() and "frame-ancestors" not in csp.meta_policy()
    assert csp.header().startswith(csp.meta_policy().split("; frame-ancestors")[0])
    conf = kb_cmd("nginx", "--root", "/srv/kb/current").stdout
    assert conf.count(f'add_header Content-Security-Policy "{csp.header()}" always;') == 2


def test_nginx_allows_loopback_and_private_ranges_by_default_and_denies_the_rest():
    conf = kb_cmd("nginx", "--root", "/srv/kb/current").stdout
    allowed = re.findall(r"^\s*allow (\S+);", conf, re.M)
    assert allowed == ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
    assert re.search(r"allow fc00::/7;\n\s*deny all;", conf)


def test_nginx_refuses_a_malformed_network():
    result = kb_cmd("nginx", "--root", "/x", "--allow", "10.0.0.0/8 intranet")
    assert result.returncode == 2 and "“intranet”不是 IP 地址或网段" in result.stderr


# ---- real builds: a hostile page or file in docs/ stops the build -------------------------------------------


@pytest.mark.build
@pytest.mark.parametrize("payload_id", ["script-plain", "svg-onload", "md-javascript", "attr-list", "iframe-srcdoc"])
def test_hostile_page_stops_the_build_naming_file_and_line(project_copy, tmp_path, payload_id):
    [payload] = [p for p in PAYLOADS if p.id == payload_id]
    page = project_copy / "docs" / "faq.md"
    lines = page.read_text("utf-8").splitlines()
    lines[3:3] = ["", payload.text, ""]
    page.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / "out"
    result = mkdocs_build(project_copy, out)
    assert result.returncode != 0
    lines = [f"docs/faq.md:{n}:" for n in range(5, 6 + payload.text.count("\n"))]
    assert any(x in result.stdout + result.stderr for x in lines), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.build
def test_hostile_pages_are_all_named_in_one_build(project_copy, tmp_path):
    """The allowlist runs beside the Markdown: every page it refuses is reported, not only the first."""
    [payload] = [p for p in PAYLOADS if p.id == "script-plain"]
    for name in ("faq.md", "glossary.md"):
        page = project_copy / "docs" / name
        lines = page.read_text("utf-8").splitlines()
        lines[3:3] = ["", payload.text, ""]
        page.write_text("\n".join(lines) + "\n", "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/faq.md:5:" in log and "docs/glossary.md:5:" in log, log
    assert "Traceback" not in log
    assert not (tmp_path / "out" / "index.html").exists()


@pytest.mark.build
def test_active_file_in_docs_stops_the_build(project_copy, tmp_path):
    (project_copy / "docs" / "evil.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "out")
    assert result.returncode != 0 and "docs/evil.svg: 不能放 .svg 文件" in result.stdout + result.stderr


def test_a_rich_answer_may_link_inside_the_site(data_copy):
    """The subset's link syntax passes every content check (its brackets are not prose punctuation)."""
    path = data_copy / "faq.yml"
    lines = path.read_text("utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip().startswith("a: |"))
    indent = " " * (len(lines[n + 1]) - len(lines[n + 1].lstrip()))
    lines.insert(n + 1, indent + "另见**基本原则**中的[第一条](principles.md#lead-by-example)。")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    kb = load(data_copy)
    html = to_html(r.render_faq(kb, r.Linker("faq.md", kb.by_id)))
    assert '<a href="principles.md#lead-by-example">第一条</a>' in html and "<strong>基本原则</strong>" in html


def _inlined(tmp_path, site) -> Path:
    """The built site as the theme wrote it: Material's scripts inline again, no script files."""
    tree = tmp_path / "inlined"
    shutil.copytree(site, tree)
    out_dir = tree / inlinescripts.INLINE_DIR
    bodies = {p.name: p.read_text("utf-8") for p in out_dir.glob("*.js")}
    tag = re.compile(r'<script src="[^"]*?' + re.escape(inlinescripts.INLINE_DIR) + r'/([0-9a-f]{16}\.js)"></script>')
    for page in tree.rglob("*.html"):
        text = page.read_text("utf-8")
        page.write_text(tag.sub(lambda m: f"<script>{bodies[m.group(1)]}</script>", text), "utf-8")
    shutil.rmtree(out_dir)
    return tree


@pytest.mark.build
def test_the_helper_process_hardens_half_of_the_pages_as_the_build_would(tmp_path, site):
    from kb.helper import Helper

    tree = _inlined(tmp_path, site)
    assert "<script>" in (tree / "index.html").read_text("utf-8")
    helper = Helper()
    try:
        written = inlinescripts.externalise(tree, helper=helper)
    finally:
        helper.close()
    assert written == len(list((site / inlinescripts.INLINE_DIR).glob("*.js")))
    differ = [p.relative_to(tree).as_posix() for p in tree.rglob("*")
              if p.is_file() and p.read_bytes() != (site / p.relative_to(tree)).read_bytes()]
    assert differ == [] and sorted(p.relative_to(tree) for p in tree.rglob("*")) == sorted(p.relative_to(site) for p in site.rglob("*"))


@pytest.mark.build
def test_scripts_in_either_half_are_all_named(tmp_path, site):
    from kb.helper import Helper

    tree = _inlined(tmp_path, site)
    largest = sorted(tree.rglob("*.html"), key=lambda p: -p.stat().st_size)[:2]  # one in each half
    for page in largest:
        page.write_text(page.read_text("utf-8").replace("</article>", "<script>alert(1)</script></article>", 1), "utf-8")
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    helper = Helper()
    try:
        with pytest.raises(inlinescripts.ScriptPolicyError) as e:
            inlinescripts.externalise(tree, helper=helper)
    finally:
        helper.close()
    for page in largest:
        assert f"{page.relative_to(tree).as_posix()}:" in str(e.value), str(e.value)
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before  # nothing changed


@pytest.mark.build
def test_hardening_refuses_external_references_in_pages_but_not_edit_links(tmp_path, site):
    from mkdocs.exceptions import PluginError

    from kb import hardening
    from kb.helper import Helper

    tree = _inlined(tmp_path, site)
    faq, glossary = tree / "faq" / "index.html", tree / "glossary" / "index.html"
    faq.write_text(faq.read_text("utf-8").replace("</article>", '<img src="https://cdn.example.org/a.png"></article>', 1), "utf-8")
    glossary.write_text(glossary.read_text("utf-8").replace(
        "</article>", '<a href="http://git.example.org/edit/docs/glossary.md">编辑此页</a></article>', 1), "utf-8")
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    helper = Helper()
    try:
        with pytest.raises(PluginError) as e:
            hardening.harden_site(str(tree), helper=helper, edit_host="git.example.org")
    finally:
        helper.close()
    message = str(e.value)
    assert "构建结果引用了外部地址" in message and "faq/index.html: src=\"https://cdn.example.org" in message, message
    assert "glossary" not in message  # a link to the intranet git server is a link, not a fetch
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before


def _page_with_parts(tmp_path, parts):
    from types import SimpleNamespace

    src = tmp_path / "handbook.md"
    src.write_text("# 手册\n\n{{ handbook() }}\n", "utf-8")
    page = SimpleNamespace(file=SimpleNamespace(src_uri="handbook.md", abs_src_path=str(src)), kb_html_parts=parts)
    html = "".join(p if isinstance(p, str) else p[0] + "".join(p[1]) + p[2] for p in parts)
    return page, html


def test_a_page_cleaned_part_by_part_is_the_page_cleaned_whole(tmp_path, monkeypatch):
    from kb import latefill

    monkeypatch.setenv("KB_CACHE", "on")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    parts = ['<h1 id="a">手册</h1>\n<p>前言 <a href="../faq/" title="问答">问答</a></p>\n',
             ('<div class="kb-handbook">\n', ['<h2 id="b">一</h2>\n<p>甲<br>乙</p>\n',
                                              '<table>\n<tbody>\n<tr>\n<td style="text-align: left;">丙</td>\n</tr>\n</tbody>\n</table>\n'], "</div>"),
             '\n<p>结语</p>']
    page, html = _page_with_parts(tmp_path, parts)
    assert latefill.sanitised(html, page, {"markdown_extensions": []}) == sanitise.clean(html)


def test_a_script_in_one_part_stops_the_build_naming_the_page(tmp_path, monkeypatch):
    from mkdocs.exceptions import PluginError

    from kb import latefill

    monkeypatch.setenv("KB_CACHE", "on")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    parts = ["<p>前言</p>\n", ('<div class="kb-handbook">\n', ["<p>一</p>\n", '<p onclick="alert(1)">二</p>\n'], "</div>"), ""]
    page, html = _page_with_parts(tmp_path, parts)
    with pytest.raises(PluginError) as e:
        latefill.sanitised(html, page, {"markdown_extensions": []})
    assert "docs/handbook.md" in str(e.value) and "onclick" in str(e.value)
