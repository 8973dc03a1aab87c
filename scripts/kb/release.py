"""Releases: build, harden, fingerprint, verify, then switch `current` atomically.

Layout under DEST:
    DEST/releases/<UTC time>-<git short sha>/   complete releases, each with manifest.json
    DEST/releases/.partial-*/                    work in progress (or left by a killed publish)
    DEST/current -> releases/<name>              a relative symlink, replaced by rename(2)

Whatever happens before the final rename, `current` keeps pointing at the release it
pointed at: a publish that fails or is killed leaves readers where they were.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from .paths import ROOT

MANIFEST = "manifest.json"
KEEP = 5
COMPRESS = {".html", ".css", ".js", ".json", ".xml", ".svg", ".txt"}
TOOLS = ("mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "pymdown-extensions", "jieba", "pydantic", "weasyprint")
INLINE_DIR = "assets/javascripts/inline"


class ReleaseError(Exception):
    pass


# ---- kill points, so tests can prove that no interruption breaks `current` -----------------


class Steps:
    """Counts every durable change; KB_PUBLISH_KILL_AT=N sends SIGKILL to ourselves at step N."""

    def __init__(self) -> None:
        self.count = 0
        self.kill_at = int(os.environ.get("KB_PUBLISH_KILL_AT", "0") or 0)

    def __call__(self) -> None:
        self.count += 1
        if self.count == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


# ---- manifest --------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def files_of(tree: Path) -> dict[str, Path]:
    return {p.relative_to(tree).as_posix(): p for p in sorted(tree.rglob("*")) if p.is_file() or p.is_symlink()}


def make_manifest(tree: Path, info: dict) -> dict:
    files = {rel: {"sha256": sha256(p), "size": p.stat().st_size} for rel, p in files_of(tree).items() if rel != MANIFEST}
    return {**info, "files": files}


def verify(tree: Path) -> list[str]:
    """Every difference between a release and its manifest, in Chinese; empty when it verifies."""
    mf = tree / MANIFEST
    if not mf.is_file():
        return [f"{tree}: 没有 {MANIFEST}，不是完整的发布版本"]
    try:
        listed = json.loads(mf.read_text("utf-8"))["files"]
    except (ValueError, KeyError) as e:
        return [f"{mf}: 无法读取（{e}）"]
    present = {rel: p for rel, p in files_of(tree).items() if rel != MANIFEST}
    problems = [f"缺少文件：{rel}" for rel in sorted(set(listed) - set(present))]
    problems += [f"多出文件：{rel}" for rel in sorted(set(present) - set(listed))]
    for rel in sorted(set(listed) & set(present)):
        p = present[rel]
        if p.is_symlink() or p.stat().st_size != listed[rel]["size"] or sha256(p) != listed[rel]["sha256"]:
            problems.append(f"文件被改动：{rel}")
    return problems


# ---- hardening the built site ----------------------------------------------------------------

def externalise_inline_scripts(tree: Path, steps: Steps) -> int:
    """Move Material's own inline scripts into files, so CSP can say script-src 'self' (the build
    already did; this checks again). Any other script, handler or javascript: URL stops the publish."""
    from . import inlinescripts

    try:
        return inlinescripts.externalise(tree, steps)
    except inlinescripts.ScriptPolicyError as e:
        raise ReleaseError(f"{e}\n未发布。") from None


def _absolute_prefix(html: str) -> str:
    """404.html is served at any depth, so it links absolutely: find the base it uses."""
    m = re.search(r'"base": "([^"]*)"', html)
    base = m.group(1) if m else "/"
    return base if base.endswith("/") else base + "/"


def normalise_modes(tree: Path) -> None:
    """World-readable, so the web server's own user (www-data) can serve it."""
    os.chmod(tree, 0o755)
    for p in tree.rglob("*"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)


def rebase_404(tree: Path, base: str, steps: Steps) -> None:
    """Point 404.html's absolute links at the sub-path the site is served under (e.g. /kb/)."""
    page = tree / "404.html"
    text = page.read_text("utf-8")
    built = _absolute_prefix(text)  # "/" unless the build already knew its site_url
    if built == base:
        return
    page.write_text(re.sub(r'(["\'])' + re.escape(built) + r"(?!/)", lambda m: m.group(1) + base, text), "utf-8")
    steps()


def precompress(tree: Path, steps: Steps) -> int:
    """gzip -9 copies next to each text file, for nginx's gzip_static (mtime 0: reproducible)."""
    n = 0
    for p in sorted(tree.rglob("*")):
        if p.is_file() and p.suffix in COMPRESS and p.stat().st_size > 256:
            with open(p.with_name(p.name + ".gz"), "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
                gz.write(p.read_bytes())
            n += 1
            steps()
    return n


# ---- git and tools -------------------------------------------------------------------------


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def tool_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in TOOLS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


# ---- publish, rollback -----------------------------------------------------------------------


@dataclass
class Dest:
    root: Path
    releases: Path = field(init=False)
    current: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.releases = self.root / "releases"
        self.current = self.root / "current"

    def complete(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        return sorted(p.name for p in self.releases.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())

    def current_name(self) -> str | None:
        if not self.current.is_symlink():
            return None
        return Path(os.readlink(self.current)).name

    def switch(self, name: str, steps: Steps) -> None:
        """Atomic: a new symlink is renamed over the old one; readers see old or new, never neither."""
        tmp = self.root / f".current-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(f"releases/{name}", tmp)
        steps()
        os.replace(tmp, self.current)
        steps()
        _fsync_dir(self.root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_site(out: Path, offline: bool = False, url: str | None = None, pdf: bool | None = None) -> None:
    """All checks and the strict build, into `out` (new or empty). Shared by build, publish and offline.

    pdf: also write the study handbook PDF into the site (None: only when the CJK fonts are present).
    """
    from .handbookpdf import SITE_PATH, PdfError, missing_fonts, write_pdf

    if pdf is None:
        pdf = not missing_fonts()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "KB_OFFLINE": "true" if offline else "false"}
    env.pop("KB_HANDBOOK_PDF", None)
    if pdf:
        env["KB_HANDBOOK_PDF"] = SITE_PATH  # the 学习手册 page links to it
    env.pop("KB_SITE_URL", None)
    if url and not offline:
        env["KB_SITE_URL"] = url
    if subprocess.run([sys.executable, "-m", "kb", "check"], cwd=ROOT, env=env).returncode != 0:
        raise ReleaseError("检查未通过（见上方列出的问题）。")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    if subprocess.run([str(mkdocs), "build", "--strict", "--site-dir", str(out)], cwd=ROOT, env=env).returncode != 0:
        raise ReleaseError("严格构建失败（见上方的构建日志）。")
    if pdf:
        try:
            write_pdf(out / SITE_PATH)
        except PdfError as e:
            raise ReleaseError(f"学习手册 PDF 未生成：{e}") from None


def release_name(now: datetime, dest: Dest) -> str:
    sha = git("rev-parse", "--short", "HEAD") or "nogit"
    name = f"{now:%Y%m%dT%H%M%SZ}-{sha}"
    taken = set(dest.complete())
    n = 1
    while name in taken:  # two publishes within one second
        n += 1
        name = f"{now:%Y%m%dT%H%M%SZ}-{sha}-{n}"
    return name


def publish(dest_dir: Path, base: str = "/", site: Path | None = None, url: str | None = None, log=print) -> str:
    """Build (or take `site`), harden, write a verified release, switch `current`, prune. Returns the name.

    url: the address readers use (http://host/kb/); it sets site_url, so instant navigation works,
    and the base path. Without it, pages load normally and base says where the site is mounted.
    """
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or not parts.path.endswith("/"):
            raise ReleaseError(f"URL 应形如 http://内网主机/ 或 http://内网主机/kb/（以 / 结尾），而不是 {url!r}")
        if site is not None:
            raise ReleaseError("--url 需要重新构建，不能与 --site 同用。")
        base = parts.path
    if not base.startswith("/") or not base.endswith("/"):
        raise ReleaseError(f"BASE 必须以 / 开头并以 / 结尾，例如 /kb/，而不是 {base!r}")
    steps = Steps()
    dest = Dest(dest_dir)
    dest.releases.mkdir(parents=True, exist_ok=True)
    for stale in dest.releases.glob(".partial-*"):  # left by an interrupted publish
        shutil.rmtree(stale, ignore_errors=True)
    started = time.monotonic()
    now = datetime.now(timezone.utc)
    name = release_name(now, dest)
    work = dest.releases / f".partial-{name}"
    if site is None:
        build_site(work, url=url, pdf=True)  # a published site always carries the handbook PDF
        steps()
    else:
        shutil.copytree(site, work, copy_function=_copy_with_step(steps))
    normalise_modes(work)
    if (work / MANIFEST).exists():
        raise ReleaseError(f"构建结果里已有 {MANIFEST}，与发布清单冲突。")
    rebase_404(work, base, steps)
    n_inline = externalise_inline_scripts(work, steps)
    n_gz = precompress(work, steps)
    info = {
        "release": name,
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain")),
        "built_at": now.isoformat(timespec="seconds"),
        "build_seconds": round(time.monotonic() - started, 2),
        "base": base,
        "url": url,
        "tools": tool_versions(),
    }
    manifest = make_manifest(work, info)
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    steps()
    problems = verify(work)
    if problems:
        raise ReleaseError("新版本与清单不符，未切换：\n  " + "\n  ".join(problems))
    final = dest.releases / name
    os.rename(work, final)
    steps()
    dest.switch(name, steps)
    prune(dest, steps)
    if os.environ.get("KB_PUBLISH_TRACE"):
        log(f"steps: {steps.count}")
    log(f"已发布 {name}：{len(manifest['files'])} 个文件（{n_gz} 个预压缩，{n_inline} 个内联脚本外置），current → releases/{name}")
    return name


def _copy_with_step(steps: Steps):
    def copy(src, dst):
        shutil.copy2(src, dst)
        steps()
    return copy


def prune(dest: Dest, steps: Steps, keep: int = KEEP) -> list[str]:
    """Keep the newest `keep` releases, and never the one `current` points at."""
    names = dest.complete()
    current = dest.current_name()
    removed = []
    for name in names[:-keep] if len(names) > keep else []:
        if name == current:
            continue
        shutil.rmtree(dest.releases / name)
        removed.append(name)
        steps()
    return removed


def rollback(dest_dir: Path, log=print) -> str:
    """Switch `current` to the release before it; verify that release first."""
    dest = Dest(dest_dir)
    names = dest.complete()
    current = dest.current_name()
    if current not in names:
        raise ReleaseError(f"{dest.current} 没有指向 {dest.releases} 中的完整版本，无法判断上一个版本。")
    i = names.index(current)
    if i == 0:
        raise ReleaseError(f"{current} 已是保留的最早版本，没有可以回退的版本。")
    previous = names[i - 1]
    problems = verify(dest.releases / previous)
    if problems:
        raise ReleaseError(f"上一个版本 {previous} 校验失败，未回退：\n  " + "\n  ".join(problems))
    dest.switch(previous, Steps())
    log(f"已回退：current → releases/{previous}（原为 {current}）")
    return previous
