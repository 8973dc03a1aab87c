"""Regenerate data/schemas/<file>.schema.json from the models of the section table.

`kb schemas` writes the schemas; `kb schemas --check` (part of `kb check`) exits 1 and names
the stale files when they differ from the models.
Each data/<file>.yml names its schema on its first line, so editors get completion and checking.
"""
import json
import sys
from pathlib import Path

from .paths import ROOT
from .sections import DATA_SECTIONS

FILES = {sec.key: sec.model for sec in DATA_SECTIONS}
# data/tags.yml is not a section (tags.py reads it); its schema is made and checked with the others.
EXTRA = ("tags",)

SCHEMA_DIR = ROOT / "data" / "schemas"


def expected() -> dict[Path, str]:
    out = {}
    for name, model in FILES.items():
        schema = model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"data/{name}.yml", **schema}
        out[SCHEMA_DIR / f"{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    from .tags import schema_text

    out[SCHEMA_DIR / "tags.schema.json"] = schema_text()
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in expected().items():
        current = path.read_text("utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
    header_problems = []
    for name in (*FILES, *EXTRA):
        data = ROOT / "data" / f"{name}.yml"
        want = f"# yaml-language-server: $schema=schemas/{name}.schema.json"
        try:  # a BOM and CRLF line endings (Windows editors) are fine; other encodings: scripts/check says
            first = data.read_text("utf-8-sig").splitlines()[:1] if data.exists() else [want]
        except UnicodeDecodeError:
            continue
        if first != [want]:
            header_problems.append(f"data/{name}.yml:1 第一行应为：{want}（编辑器据此提示和检查字段）")
    if check and (stale or header_problems):
        for p in stale:
            print(f"data/schemas/{p.name} 与 scripts/kb 中的模型不一致：请运行 kb schemas 重新生成。", file=sys.stderr)
        for msg in header_problems:
            print(msg, file=sys.stderr)
        return 1
    if header_problems:
        print("\n".join(header_problems), file=sys.stderr)
        return 1
    if not check:
        print(f"已生成 {len(stale)} 个 schema" if stale else "schema 已是最新")
    return 0
