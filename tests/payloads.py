"""A corpus of script-injection payloads from the well-known filter-evasion lists (OWASP XSS
Filter Evasion Cheat Sheet, PortSwigger's XSS cheat sheet, html5sec.org), each tagged with its kind.

Every payload calls alert(1), so a browser-side trap on alert/confirm/prompt sees any execution.

`python -m tests.payloads` prints, per payload, what the policy does to it in each field kind
and in a page (refused by the check / escaped / kept inert), the figures of the closing note.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Payload:
    id: str
    kind: str  # one of KINDS
    text: str


KINDS = {
    "script": "script 标签的各种写法",
    "handler": "img/svg 等元素的事件处理属性",
    "js-html-link": "HTML 链接中的 javascript:",
    "js-md-link": "Markdown 链接中的 javascript:",
    "link-title": "链接标题（title 属性）中的注入",
    "data-url": "data:text/html 地址",
    "iframe": "iframe srcdoc 与内嵌对象",
    "quote-break": "用引号打断属性",
    "entities": "HTML 字符实体",
    "md-reference": "Markdown 引用式链接与图片",
    "mixed-case": "大小写混写",
    "null-byte": "空字节与控制字符",
    "attr-list": "Markdown 属性列表",
    "mutation": "解析差异（mXSS）与注释",
}

PAYLOADS: list[Payload] = [
    Payload("script-plain", "script", "<script>alert(1)</script>"),
    Payload("script-spaces", "script", "<script >alert(1)</script >"),
    Payload("script-src", "script", '<script src="data:text/javascript,alert(1)"></script>'),
    Payload("script-nested", "script", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    Payload("script-svg", "script", "<svg><script>alert(1)</script></svg>"),
    Payload("script-unclosed", "script", "<script>alert(1)//"),
    Payload("img-onerror", "handler", "<img src=x onerror=alert(1)>"),
    Payload("img-onerror-slash", "handler", "<img/src=x/onerror=alert(1)>"),
    Payload("svg-onload", "handler", "<svg onload=alert(1)>"),
    Payload("body-onload", "handler", "<body onload=alert(1)>"),
    Payload("details-ontoggle", "handler", "<details open ontoggle=alert(1)>"),
    Payload("input-autofocus", "handler", "<input autofocus onfocus=alert(1)>"),
    Payload("unknown-tag-handler", "handler", "<x onclick=alert(1)>点击</x>"),
    Payload("a-javascript", "js-html-link", '<a href="javascript:alert(1)">点击</a>'),
    Payload("a-javascript-tab", "js-html-link", '<a href="jav\tascript:alert(1)">点击</a>'),
    Payload("a-javascript-space", "js-html-link", '<a href=" javascript:alert(1)">点击</a>'),
    Payload("a-vbscript", "js-html-link", '<a href="vbscript:msgbox(1)">点击</a>'),
    Payload("md-javascript", "js-md-link", "[点击](javascript:alert(1))"),
    Payload("md-javascript-angle", "js-md-link", "[点击](<javascript:alert(1)>)"),
    Payload("md-javascript-entity", "js-md-link", "[点击](javascript&#58;alert(1))"),
    Payload("md-autolink", "js-md-link", "<javascript:alert(1)>"),
    Payload("md-title-break", "link-title", '[点击](faq.md "x" onmouseover="alert(1))'),
    Payload("html-title-break", "link-title", '<a href="faq.md" title="x" onmouseover="alert(1)">点击</a>'),
    Payload("a-data-html", "data-url", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">点击</a>'),
    Payload("md-data-html", "data-url", "[点击](data:text/html,<script>alert(1)</script>)"),
    Payload("object-data", "data-url", '<object data="data:text/html,<script>alert(1)</script>"></object>'),
    Payload("iframe-srcdoc", "iframe", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    Payload("iframe-javascript", "iframe", '<iframe src="javascript:alert(1)"></iframe>'),
    Payload("embed", "iframe", '<embed src="javascript:alert(1)">'),
    Payload("form-action", "iframe", '<form action="javascript:alert(1)"><button>提交</button></form>'),
    Payload("break-double", "quote-break", '"><script>alert(1)</script>'),
    Payload("break-single", "quote-break", "'><img src=x onerror=alert(1)>"),
    Payload("break-attr", "quote-break", '" onmouseover="alert(1)" x="'),
    Payload("entities-escaped", "entities", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    Payload("entities-decimal", "entities", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">点击</a>'),
    Payload("entities-hex-nosemi", "entities", '<img src=x onerror="&#x61;&#x6C;&#x65;&#x72;&#x74;&#x28;1&#x29;">'),
    Payload("md-reference", "md-reference", "[点击][r]\n\n[r]: javascript:alert(1)"),
    Payload("md-image", "md-reference", "![图](javascript:alert(1))"),
    Payload("md-image-onerror", "md-reference", '![图](x" onerror="alert(1))'),
    Payload("mixed-script", "mixed-case", "<ScRiPt>alert(1)</sCrIpT>"),
    Payload("mixed-img", "mixed-case", "<IMG SRC=x OnErRoR=alert(1)>"),
    Payload("mixed-javascript", "mixed-case", "[点击](JaVaScRiPt:alert(1))"),
    Payload("null-script", "null-byte", "<scr\x00ipt>alert(1)</scr\x00ipt>"),
    Payload("null-javascript", "null-byte", '<a href="java\x00script:alert(1)">点击</a>'),
    Payload("attr-list", "attr-list", '文字\n{: onclick="alert(1)" }'),
    Payload("attr-list-heading", "attr-list", '## 标题 { onclick="alert(1)" }'),
    Payload("mxss-math", "mutation", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    Payload("comment-break", "mutation", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    Payload("md-in-html", "mutation", '<div markdown="1" onclick="alert(1)">文字</div>'),
    Payload("style-import", "mutation", '<style>@import "javascript:alert(1)";</style>'),
    Payload("meta-refresh", "mutation", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    Payload("base-href", "mutation", '<base href="javascript:alert(1)//">'),
]


def outcomes() -> list[tuple[Payload, dict[str, str]]]:
    """What the policy does to each payload in each field kind and in a page."""
    from kb import sanitise, textpolicy

    from .site_markdown import to_html

    rows = []
    for p in PAYLOADS:
        row = {}
        for kind in (textpolicy.PLAIN, textpolicy.RICH):
            row[kind] = "拒绝" if textpolicy.problems_in(p.text, kind) else "转义"
        row["title"] = "拒绝" if textpolicy.problems_in(p.text, textpolicy.PLAIN) else "转义"
        row["page"] = "拒绝" if sanitise.page_problems(to_html(p.text), p.text, "docs/x.md") else "无害"
        rows.append((p, row))
    return rows


if __name__ == "__main__":
    from collections import Counter

    rows = outcomes()
    print(f"{'payload':24} {'kind':14} plain rich  title page")
    for p, row in rows:
        print(f"{p.id:24} {p.kind:14} {row['plain']:4} {row['rich']:4} {row['title']:4} {row['page']}")
    for col in ("plain", "rich", "title", "page"):
        print(col, dict(Counter(r[col] for _, r in rows)))
    print("payloads:", len(rows), "kinds:", len({p.kind for p in PAYLOADS}))
