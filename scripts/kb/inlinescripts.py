"""Material's own inline scripts, recognised exactly; every other script in a page is refused.

The CSP says script-src 'self'. Publish moves inline scripts into same-origin files so that they
still run, which would also bless a script an editor slipped into a page. So only the scripts of
Material's `partials/javascripts/*.html` templates are moved: each template's script becomes an
exact pattern (its static text escaped, each Jinja hole limited to path characters). The
templates are read from the installed theme and compared with the digests recorded in
deploy/csp/material-inline-scripts.json (`kb material-scripts`): an upgrade that changes them
stops the publish until someone has read the new scripts and recorded them.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from .paths import ROOT

RECORD = ROOT / "deploy" / "csp" / "material-inline-scripts.json"
TEMPLATES = "partials/javascripts"
# A Jinja hole inside a script may only become a URL path ("..", "/kb/"): no quote, no backslash, no <.
HOLE = r"[A-Za-z0-9_.~/%:-]*"
_TEMPLATE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
# The vendored offline shim and the files publish itself writes, besides Material's own assets.
EXTRA_SCRIPTS = re.compile(r"assets/javascripts/(?:inline/[0-9a-f]{16}\.js|iframe-worker-(?:shim|prelude)\.js)|search/search_index\.js")
# Material's search share button (partials/search.html): an inert link its own bundle handles.
MATERIAL_URLS = {("a", "href", "javascript:void(0)")}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "background", "ping"}
# Material's search and palette are forms, so <form> is refused in docs/ pages (sanitise.py), not here.
FORBIDDEN_ELEMENTS = {"iframe", "frame", "object", "embed", "applet", "base", "meta"}


class ScriptPolicyError(Exception):
    """A page carries script that is not Material's: publish stops, naming page and line."""


def theme_dir() -> Path:
    import material

    return Path(material.__file__).parent / "templates"


def material_version() -> str:
    from importlib import metadata

    return metadata.version("mkdocs-material")


def template_scripts(templates: Path | None = None) -> dict[str, list[str]]:
    """Every inline script of Material's javascripts partials, as template text."""
    templates = templates or theme_dir()
    out = {}
    for path in sorted((templates / TEMPLATES).glob("*.html")):
        bodies = _TEMPLATE_SCRIPT.findall(path.read_text("utf-8"))
        if bodies:
            out[f"{TEMPLATES}/{path.name}"] = bodies
    return out


def digest(scripts: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [hashlib.sha256(b.encode("utf-8")).hexdigest() for b in bodies] for name, bodies in scripts.items()}


def expected_record(templates: Path | None = None) -> dict:
    return {"mkdocs-material": material_version(), "scripts": digest(template_scripts(templates))}


def drift(templates: Path | None = None, record: Path = RECORD) -> str | None:
    """Why the installed theme's inline scripts differ from the recorded ones; None when they match."""
    try:
        recorded = json.loads(record.read_text("utf-8"))
    except (OSError, ValueError):
        return f"没有可用的 {record.relative_to(ROOT) if record.is_relative_to(ROOT) else record}：请运行 kb material-scripts。"
    now = expected_record(templates)
    if recorded.get("scripts") != now["scripts"]:
        changed = sorted(set(recorded.get("scripts", {})) ^ set(now["scripts"])
                         | {k for k in now["scripts"] if recorded.get("scripts", {}).get(k) != now["scripts"][k]})
        return (f"已安装的 Material {now['mkdocs-material']} 的内联脚本与登记的（Material {recorded.get('mkdocs-material')}）"
                f"不一致：{'、'.join(changed)}。请先审阅这些模板中的脚本，再运行 kb material-scripts 重新登记。")
    return None


def patterns(templates: Path | None = None) -> list[tuple[str, re.Pattern]]:
    """(template name, exact pattern) for every recorded Material inline script."""
    out = []
    for name, bodies in template_scripts(templates).items():
        for body in bodies:
            parts = _JINJA.split(body)
            if any(h.startswith("{%") for h in _JINJA.findall(body)):
                raise ScriptPolicyError(f"Material 模板 {name} 的内联脚本含控制语句，无法精确识别：请审阅后更新 scripts/kb/inlinescripts.py。")
            out.append((name, re.compile(HOLE.join(re.escape(p) for p in parts))))
    return out


# ---- reading the scripts of a built page ---------------------------------------------------------


@dataclass
class Found:
    line: int
    what: str  # "script", "handler", "url", "element"
    attrs: dict[str, str]
    body: str = ""
    detail: str = ""


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Found] = []
        self._script: Found | None = None

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        d = {k.lower(): (v or "") for k, v in attrs}
        for k, v in d.items():
            if k.startswith("on"):
                self.found.append(Found(line, "handler", d, detail=f"{tag} {k}"))
            elif k in URL_ATTRS and not (tag, k, v) in MATERIAL_URLS and unsafe_url(v, allow_data_image=tag == "img" and k == "src"):
                self.found.append(Found(line, "url", d, detail=f"{tag} {k}={v[:60]}"))
            elif k == "srcdoc":
                self.found.append(Found(line, "element", d, detail=f"{tag} srcdoc"))
        if tag in FORBIDDEN_ELEMENTS and not (tag == "meta" and _harmless_meta(d)):
            self.found.append(Found(line, "element", d, detail=tag))
        if tag == "script":
            self._script = Found(line, "script", d)
            self.found.append(self._script)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._script is not None:
            self._script.body += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _harmless_meta(attrs: dict[str, str]) -> bool:
    # Material's own <meta> tags; a refresh to another address is a redirect, set-cookie is state.
    equiv = attrs.get("http-equiv", "").lower()
    return equiv in ("", "content-security-policy", "x-ua-compatible", "content-type")


_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def unsafe_url(value: str, allow_data_image: bool = False) -> bool:
    """javascript:, vbscript:, data: (except data:image/ where allowed) and other active schemes."""
    v = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(value)).lower()
    m = _SCHEME.match(v)
    if not m:
        return False
    scheme = m.group(1)
    if scheme in ("http", "https", "mailto", "tel"):
        return False
    if scheme == "data" and allow_data_image and v.startswith("data:image/") and not v.startswith("data:image/svg"):
        return False
    return True


def parsed(parser: HTMLParser, text: str) -> HTMLParser:
    """parser after reading all of text (both HTML readers here and in sanitise.py use it)."""
    parser.feed(text)
    parser.close()
    return parser


def scan(text: str) -> list[Found]:
    return parsed(_Scan(), text).found


# The theme repeats its navigation on every page: cut there, each distinct piece is read once.
_CHUNK = re.compile(r'(?=<li class="md-nav__item)')


def _read(text: str, memo: dict | None) -> list[Found] | None:
    """scan(text) for text read from a tag boundary, piece by piece; None when a piece does not end
    in plain text (then the pieces cannot be read apart, and the caller reads the text whole)."""
    out: list[Found] = []
    line = 0
    for chunk in (_CHUNK.split(text) if memo is not None else [text]):
        key = _digest(chunk) if memo is not None else b""  # a digest: the pieces themselves add up to much
        hit = memo.get(key) if memo is not None else None
        if hit is None:
            p = _Scan()
            p.feed(chunk)
            clean = p.cdata_elem is None and "<" not in p.rawdata and p._script is None
            p.close()
            hit = (p.found, clean)
            if memo is not None:
                memo[key] = hit
        found, clean = hit
        if not clean:
            return None
        out += [replace(f, line=f.line + line) for f in found]
        line += chunk.count("\n")
    return out


@dataclass(frozen=True)
class Content:
    """A page's content as the allowlist wrote it, kept small for the whole build: its start, its
    length and its digest (a site at 100 times the content holds hundreds of MB of it)."""
    head: str
    length: int
    digest: bytes

    @classmethod
    def of(cls, text: str) -> "Content":
        return cls(text[:200], len(text), _digest(text))

    def find(self, page: str, start: int = 0) -> int:
        """Where the content starts in page (from start), or -1."""
        i = page.find(self.head, start)
        while i >= 0:
            if _digest(page[i:i + self.length]) == self.digest:
                return i
            i = page.find(self.head, i + 1)
        return -1


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest()


def scan_outside(text: str, trusted: "str | Content | None" = None, memo: dict | None = None) -> list[Found]:
    """scan(text), reading around one occurrence of `trusted`: markup the build itself made safe.

    `trusted` is a page's content as the nh3 allowlist wrote it (hardening.py): no script, handler
    or active URL can be in it. Everything else in the page (the theme's header, navigation, table
    of contents, footer: titles come from content too) is read here. The content is skipped only
    where the page before it ends in plain text, so that it is read as markup by the browser too;
    anything else (no match, two matches, an open tag or script before it) reads the whole page.
    `memo` (one dict for all pages of a site) keeps what each piece of the theme's markup held.
    """
    if isinstance(trusted, str):
        trusted = Content.of(trusted)
    i = trusted.find(text) if trusted else -1
    if i < 0 or trusted.find(text, i + 1) >= 0:
        whole = _read(text, memo) if memo is not None else None
        return whole if whole is not None else scan(text)
    before = _read(text[:i], memo)
    if before is None:
        return scan(text)
    end = i + trusted.length
    after = _read(text[end:], memo)
    if after is None:
        after = scan(text[end:])
    offset = text.count("\n", 0, end)
    return before + [replace(f, line=f.line + offset) for f in after]


# ---- the check and the move ----------------------------------------------------------------------


def project_scripts(root: Path | None = None) -> set[str]:
    """The developers' own scripts: the `extra_javascript` entries of mkdocs.yml (docs-relative paths).
    Editors never list scripts there; a script file in docs/ that is not listed stops the build."""
    root = root or ROOT
    text = (root / "mkdocs.yml").read_text("utf-8")
    m = re.search(r"^extra_javascript:\n((?:[ \t]+-[^\n]*\n?)+)", text, re.M)
    if not m:
        return set()
    return {re.sub(r"\s+#.*$", "", line.split("-", 1)[1]).strip().strip("'\"") for line in m.group(1).splitlines() if line.strip()}


def _src_known(src: str, page_rel: str, tree: Path, theme: Path, absolute_prefix: str, extra: set[str] = frozenset()) -> bool:
    import posixpath
    from urllib.parse import urlsplit

    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return False
    path = parts.path
    if path.startswith("/"):
        if not path.startswith(absolute_prefix):
            return False
        rel = path[len(absolute_prefix):]
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    if rel.startswith("../") or not (tree / rel).is_file():
        return False
    if EXTRA_SCRIPTS.fullmatch(rel) or rel in extra:
        return True
    return rel.startswith("assets/javascripts/") and (theme / rel).is_file()


def check_page(text: str, page_rel: str, tree: Path, known: list[tuple[str, re.Pattern]],
               theme: Path, absolute_prefix: str = "/", extra: set[str] = frozenset()) -> list[str]:
    """Every script, handler or active URL in one built page that is not Material's own, in Chinese."""
    return problems_of(scan(text), page_rel, tree, known, theme, absolute_prefix, extra)


def problems_of(found: list[Found], page_rel: str, tree: Path, known: list[tuple[str, re.Pattern]],
                theme: Path, absolute_prefix: str = "/", extra: set[str] = frozenset()) -> list[str]:
    problems = []
    for f in found:
        where = f"{page_rel}:{f.line}"
        if f.what == "handler":
            problems.append(f"{where}: 事件处理属性（{f.detail}）是内联脚本，不允许。")
        elif f.what == "url":
            problems.append(f"{where}: 不允许的链接地址（{f.detail}）。")
        elif f.what == "element":
            problems.append(f"{where}: 不允许的元素（{f.detail}）。")
        elif "src" in f.attrs:
            if f.body.strip() or not _src_known(f.attrs["src"], page_rel, tree, theme, absolute_prefix, extra):
                problems.append(f"{where}: 外部脚本 {f.attrs['src'][:80]} 不是 Material 或本站发布流程的脚本。")
        elif f.attrs.get("type", "").lower() == "application/json" and f.attrs.get("id") == "__config":
            try:
                json.loads(f.body)
            except ValueError:
                problems.append(f"{where}: Material 的配置块不是合法 JSON。")
        elif f.attrs.get("type", "text/javascript").lower() not in ("text/javascript", "") or len(f.attrs) > (1 if "type" in f.attrs else 0):
            problems.append(f"{where}: 不认识的脚本元素 <script {' '.join(f.attrs)}>。")
        elif not any(p.fullmatch(f.body) for _, p in known):
            problems.append(f"{where}: 内联脚本不是 Material 的脚本，不能发布：{f.body.strip()[:80]!r}")
    return problems


INLINE_DIR = "assets/javascripts/inline"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def absolute_prefix(page_html: str) -> str:
    """404.html is served at any depth, so it links absolutely: find the base it uses."""
    m = re.search(r'"base": "([^"]*)"', page_html)
    base = m.group(1) if m else "/"
    return base if base.endswith("/") else base + "/"


@dataclass
class Policy:
    """What a page is checked against: Material's recorded scripts, its theme, the project's own."""
    known: list[tuple[str, re.Pattern]]
    theme: Path
    extra: set[str]

    @classmethod
    def load(cls) -> "Policy":
        problem = drift()
        if problem:
            raise ScriptPolicyError(problem)
        return cls(patterns(), theme_dir(), project_scripts())


def _pages(tree: Path) -> list[tuple[Path, str]]:
    return [(page, page.relative_to(tree).as_posix()) for page in sorted(tree.rglob("*.html"))]


def _check_text(text: str, rel: str, tree: Path, policy: Policy, trusted: str | None = None,
                memo: dict | None = None) -> tuple[list[Found], list[str]]:
    found = scan_outside(text, trusted, memo)
    prefix = absolute_prefix(text) if rel == "404.html" else "/"
    return found, problems_of(found, rel, tree, policy.known, policy.theme, prefix, policy.extra)


def _written_files_problems(tree: Path, policy: Policy) -> list[str]:
    problems = []
    for js in sorted((tree / INLINE_DIR).glob("*")):  # only files this module wrote, from known scripts
        body = js.read_text("utf-8")
        if not (re.fullmatch(r"[0-9a-f]{16}\.js", js.name) and js.name == _name(body) and any(p.fullmatch(body) for _, p in policy.known)):
            problems.append(f"{js.relative_to(tree).as_posix()}: 不是由 Material 的内联脚本生成的文件。")
    return problems


def _name(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16] + ".js"


def _move(text: str, rel: str, found: list[Found], policy: Policy, out_dir: Path, written: set[str], step) -> str:
    """The page with each of Material's inline scripts replaced by a <script src> of its own file."""
    prefix = absolute_prefix(text) if rel == "404.html" else "../" * rel.count("/")
    moved = 0

    def replace(m: re.Match) -> str:
        nonlocal moved
        body = m.group(1)
        if not any(p.fullmatch(body) for _, p in policy.known):  # checked above; never move an unknown one
            raise ScriptPolicyError(f"{rel}: 内联脚本不是 Material 的脚本。")
        target = out_dir / _name(body)
        if target.name not in written and not target.exists():
            out_dir.mkdir(parents=True, exist_ok=True)
            # Whole or not at all: the build's helper may be writing the same file for its pages.
            tmp = out_dir / f".{target.name}.{os.getpid()}.tmp"
            tmp.write_text(body, "utf-8")
            os.replace(tmp, target)
            written.add(target.name)
            step()
        moved += 1
        return f'<script src="{prefix}{INLINE_DIR}/{target.name}"></script>'

    new = _INLINE_SCRIPT.sub(replace, text)
    inline = [f for f in found if f.what == "script" and "src" not in f.attrs and f.attrs.get("type") != "application/json"]
    if len(inline) != moved:  # a spelling the pattern above missed: refuse rather than leave it inline
        raise ScriptPolicyError(f"{rel}:{inline[0].line if inline else 1}: 内联脚本无法外置。")
    return new


def _check_pages(tree: Path, policy: Policy, items: list[tuple[str, "str | Content | None"]],
                 inspect: "Callable[[str, str], list[str]] | None" = None) -> list[tuple[list[Found], list[str], list[str]]]:
    """_check_text for each (page, trusted content), one memo for them all; and inspect(text, page)."""
    memo, out = {}, []
    for rel, trusted in items:
        text = (tree / rel).read_text("utf-8")
        out.append((*_check_text(text, rel, tree, policy, trusted, memo), inspect(text, rel) if inspect else []))
    return out


class Refused(Exception):
    """What `inspect` found in the pages (externalise changed nothing)."""

    def __init__(self, found: list[str]):
        super().__init__("\n".join(found))
        self.found = found


def _move_pages(tree: Path, policy: Policy, items: list[tuple[str, list[Found]]], finish: Callable[[str], str] | None,
                step=lambda: None) -> set[str]:
    """_move each page (and `finish` it); the names of the script files written."""
    written: set[str] = set()
    for rel, found in items:
        page = tree / rel
        text = page.read_text("utf-8")
        new = _move(text, rel, found, policy, tree / INLINE_DIR, written, step)
        if finish is not None:
            new = finish(new)
        if new != text:
            page.write_text(new, "utf-8")
            step()
    return written


def _halves(tree: Path, rels: list[str]) -> tuple[list[int], list[int]]:
    """Page indexes in two halves of about the same size in bytes."""
    sizes = [(tree / rel).stat().st_size for rel in rels]
    halves: tuple[list[int], list[int]] = ([], [])
    totals = [0, 0]
    for i in sorted(range(len(rels)), key=lambda i: -sizes[i]):
        side = 0 if totals[0] <= totals[1] else 1
        halves[side].append(i)
        totals[side] += sizes[i]
    return sorted(halves[0]), sorted(halves[1])


def externalise(tree: Path, step=lambda: None, trusted: "dict[str, str | Content] | None" = None,
                finish: Callable[[str], str] | None = None, helper=None,  # noqa: ANN001
                inspect: Callable[[str, str], list[str]] | None = None) -> int:
    """Check every page, then move Material's inline scripts into content-addressed files.

    Raises ScriptPolicyError listing every page and line that carries any other script; then no
    page has been changed. Returns the number of files written. `step` is called after each
    durable change (publish's kill points). `trusted` maps a page (site-relative path) to its
    content as the allowlist wrote it (see scan_outside); `finish` is applied to each page's text
    before it is written (the build adds the CSP meta tag in the same pass). With `helper` (the
    build's helper process, kb.helper), it reads and writes half of the pages. `inspect(text, page)`
    looks at each page as read for the check (the build: external references); whatever it
    returns is raised as Refused, before any page is changed.
    """
    from .helper import run

    policy = Policy.load()
    trusted = trusted or {}
    rels = [rel for _, rel in _pages(tree)]
    items = [(rel, trusted.get(rel)) for rel in rels]
    mine, theirs = _halves(tree, rels) if helper is not None else (list(range(len(rels))), [])
    # Pages are read again below rather than held: a big site is not held in memory.
    their_checks = run(helper, _check_pages, tree, policy, [items[i] for i in theirs], inspect)
    checks = dict(zip(mine, _check_pages(tree, policy, [items[i] for i in mine], inspect)))
    checks.update(zip(theirs, their_checks.result()))
    problems = [p for i in range(len(rels)) for p in checks[i][1]]
    problems += _written_files_problems(tree, policy)
    if problems:
        raise ScriptPolicyError("页面中有不属于 Material 的脚本：\n  " + "\n  ".join(problems[:50]))
    found = [x for i in range(len(rels)) for x in checks[i][2]]
    if found:
        raise Refused(found)
    moves = [(rels[i], checks[i][0]) for i in theirs]
    their_moves = run(helper, _move_pages, tree, policy, moves, finish) if moves else None
    written = _move_pages(tree, policy, [(rels[i], checks[i][0]) for i in mine], finish, step)
    if their_moves is not None:
        written |= their_moves.result()
    return len(written)
