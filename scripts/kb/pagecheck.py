"""Pages in docs/ checked before MkDocs sees them, so that a mistake in a page is reported
in Chinese with page and line instead of a Jinja traceback from mkdocs-macros.

Checks: Jinja syntax, unknown macros and variables (with the closest name), macro
arguments (count, and ids/paragraphs/quotes when the arguments are written literally),
and links to missing pages or anchors. Pure Python, no MkDocs.
"""
from __future__ import annotations

import difflib
import inspect
import posixpath
import re
from pathlib import Path
from typing import Any, Callable

import jinja2
from jinja2 import nodes

from .errors import ContentError, Problem

# What mkdocs-macros and Jinja define besides our macros; a page may use them.
BUILTIN_NAMES = {
    "range", "dict", "lipsum", "cycler", "joiner", "namespace",  # Jinja globals
    "now", "fix_url", "context", "macros_info", "pretty", "render_file", "relative_url",  # mkdocs-macros
    "config", "page", "environment", "plugin", "git", "extra", "navigation", "files", "macros", "filters",
}

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_LINK = re.compile(r"(?<!!)\[(?:[^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATTR_ID = re.compile(r"\{[^}\n]*#([A-Za-z][\w-]*)[^}\n]*\}")
_FENCE = re.compile(r"^(```|~~~)")

_JINJA_HINTS = (
    ("unexpected '}'", "多了一个“}”，或者“{{”少了一半。宏要写成 {{ 宏名(\"参数\") }}，花括号成对。"),
    ("unexpected end of template", "有“{{”或“{%”没有配对的结尾（“}}”或“%}”）。"),
    ("expected token 'end of print statement'", "“{{ … }}”里的写法不对：参数要放在括号里，文本参数要加英文引号，多个参数用英文逗号分开。"),
    ("Missing end of comment tag", "“{#”在宏语言里表示注释开头，后面没有“#}”。页面里要显示“{#”时，请在“{”和“#”之间加一个空格。"),
    ("unexpected char", "宏里出现了不能用的字符：参数里的引号、逗号、括号必须是英文半角符号。"),
    ("unexpected ')'", "括号不配对。"),
    ("expected token ','", "参数之间要用英文逗号分开，文本参数要加英文引号。"),
)


def _explain_jinja(message: str) -> str:
    for pattern, hint in _JINJA_HINTS:
        if pattern in message:
            return f"页面里的宏写法有误：{hint}（原始信息：{message}）"
    return f"页面里的宏写法有误：{message}。宏要写成 {{{{ 宏名(\"参数\") }}}}，括号、引号用英文半角。"


def split_front_matter(text: str) -> tuple[str, int]:
    """(markdown without the YAML header, number of header lines), as mkdocs-macros sees the page."""
    m = _FRONT_MATTER.match(text)
    return (text[m.end():], m.group(0).count("\n")) if m else (text, 0)


def _slugify(text: str) -> str:
    from pymdownx.slugs import slugify  # the same slugify as mkdocs.yml's toc

    return slugify(case="lower")(text, "-")


def static_anchors(markdown: str) -> set[str]:
    """Anchors a page's own Markdown makes: headings (toc slugify) and { #id } attributes."""
    out: set[str] = set()
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        out.update(_ATTR_ID.findall(line))
        h = _HEADING.match(line)
        if h and "{{" not in h.group(2):
            out.add(_slugify(re.sub(r"\{[^}]*\}\s*$", "", h.group(2)).strip()))
    return out


def _const(node: nodes.Node) -> tuple[bool, Any]:
    if isinstance(node, nodes.Const):
        return True, node.value
    if isinstance(node, nodes.Neg) and isinstance(node.node, nodes.Const):
        return True, -node.node.value
    return False, None


def _signature_text(name: str, fn: Callable) -> str:
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return f"{name}(…)"
    return f"{name}({', '.join(params)})"


class PageChecker:
    def __init__(self, docs_dir: Path, macros: dict[str, Callable], kb: Any = None, extra_names: set[str] = frozenset(),
                 page_macros: Callable[[str], dict[str, Callable]] | None = None):
        self.docs_dir = docs_dir
        self.macros = macros
        self.kb = kb
        self.names = set(macros) | BUILTIN_NAMES | set(extra_names)
        self.page_macros = page_macros  # macros bound to a page, for literal-argument dry runs
        self.pages = {p.relative_to(docs_dir).as_posix(): p for p in sorted(docs_dir.rglob("*.md"))}
        self._anchors: dict[str, set[str]] = {}
        self.links = True

    # -- anchors -----------------------------------------------------------------------
    def anchors(self, page: str) -> set[str] | None:
        """Anchors of a page, or None when they cannot be known (then links to it are not checked)."""
        if page in self._anchors:
            return self._anchors[page]
        found: set[str] = set()
        if page in self.pages:
            md, _ = split_front_matter(self.pages[page].read_text("utf-8-sig"))
            found |= static_anchors(md)
        if self.kb is None:
            return None
        from .render import para_anchor

        found |= {e.anchor for e in self.kb.entries_on(page) if e.anchor}
        for doc_id, doc in self.kb.documents.items():
            if self.kb.by_id.get(doc_id) is not None and self.kb.by_id[doc_id].page == page:
                found |= {para_anchor(n) for n in range(1, len(doc.paragraphs) + 1)}
        self._anchors[page] = found
        return found

    # -- one page ----------------------------------------------------------------------
    def check_page(self, page: str) -> list[Problem]:
        shown = f"docs/{page}"
        try:
            raw = self.pages[page].read_bytes()
            from .editorial import Unreadable, decode_text
            text = decode_text(raw)
        except Unreadable as e:
            return [Problem(shown, e.line, "", e.message)]
        markdown, offset = split_front_matter(text)
        problems: list[Problem] = []
        env = jinja2.Environment()
        try:
            tree = env.parse(markdown)
        except jinja2.TemplateSyntaxError as e:
            problems.append(Problem(shown, (e.lineno or 0) + offset, "", _explain_jinja(e.message or "")))
            tree = None
        if tree is not None:
            problems += self._check_tree(tree, shown, page, offset)
        if self.links:
            problems += self._check_links(markdown, shown, page, offset)
        return problems

    def _unknown(self, name: str, shown: str, line: int, called: bool) -> Problem:
        close = difflib.get_close_matches(name, sorted(self.macros), n=1, cutoff=0.5)
        hint = f"是不是想写“{close[0]}”？" if close else ""
        what = "宏" if called else "变量"
        listed = "、".join(sorted(self.macros))
        return Problem(shown, line, "", f"没有名为“{name}”的{what}。{hint}可用的宏：{listed}。")

    def _check_tree(self, tree: nodes.Template, shown: str, page: str, offset: int) -> list[Problem]:
        out: list[Problem] = []
        assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
        callee_ids = set()
        for call in tree.find_all(nodes.Call):
            line = call.lineno + offset
            if not isinstance(call.node, nodes.Name):
                continue
            name = call.node.name
            callee_ids.add(id(call.node))
            if name in assigned:
                continue
            if name not in self.names:
                out.append(self._unknown(name, shown, line, True))
                continue
            fn = self.macros.get(name)
            if fn is None:
                continue
            literal = [_const(a) for a in call.args]
            kw_literal = {k.key: _const(k.value) for k in call.kwargs}
            try:
                inspect.signature(fn).bind(*[v for _, v in literal], **{k: v for k, (_, v) in kw_literal.items()})
            except TypeError:
                got = len(call.args) + len(call.kwargs)
                out.append(Problem(shown, line, "", f"宏“{name}”的参数不对（写了 {got} 个）。正确写法：{{{{ {_signature_text(name, fn)} }}}}。"))
                continue
            all_literal = all(ok for ok, _ in literal) and all(ok for ok, _ in kw_literal.values())
            if name == "quote" and all_literal and self.kb is not None and len(literal) == 3:
                moved = self._quote_moved(*[v for _, v in literal])
                if moved:
                    out.append(Problem(shown, line, "", f"宏“quote”的参数有误：{moved}"))
                    continue
            if all_literal and (call.args or call.kwargs) and self.page_macros is not None:
                bound = self.page_macros(page).get(name)
                try:
                    bound(*[v for _, v in literal], **{k: v for k, (_, v) in kw_literal.items()})
                except (ContentError, LookupError, ValueError) as e:
                    msg = str(e.args[0]) if e.args else str(e)
                    out.append(Problem(shown, line, "", f"宏“{name}”的参数有误：{msg}"))
        for n in tree.find_all(nodes.Name):
            if n.ctx == "load" and id(n) not in callee_ids and n.name not in self.names and n.name not in assigned:
                out.append(self._unknown(n.name, shown, n.lineno + offset, False))
        return out

    def _quote_moved(self, doc_id: Any, para: Any, text: Any) -> str | None:
        """For a quote() whose text is not in its paragraph: where it is now (the same message
        as for quotes in data/)."""
        from .citefix import locate, quote_message

        doc = self.kb.documents.get(doc_id) if isinstance(doc_id, str) else None
        if doc is None or not isinstance(para, int) or not isinstance(text, str):
            return None
        found = doc.paragraph(para)
        if found is not None and text in found:
            return None
        return quote_message(doc.meta.short_title, doc_id, para, locate(doc.paragraphs, text), in_page=True)

    def _check_links(self, markdown: str, shown: str, page: str, offset: int) -> list[Problem]:
        out: list[Problem] = []
        fenced = False
        for n, line in enumerate(markdown.split("\n"), 1):
            if _FENCE.match(line):
                fenced = not fenced
            if fenced:
                continue
            for m in _LINK.finditer(re.sub(r"`[^`]*`|\{\{.*?\}\}", "", line)):
                target = m.group(1)
                if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
                    continue  # external and absolute links are MkDocs' validation's concern
                path, _, anchor = target.partition("#")
                if path:
                    dest = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
                    if dest.endswith("/") or not posixpath.splitext(dest)[1]:
                        dest = posixpath.join(dest, "index.md")
                    if self.kb is None:  # pages made from data are unknown until data/ is valid
                        continue
                    if dest not in self.pages and dest not in set(self.kb.pages()):
                        if not dest.endswith(".md") and (self.docs_dir / dest).exists():
                            continue
                        close = difflib.get_close_matches(dest, sorted(self.pages), n=1, cutoff=0.6)
                        hint = f"是不是想链接“{posixpath.relpath(close[0], posixpath.dirname(page) or '.')}”？" if close else ""
                        out.append(Problem(shown, n + offset, "", f"链接“{target}”指向的页面 docs/{dest} 不存在。{hint}"
                                                                  "链接写页面文件的相对路径，例如 [问答](faq.md)。"))
                        continue
                else:
                    dest = page
                if anchor:
                    known = self.anchors(dest)
                    if known is not None and anchor not in known:
                        close = difflib.get_close_matches(anchor, sorted(known), n=1, cutoff=0.6)
                        hint = f"是不是想写“#{close[0]}”？" if close else ""
                        out.append(Problem(shown, n + offset, "", f"链接“{target}”中的锚点“#{anchor}”在 docs/{dest} 上不存在。{hint}"
                                                                  "锚点是条目的 id（如 #why-launch-the-campaign）或原文段号（如 #p15）。"))
        return out

    def check_all(self) -> list[Problem]:
        out: list[Problem] = []
        for page in self.pages:
            out += self.check_page(page)
        return out


def macro_table(kb: Any, page: str = "index.md") -> dict[str, Callable]:
    """The macros pages can call (from the section table), bound to kb and a page; with kb None
    they are only good for their names and signatures."""
    from . import render, sections

    table: dict[str, Callable] = {}
    for sec in sections.SECTIONS:
        for name, fn_name in sec.macros.items():
            fn = getattr(render, fn_name)
            sig = inspect.signature(fn)
            params = [p for n, p in sig.parameters.items() if n not in ("kb", "link")]

            def bound(*args, _fn=fn, **kwargs):
                link = render.Linker(page, kb.by_id)
                return _fn(kb, *args, link=link, **kwargs)

            bound.__signature__ = sig.replace(parameters=params)
            table[name] = bound
    return table


def page_checker(root: Path, kb: Any) -> PageChecker:
    """The checker for this project's pages and macros; kb None checks what can be without data."""
    return PageChecker(root / "docs", macro_table(kb), kb,
                       page_macros=(lambda page: macro_table(kb, page)) if kb is not None else None)


def rendering_line(page, markdown: str) -> int | None:  # noqa: ANN001 - MkDocs page
    """While a macro runs inside Jinja: the page line of the call, from the '<template>' frame
    Jinja compiles the page into, corrected for the YAML header MkDocs has taken off."""
    import sys

    frame = sys._getframe(1)
    line = None
    while frame is not None:
        if frame.f_code.co_filename == "<template>":
            # The frame runs Jinja's generated Python; the template maps its lines back.
            template = frame.f_globals.get("__jinja_template__")
            line = template.get_corresponding_lineno(frame.f_lineno) if template is not None else None
            break
        frame = frame.f_back
    if line is None:
        return None
    try:
        text = Path(page.file.abs_src_path).read_text("utf-8-sig")
    except (AttributeError, OSError, TypeError, ValueError):
        return line
    offset = 0
    head = markdown.lstrip()
    if head:
        idx = text.find(head[:200])
        if idx >= 0:
            offset = text[:idx].count("\n") - markdown[: len(markdown) - len(head)].count("\n")
    return line + offset
