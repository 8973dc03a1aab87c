"""Build the offline copy: a zip that works opened from disk (file://), search included.

`kb offline [OUT_DIR]` (default: dist/) → OUT_DIR/kb-offline-<date>-<sha>.zip
"""
import shutil
import sys
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from .release import ROOT, ReleaseError, build_site, git

FOLDER = "kb-offline"
README = """群众路线知识库（离线版）

使用方法：解压后，打开 {folder} 文件夹中的 index.html（用浏览器打开）。
不需要网络；搜索、目录和页面之间的链接都可以直接使用。

版本：{version}
"""


def make_offline(out: str = "dist") -> int:
    out_dir = (ROOT / out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    version = f"{now:%Y%m%d}-{git('rev-parse', '--short', 'HEAD') or 'nogit'}"
    target = out_dir / f"kb-offline-{version}.zip"
    with tempfile.TemporaryDirectory(prefix="kb-offline-") as tmp:
        site = Path(tmp) / "site"
        try:
            build_site(site, offline=True)
        except ReleaseError as e:
            print(f"离线版构建失败：{e}", file=sys.stderr)
            return 1
        partial = target.with_suffix(".zip.partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr("README.txt", README.format(folder=FOLDER, version=version))
            for path in sorted(site.rglob("*")):
                if path.is_file():
                    z.write(path, f"{FOLDER}/{path.relative_to(site).as_posix()}")
        partial.replace(target)  # never a half-written zip under the final name
    print(f"离线版：{target}（{target.stat().st_size // 1024} KB）")
    return 0
