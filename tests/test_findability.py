"""Findability without a browser: glossary tooltips, the search vocabulary, pinyin and the index."""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest

from kb.glossarytips import GlossaryTooltips, short_definition

ROOT = Path(__file__).resolve().parent.parent


def term(id_, name, definition="释义。", aliases=()):
    return SimpleNamespace(id=id_, term=name, aliases=list(aliases), definition=definition)


TERMS = [
    term("qunzhong-luxian", "群众路线", "群众路线是我党的生命线和根本路线。第二句。"),
    term("jiaoyu-shijian-huodong", "党的群众路线教育实践活动", "一项活动。", aliases=["教育实践活动"]),
    term("si-feng", "四风", "形式主义、官僚主义、享乐主义和奢靡之风。"),
]


def render(text: str, page: str = "principles.md") -> str:
    md = markdown.Markdown(extensions=["attr_list", GlossaryTooltips(TERMS, lambda: page)])
    return md.convert(text)


def links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="kb-term" href="([^"]+)" title="[^"]*">([^<]+)</a>', html)


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_longest_term_first_and_never_inside_another():
    html = render("深入开展党的群众路线教育实践活动，坚持群众路线。")
    assert links(html) == [("glossary.md#jiaoyu-shijian-huodong", "党的群众路线教育实践活动"),
                           ("glossary.md#qunzhong-luxian", "群众路线")]


def test_first_occurrence_per_section_only():
    html = render("四风问题。再说四风。\n\n## 下一节\n\n四风又来了。四风。")
    assert [t for _, t in links(html)] == ["四风", "四风"]
    first, second = html.split("<h2")
    assert len(links(first)) == 1 and len(links(second)) == 1


def test_never_in_headings_links_code_or_quotes():
    html = render("## 四风\n\n[四风](faq.md) `四风` \n\n> 四风出自原文\n\n原文段落四风\n{ .kb-para }\n\n出处：四风\n{ .kb-sources }")
    assert links(html) == []


def test_text_is_unchanged_for_search_and_copying():
    source = "坚持群众路线，解决四风问题；教育实践活动要有实效。"
    html = render(source)
    assert len(links(html)) == 3
    assert visible(html) == source


def test_links_from_nested_pages_and_on_the_glossary_itself():
    assert links(render("四风", page="phases/study.md")) == [("../glossary.md#si-feng", "四风")]
    assert links(render("四风", page="glossary.md")) == [("#si-feng", "四风")]


def test_a_term_is_not_linked_inside_its_own_entry():
    html = render("### 四风 { #si-feng }\n\n四风是……群众路线。", page="glossary.md")
    assert [t for _, t in links(html)] == ["群众路线"]


def test_tooltip_is_the_first_sentence():
    html = render("群众路线")
    assert 'title="群众路线：群众路线是我党的生命线和根本路线。"' in html
    assert short_definition("推进会报道回答“查摆问题查什么？”：要聚焦“四风”查。另一句。") == "推进会报道回答“查摆问题查什么？”：要聚焦“四风”查。"


def test_late_titles_leave_the_definitions_out_of_the_markdown_html():
    """The build's render cache keeps HTML made with late_titles: a definition edit must change
    nothing in it, and fill_titles (also with the nonce of an earlier process) puts the current one in."""
    from kb.glossarytips import NONCE, title_placeholder

    def late(terms):
        return GlossaryTooltips(terms, lambda: "principles.md", late_titles=True)

    edited = [term("qunzhong-luxian", "群众路线", "改过的释义。"), *TERMS[1:]]
    before, after = (markdown.Markdown(extensions=["attr_list", late(t)]).convert("坚持群众路线。") for t in (TERMS, edited))
    assert before == after and "释义" not in before
    assert repr(late(TERMS)) == repr(late(edited))  # the cache key of every page stays the same
    assert 'title="群众路线：改过的释义。"' in late(edited).fill_titles(after)
    earlier = "0" * len(NONCE)
    old = after.replace(NONCE, earlier)
    assert late(edited).fill_titles(old, earlier) == late(edited).fill_titles(after)
    assert late(edited).fill_titles(old) == old  # another nonce is not this process's placeholder
    assert repr(late(TERMS)) != repr(late([*TERMS, term("xin", "新词")]))  # a new name links more text
    # An editor cannot write a placeholder: the nonce is drawn at random when the process starts.
    written = render(f"见 {title_placeholder('si-feng', 'ab' * 12)} 与 kb-tip-si-feng。")
    assert "形式主义" not in written


def test_titles_are_filled_as_the_placeholder_regex_fills_them():
    """fill_titles finds the placeholders with str.split; the page is what re.sub over the whole
    page gives, also for a placeholder with no id after it and for two placeholders in a row."""
    from kb.glossarytips import NONCE, title_placeholder

    ext = GlossaryTooltips(TERMS, lambda: "principles.md", late_titles=True)
    titles = {"si-feng": "四风：释义", "qunzhong-luxian": "群众路线：释义"}
    prefix = title_placeholder("", NONCE)
    samples = [
        f'<a title="{prefix}si-feng">四风</a>和<a title="{prefix}qunzhong-luxian">群众路线</a>',
        f"开头{prefix}si-feng\"结尾{prefix}",  # the last placeholder has no id
        f"{prefix}{prefix}si-feng 与 {prefix}！",
        f"{prefix}si-feng",
    ]
    def outcome(fill, text):
        try:
            return fill(text)
        except KeyError as e:  # two in a row: the regex reads the second into the first's id
            return ("KeyError", str(e))

    for text in [*samples, f"{prefix}si-feng{prefix}si-feng"]:
        regex = outcome(lambda t: re.sub(re.escape(prefix) + r"([a-z0-9-]+)", lambda m: titles[m.group(1)], t), text)
        assert outcome(lambda t: ext.fill_titles(t, titles=titles), text) == regex, text



# ---- vocabulary, pinyin and index from the real data


@pytest.fixture(scope="module")
def kb():
    from kb.checks import check

    return check(ROOT)


def test_domain_words_come_from_the_data(kb):
    from kb.searchvocab import domain_words

    words = set(domain_words(kb))
    for w in ("四风", "三严三实", "领导小组及办公室", "查摆问题", "开展批评", "民主生活会", "第二批教育实践活动"):
        assert w in words, w
    assert all(2 <= len(w) <= 12 and re.fullmatch(r"[\u3400-\u9fff]+", w) for w in words)


def test_jieba_keeps_domain_words_whole(kb):
    import jieba

    from kb.searchvocab import domain_words
    from kb.segmenter import setup_jieba

    setup_jieba(None, None, tuple(domain_words(kb)))
    assert "领导小组及办公室" in jieba.lcut("要充分发挥领导小组及办公室的作用")
    assert "真督实导" in jieba.lcut("做到真督实导，从严过细")


def test_pinyin_keys_spell_glossary_terms(kb):
    from kb.searchvocab import pinyin_keys

    keys = pinyin_keys(kb)
    assert "四风" in keys["sifeng"] and "四风" in keys["sf"]
    assert "三严三实" in keys["syss"] and "三严三实" in keys["sanyansanshi"]
    assert all(k.isascii() and k.isalpha() and k == k.lower() for k in keys)


def test_index_is_compact_and_carries_what_the_worker_needs(kb):
    from kb.searchindex import compact

    material = {"config": {"lang": ["zh"], "separator": "[\\s\\u200b]+"},
                "docs": [{"location": "glossary/", "title": "术语表", "text": "<p>术语</p>"},
                         {"location": "glossary/#si-feng", "title": "四风", "text": "<p>四风是</p>"}]}
    out = compact(material, kb)
    docs = out["docs"]
    assert out["config"] == material["config"]
    assert docs["pages"] == ["glossary/"]
    assert docs["sections"] == [[0, "", "术语表", "术语"], [0, "si-feng", "四风", "四风是"]]
    assert docs["defining"] == [1]  # the glossary entry of 四风 is its defining place
    pairs = {docs["t2s"][i]: docs["t2s"][i + 1] for i in range(0, len(docs["t2s"]), 2)}
    assert pairs.get("風") == "风"
    assert dict(docs["words"])["四风"] > 1000


def test_traditional_pairs_are_those_of_one_character_at_a_time():
    """_t2s_pairs converts all characters in one call per converter: it must pair them as OpenCC
    does for each character alone (后/後 and 里/裏 are phrase-sensitive in OpenCC)."""
    from opencc_purepy import OpenCC

    from kb.searchindex import _t2s_pairs

    text = "后面发展里面干部系统面对范围历史台风云集制度为了团结干净"
    t2s, to_trad = OpenCC("t2s"), [OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]
    one_by_one = {trad + ch for ch in set(text) for trad in {c.convert(ch) for c in to_trad}
                  if trad != ch and len(trad) == 1 and t2s.convert(trad) == ch}
    pairs = _t2s_pairs(text)
    assert {pairs[i:i + 2] for i in range(0, len(pairs), 2)} == one_by_one
    assert "發发" in one_by_one and "後后" in one_by_one


# ---- tags and related content


def test_tags_schema_is_current_and_checked_with_the_others(tmp_path, monkeypatch, capsys):
    import shutil

    from kb import schemas
    from kb.tags import schema_text

    assert (ROOT / "data" / "schemas" / "tags.schema.json").read_text("utf-8") == schema_text(), (
        "data/schemas/tags.schema.json is stale: run kb schemas")
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "data" / "schemas", copy)
    monkeypatch.setattr(schemas, "SCHEMA_DIR", copy)
    assert schemas.main(["--check"]) == 0
    (copy / "tags.schema.json").write_text("{}\n", "utf-8")
    assert schemas.main(["--check"]) == 1
    assert "tags.schema.json 与" in capsys.readouterr().err
    assert schemas.main([]) == 0 and (copy / "tags.schema.json").read_text("utf-8") == schema_text()


def test_unknown_item_in_tags_names_file_line_and_field(kb, tmp_path):
    from kb.errors import DataError
    from kb.tags import load_tags

    (tmp_path / "data").mkdir()
    text = (ROOT / "data" / "tags.yml").read_text("utf-8")
    lines = text.splitlines()
    first_item = next(i for i, l in enumerate(lines) if l.strip().startswith("- ") and "id:" not in l)
    lines[first_item] = lines[first_item].split("- ")[0] + "- no-such-item"
    (tmp_path / "data" / "tags.yml").write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(DataError) as e:
        load_tags(tmp_path, kb)
    report = e.value.report()
    assert f"data/tags.yml:{first_item + 1} tags[0].items[0]" in report and "no-such-item" in report, report


def test_unknown_tag_field_and_duplicate_tag_are_errors(kb, tmp_path):
    from kb.errors import DataError
    from kb.tags import load_tags

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tags.yml").write_text(
        "tags:\n  - id: a\n    label: 甲\n    items: [four-winds]\n  - id: a\n    label: 乙\n    lable: x\n    items: [four-winds]\n", "utf-8")
    with pytest.raises(DataError) as e:
        load_tags(tmp_path, kb)
    assert "data/tags.yml:7 tags[1].lable" in e.value.report(), e.value.report()


def test_unknown_front_matter_tag_names_the_page_and_line(kb, tmp_path):
    from kb.errors import DataError
    from kb.tags import check_page_tags, load_tags

    tagging = load_tags(ROOT, kb)
    page = tmp_path / "p.md"
    page.write_text("---\ntags:\n  - si-feng\n  - sifeng-typo\n---\n# 页\n", "utf-8")
    assert check_page_tags(tagging, ["si-feng"], page, "docs/p.md") == ["si-feng"]
    with pytest.raises(DataError) as e:
        check_page_tags(tagging, ["si-feng", "sifeng-typo"], page, "docs/p.md")
    assert "docs/p.md:4 tags[1]" in e.value.report()


def test_phase_tags_are_derived_and_every_item_kind_gets_related_content(kb):
    from kb.tags import RELATED_KINDS, key, load_tags, needs_related

    tagging = load_tags(ROOT, kb)
    for p in kb.phases.phases:
        assert f"phase-{p.id}" in tagging.tags
    wanted = [e for e in kb.entries if needs_related(e)]
    assert {e.kind for e in wanted} == RELATED_KINDS
    missing = [e.title for e in wanted if not tagging.related.get(key(e))]
    assert not missing, f"items without related content: {missing}"
    for e in wanted:
        assert all(key(o) != key(e) for o in tagging.related[key(e)])


def test_built_pages_show_related_content_tags_and_the_tag_index(site, kb):
    from kb.tags import key, load_tags, needs_related

    tagging = load_tags(ROOT, kb)
    html_of = {}
    for e in kb.entries:
        if not needs_related(e):
            continue
        path = site / e.page.removesuffix(".md") / "index.html"
        html = html_of.setdefault(path, path.read_text("utf-8"))
        if e.anchor:
            start = re.search(rf'<h([1-6]) id="{re.escape(e.anchor)}"', html)
            assert start, f"{e.page}#{e.anchor} not found"
            end = re.compile(rf"<h[1-{start.group(1)}][ >]|</article>").search(html, start.end())
            section = html[start.start():end.start()]
        else:
            section = html
        assert 'class="kb-related-content" data-search-exclude' in section, f"{e.title}: no 相关内容"
        for other in tagging.related[key(e)][:1]:
            assert other.title.replace("&", "&amp;").replace('"', "&quot;") in section or other.title in section
    index = (site / "tags" / "index.html").read_text("utf-8")
    for tag_id, tag in tagging.tags.items():
        assert f'id="{tag_id}"' in index and tag.label in index


def test_unknown_tag_on_a_page_stops_the_build(project_copy, tmp_path):
    from tests.conftest import mkdocs_build

    page = project_copy / "docs" / "events.md"
    page.write_text("---\ntags:\n  - no-such-tag\n---\n" + page.read_text("utf-8"), "utf-8")
    result = mkdocs_build(project_copy, tmp_path / "site")
    assert result.returncode != 0
    assert "docs/events.md:3 tags[0]" in result.stdout + result.stderr and "no-such-tag" in result.stdout + result.stderr


def test_a_term_two_documents_explain_shows_both_apart():
    senses = [SimpleNamespace(doc="speech", aliases=[], definition="讲话稿的说法。其余。"),
              SimpleNamespace(doc="progress-meeting", aliases=["别称"], definition="报道的说法。")]
    t = SimpleNamespace(id="x", term="规定动作", aliases=[], definition=None, senses=senses)
    from kb.glossarytips import term_links

    names = term_links([t], {"speech": "领导讲话稿", "progress-meeting": "推进会报道"})
    assert names["规定动作"].short == "〔领导讲话稿〕讲话稿的说法。　〔推进会报道〕报道的说法。"
    assert names["别称"].id == "x"


def test_names_spelt_ahead_by_the_helper_are_not_spelt_again(monkeypatch):
    from kb import pinyin
    from kb.helper import Helper

    monkeypatch.setattr(pinyin, "_spelt", {})
    helper = Helper()
    try:
        spelling = helper.run(pinyin.syllables, ["四风", "三严三实"])
        spelling.result()  # handed to the helper (and spelt there) before syllables is replaced below
        pinyin.prefetch(spelling)

        def refuse(names):
            raise AssertionError(f"spelt again: {list(names)}")

        monkeypatch.setattr(pinyin, "syllables", refuse)
        assert pinyin.of("四风") == ("si", "feng") and pinyin.of("三严三实") == ("san", "yan", "san", "shi")
        with pytest.raises(AssertionError, match="spelt again"):
            pinyin.of("民主生活会")
    finally:
        helper.close()


def test_related_content_kept_between_checks_is_what_a_fresh_choice_gives(tmp_path):
    """A preview keeps the choice of related content while no item's place, citations or tags
    change (kb.tags.related_content); it is then given the current entries, and any such change
    chooses again."""
    import shutil

    from kb import tags
    from kb.checks import check

    shutil.copytree(ROOT / "data", tmp_path / "data")
    glossary, tags_file = tmp_path / "data" / "glossary.yml", tmp_path / "data" / "tags.yml"

    def fresh(kb):
        tagging = kb.tagging
        return {k: [(o.page, o.anchor, o.title) for o in v] for k, v in tags.related_content_of(kb, tagging, list(kb.by_id.values())).items()}

    def kept(kb):
        return {k: [(o.page, o.anchor, o.title) for o in v] for k, v in kb.tagging.related.items()}

    first = check(tmp_path)
    assert kept(first) == fresh(first)
    glossary.write_text(glossary.read_text("utf-8").replace("definition: ", "definition: 相关内容测试。", 1), "utf-8")
    second = check(tmp_path)
    assert kept(second) == fresh(second) == kept(first)
    some = next(iter(second.tagging.related.values()))
    assert all(second.by_id.get(o.id) is o for o in some if o.id)  # the current entries, not the kept ones
    text = tags_file.read_text("utf-8")
    item = re.search(r"items:\s*\n\s*-\s*(\S+)", text).group(1)
    tags_file.write_text(re.sub(rf"^ *- {re.escape(item)}\n", "", text, count=1, flags=re.M), "utf-8")  # one item loses a tag
    third = check(tmp_path)
    assert kept(third) == fresh(third) != kept(second)
