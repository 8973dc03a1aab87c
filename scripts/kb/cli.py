"""`kb`: the one command for editors, operators and developers.

Exit codes, the same for every subcommand: 0 fine, 1 a problem in the content (or a failed
build or publish, reported in Chinese), 2 wrong usage, 3 a bug in the code (with its traceback,
for a developer). Run from the project folder (the one holding mkdocs.yml) or below it.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer

from .paths import ROOT

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3

app = typer.Typer(
    name="kb",
    help="群众路线知识库的命令：检查内容、预览、构建、发布、回退和基准测试。在项目目录（有 mkdocs.yml 的目录）里运行。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def fail(message: str, code: int = EXIT_CONTENT) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def command(fn):
    """Content problems end with their Chinese report and exit 1; anything else is a bug."""
    from .errors import ContentError

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except ContentError as e:
            fail(str(e))
        except Exception:  # a bug: say so, and keep the traceback for a developer
            traceback.print_exc()
            fail("以上是程序错误（不是内容的问题）：请把这段信息交给开发人员。", EXIT_BUG)
    return run


def _mkdocs_env(url: str | None = None, offline: bool = False) -> dict[str, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUTF8": "1", "KB_OFFLINE": "true" if offline else "false"}
    env.pop("KB_SITE_URL", None)
    if url:
        env["KB_SITE_URL"] = url
    return env


def check_all(root: Path = ROOT, copy: bool = True) -> int:
    """Data, pages, copy rules, schemas, theme overrides and Material's inline scripts: every problem listed; 0 or 1."""
    from . import checks, materialscripts, schemas, theme

    results = [checks.main(root, copy=copy), schemas.main(["--check"]), theme.main(["--check"]),
               materialscripts.main(["--check"])]
    return EXIT_CONTENT if any(results) else EXIT_OK


@app.command("check")
@command
def check_cmd(
    copy: Annotated[bool, typer.Option("--copy/--no-copy", help="是否包括中文排版检查（kb copy）")] = True,
) -> None:
    """检查 data/ 和 docs/ 的全部内容，一次列出所有问题（文件、行号、字段、怎么改）。"""
    raise typer.Exit(check_all(copy=copy))


@app.command("build")
@command
def build_cmd(site_dir: Annotated[str, typer.Argument(help="输出目录，默认 site")] = "site") -> None:
    """检查后严格构建到 site/；构建失败时原来的 site/ 保持不动。KB_SITE_URL 设置网站地址。"""
    from .release import ReleaseError, build_site

    target = (ROOT / site_dir).resolve()
    tmp = Path(tempfile.mkdtemp(prefix=".site-build-", dir=target.parent))
    try:
        build_site(tmp, url=os.environ.get("KB_SITE_URL"))
    except ReleaseError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        fail(f"构建失败：{e} {target.name}/ 保持原样。")
    tmp.chmod(0o755)  # mkdtemp makes it private; the web server must read it
    old = target.with_name(f".site-old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def changes_only(handler):  # noqa: ANN001, ANN201 - a watchdog event handler
    """The handler, deaf to files opened and closed unwritten: inotify reports those too, the
    build reads every file it watches, and each read would start the next build."""
    react = handler.on_any_event
    handler.on_any_event = lambda event: None if event.event_type in ("opened", "closed_no_write") else react(event)
    return handler


@app.command("serve")
@command
def serve_cmd(addr: Annotated[str, typer.Option("--addr", help="监听地址")] = "127.0.0.1:8000") -> None:
    """预览：在 http://127.0.0.1:8000 打开网站，修改 docs/、data/ 后自动刷新。"""
    check_all()  # problems are listed first; the preview still starts and shows them again on each rebuild
    os.environ.update(_mkdocs_env())
    os.chdir(ROOT)
    from mkdocs import livereload
    from mkdocs.__main__ import cli as mkdocs_cli

    # MkDocs polls for changes every 0.5 s; an editor's save should show within a fraction of that.
    # The operating system's own change events (inotify, ReadDirectoryChangesW, FSEvents) come at
    # once and cost nothing while a page builds; polling walked every watched file twenty times a
    # second, beside the build (at 100 times the content, a tenth of the rebuild). KB_SERVE_POLLING=1
    # keeps polling, for folders whose changes the system does not report (some network drives).
    init = livereload.LiveReloadServer.__init__

    def faster_watching(self, *args, polling_interval: float = 0.05, **kwargs) -> None:  # noqa: ANN001
        init(self, *args, polling_interval=polling_interval, **kwargs)
        if os.environ.get("KB_SERVE_POLLING", "") not in ("1", "true", "yes"):
            import watchdog.observers

            self.observer = observer = watchdog.observers.Observer()
            schedule = observer.schedule

            def schedule_changes(handler, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
                return schedule(changes_only(handler), *a, **kw)

            observer.schedule = schedule_changes
        # MkDocs builds once no change was seen for this long: a save written in two steps is seen
        # complete within the wait, and built once, not twice.
        self.build_delay = 0.1

    livereload.LiveReloadServer.__init__ = faster_watching
    mkdocs_cli(["serve", "--dev-addr", addr], prog_name="kb serve")


@app.command("publish")
@command
def publish_cmd(
    dest: Annotated[Path, typer.Argument(help="发布目录，例如 /srv/kb")],
    url: Annotated[Optional[str], typer.Option(help="读者访问的地址（以 / 结尾），例如 http://内网主机/kb/")] = None,
    base: Annotated[str, typer.Option(help="不写 --url 时，网站所在的子路径")] = "/",
    site: Annotated[Optional[Path], typer.Option(help="发布已构建好的站点目录，而不重新构建")] = None,
) -> None:
    """检查 → 严格构建 → 生成版本 → 校验 → 原子切换 DEST/current。任何一步失败，current 不变。"""
    from .release import ReleaseError, publish

    try:
        publish(dest, base=base, site=site, url=url)
    except ReleaseError as e:
        fail(f"发布失败：{e}\ncurrent 未改变。")


@app.command("rollback")
@command
def rollback_cmd(dest: Annotated[Path, typer.Argument(help="发布目录")]) -> None:
    """回退到上一个版本（先校验再切换）。"""
    from .release import ReleaseError, rollback

    try:
        rollback(dest)
    except ReleaseError as e:
        fail(f"回退失败：{e}")


@app.command("verify")
@command
def verify_cmd(tree: Annotated[Path, typer.Argument(help="一个版本的目录，例如 /srv/kb/current")]) -> None:
    """按 manifest.json 核对一个版本，列出缺失、多出、被改动的文件。"""
    from .release import verify

    problems = verify(tree)
    for p in problems:
        typer.echo(p, err=True)
    if problems:
        fail(f"{tree}: {len(problems)} 处与清单不符")
    typer.echo(f"{tree.resolve()}: 与清单一致")


@app.command("nginx")
@command
def nginx_cmd(
    root: Annotated[Path, typer.Option(help="网站目录，例如 /srv/kb/current")],
    base: Annotated[str, typer.Option(help="子路径，例如 /kb/")] = "/",
    listen: Annotated[str, typer.Option(help="监听端口或地址")] = "80",
    allow: Annotated[Optional[str], typer.Option(help="允许访问的网络（空格分隔），默认读 deploy/nginx/allowed-networks.conf")] = None,
) -> None:
    """输出 nginx 的 server 配置；不在允许网络内的访问得到 403。"""
    from .nginxconf import render

    try:
        sys.stdout.write(render(str(root.absolute()), base, listen, allow))
    except ValueError as e:
        fail(str(e), EXIT_USAGE)


@app.command("offline")
@command
def offline_cmd(out: Annotated[str, typer.Argument(help="输出目录")] = "dist") -> None:
    """离线版 zip：解压后双击 index.html 即可使用，含搜索。"""
    from .offline import make_offline

    raise typer.Exit(make_offline(out))


@app.command("pdf")
@command
def pdf_cmd(out: Annotated[str, typer.Argument(help="输出文件")] = "dist/学习手册.pdf") -> None:
    """学习手册 PDF（WeasyPrint，需要 Debian 的 fonts-noto-cjk）。"""
    import time

    from .handbookpdf import PdfError, write_pdf

    target = (ROOT / out).resolve()
    started = time.monotonic()
    try:
        info = write_pdf(target)
    except PdfError as e:
        fail(f"PDF 未生成：{e}")
    print(f"已生成 {target}：{info['pages']} 页，{info['bytes'] / 1024:.0f} KB，用时 {time.monotonic() - started:.1f} 秒")


@app.command("schemas")
@command
def schemas_cmd(check: Annotated[bool, typer.Option("--check", help="只检查是否过期")] = False) -> None:
    """按模型重新生成 data/schemas/*.json；--check 只检查，过期时退出码为 1。"""
    from . import schemas

    raise typer.Exit(schemas.main(["--check"] if check else []))


@app.command("theme")
@command
def theme_cmd(check: Annotated[bool, typer.Option("--check", help="只检查是否过期")] = False) -> None:
    """升级 Material 后重新生成 overrides/（对主题的无障碍补丁）。"""
    from . import theme

    raise typer.Exit(theme.main(["--check"] if check else []))


@app.command("material-scripts")
@command
def material_scripts_cmd(check: Annotated[bool, typer.Option("--check", help="只检查是否与登记的一致")] = False) -> None:
    """登记 Material 的内联脚本（发布时只外置这些脚本）；升级 Material 并审阅其脚本后运行。"""
    from . import materialscripts

    raise typer.Exit(materialscripts.main(["--check"] if check else []))


@app.command("paragraphs")
@command
def paragraphs_cmd(docs: Annotated[Optional[list[str]], typer.Argument(help="文档 id，例如 speech；不写则列出全部")] = None) -> None:
    """列出原文的段落和段号，写引文时对照。"""
    from .content import load_documents

    found = load_documents(ROOT / "data")
    for doc_id in docs or list(found):
        if doc_id not in found:
            fail(f"没有 id 为 {doc_id} 的文档；可用：{'、'.join(found)}", EXIT_USAGE)
        typer.echo(f"# {doc_id}: {found[doc_id].meta.title}")
        for n, text in enumerate(found[doc_id].paragraphs, 1):
            typer.echo(f"¶{n}\t{text}")


@app.command("audit")
@command
def audit_cmd(out: Annotated[Path, typer.Argument(help="报告文件，默认 dist/audit.md")] = Path("dist/audit.md")) -> None:
    """内容覆盖审核（编辑用）：每段被哪些条目引用、哪些实质性片段没有条目覆盖；每个条目中不见于所引段落、尚未审核的分句。"""
    from .audit import run

    a = run(ROOT, out if out.is_absolute() else ROOT / out)
    f = a.figures()
    typer.echo(f"审核报告已写入 {out}")
    typer.echo(f"未覆盖的实质性片段 {f['uncovered_passages']} 处；不见于所引段落的分句 {f['off_text_clauses']} 处，"
               f"其中未经审核 {f['unreviewed_clauses']} 处；文字相同 {f['same_text_pairs']} 对，相近问题 {f['similar_question_pairs']} 对。")


@app.command("bench", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@command
def bench_cmd(ctx: typer.Context) -> None:
    """性能基准：构建各阶段耗时、与纯 Material 的比值、1×/10×/100× 规模、预览延迟、搜索；写入 bench/results.json。
    选项见 kb bench --bench-help。"""
    from .bench.run import main as bench_main

    args = ["--help" if a == "--bench-help" else a for a in ctx.args]
    raise typer.Exit(bench_main(args))


def main() -> None:
    from . import editor_cli  # noqa: F401 - registers new, fix-citations, copy, changes

    app()
