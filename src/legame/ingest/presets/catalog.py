"""Where presets live: ours, shipped in this package (``presets/*.toml`` beside this
module), and the workspace's own, in the ``presets`` folder beside its DuckDB file. A
workspace preset with the name of one of ours replaces it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from legame.errors import InputError
from legame.ingest.presets.format import Origin, Preset, read_preset

#: The folder beside the workspace's DuckDB file that holds its own presets.
FOLDER = "presets"


def ours() -> Path:
    return Path(str(resources.files("legame.ingest.presets")))


def workspace_folder(db_path: str | os.PathLike[str]) -> Path:
    return Path(db_path).parent / FOLDER


@dataclass(frozen=True)
class Catalog:
    """The presets a workspace can use: name -> (file, origin); parsed when asked for."""

    files: dict[str, tuple[Path, Origin]]

    @classmethod
    def for_workspace(cls, db_path: str | os.PathLike[str] | None) -> Catalog:
        files: dict[str, tuple[Path, Origin]] = {p.stem: (p, "legame") for p in _tomls(ours())}
        if db_path is not None:
            files |= {p.stem: (p, "workspace") for p in _tomls(workspace_folder(db_path))}
        return cls(dict(sorted(files.items())))

    def names(self) -> list[str]:
        return list(self.files)

    def get(self, name: str) -> Preset:
        if name not in self.files:
            raise InputError(
                f"Unknown preset {name!r}; the presets are: {', '.join(self.files) or 'none'} "
                "(`legame presets list`)."
            )
        path, origin = self.files[name]
        return read_preset(path, origin)

    def all(self) -> list[Preset]:
        return [self.get(name) for name in self.files]


def _tomls(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.toml") if p.is_file() and not p.name.startswith("."))
