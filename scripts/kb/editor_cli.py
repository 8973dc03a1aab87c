"""The editors' subcommands of `kb`: new, fix-citations, copy, changes.

Registered on the one `kb` app (cli.py imports this module); the work is done by plain
functions in scaffold.py, citefix.py, copycheck.py and changes.py.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli import EXIT_USAGE, app, command, fail
from .paths import ROOT


@app.command("fix-citations")
@command
def fix_citations_cmd(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出，不修改文件")] = False,
) -> None:
    """原文更正后段落变了：把能确定的引文段号（para）改到引文现在所在的段，其余列出来请人工处理。"""
    from .citefix import main

    raise typer.Exit(main(ROOT, dry_run=dry_run))


@app.command("new")
@command
def new_cmd(
    kind: Annotated[str, typer.Argument(help="要新建什么：question（问答）、term（术语）、event（大事记）、"
                                             "requirement（工作要求）、problem（突出问题）、document（原文）")],
    args: Annotated[Optional[list[str]], typer.Argument(help="document 要跟文本文件路径；其余可跟标题")] = None,
    group: Annotated[Optional[str], typer.Option("--group", "-g", help="放进哪一组（分组 id），默认最后一组")] = None,
    doc_id: Annotated[Optional[str], typer.Option("--id", help="document：新文档的 id（小写英文和连字符）")] = None,
    short_title: Annotated[Optional[str], typer.Option("--short-title", help="document：引用时显示的简称")] = None,
    doc_kind: Annotated[Optional[str], typer.Option("--kind", help="document：文种，例如 通知")] = None,
    summary: Annotated[Optional[str], typer.Option("--summary", help="document：一两句话的内容概述")] = None,
) -> None:
    """新建一条内容：写好带【待填写】标记的骨架（新 id、放在正确的文件和位置），填好后 kb check 才会通过。"""
    from . import scaffold

    if kind == "document":
        if not args:
            fail("用法：kb new document 文件.txt [--id 文档id] [--short-title 简称 --kind 文种 --summary 概述]", EXIT_USAGE)
        raise typer.Exit(scaffold.new_document_cli(ROOT, Path(args[0]), doc_id, short_title, doc_kind, summary))
    if kind not in scaffold.KINDS:
        fail(f"不认识“{kind}”。可以新建：{'、'.join(f'{k}（{v.label}）' for k, v in scaffold.KINDS.items())}、document（原文）。", EXIT_USAGE)
    title = " ".join(args or []) or None
    try:
        made = scaffold.new_item(ROOT, kind, title=title, group=group)
    except scaffold.ScaffoldError as e:
        fail(str(e), EXIT_USAGE)
    typer.echo(made.report())


@app.command("copy")
@command
def copy_cmd(
    fix: Annotated[bool, typer.Option("--fix", help="自动改正能确定的问题（空格、标点），改完再检查一遍")] = False,
) -> None:
    """中文排版检查：中文里用全角标点、不重复标点、中英文和数字间的空格、《》“”配对、同一名称写法一致。引文和原文不检查。"""
    from .copycheck import main

    raise typer.Exit(main(ROOT, fix=fix))


@app.command("changes")
@command
def changes_cmd(
    limit: Annotated[int, typer.Option("--limit", "-n", help="最多列出多少次提交")] = 20,
) -> None:
    """列出最近的内容变化（按条目：新增、修改、删除），与网站“更新记录”页相同。"""
    from .changes import changelog, format_text

    log = changelog(ROOT, limit=limit)
    typer.echo(format_text(log) if log else "没有找到内容变化（没有 git 历史？）")

