"""Where the project is: the folder holding mkdocs.yml, found from the working directory."""
from __future__ import annotations

import os
from pathlib import Path


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` (default: the working directory, or KB_PROJECT)
    that holds mkdocs.yml and data/; the package's own checkout when there is none."""
    here = Path(start or os.environ.get("KB_PROJECT") or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "mkdocs.yml").is_file() and (folder / "data").is_dir():
            return folder
    return Path(__file__).resolve().parents[2]


ROOT = find_root()
