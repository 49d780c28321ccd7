"""The one CJK font of every Chinese output (figures, PDF reports), found by its file.

gridsim depends on the PyPI package ``mplfonts`` only for the font file it ships,
Noto Sans CJK SC. Outputs use that file by path (matplotlib's ``addfont``, a
typesetter's font path), so Chinese works without root, without a system font
and whatever matplotlib's font cache was written before. mplfonts' own
installers are never called: they write into matplotlib's folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK SC"  # the family name inside the file
CJK_PACKAGE = "mplfonts"
CJK_REQUIREMENT = "mplfonts>=0.0.11"  # as pyproject.toml asks for it
CJK_FILE = Path("fonts") / "NotoSansCJKsc-Regular.otf"  # inside the package


class FontError(Exception):
    """The CJK font file is missing: the install is incomplete (exit code 2)."""


def cjk_font_file() -> Path:
    """The path of the CJK font file, or a FontError saying what to install."""
    # find_spec locates the package without importing it (its __init__ imports matplotlib and fontmeta)
    spec = importlib.util.find_spec(CJK_PACKAGE)
    places = list(spec.submodule_search_locations or []) if spec is not None else []
    for place in places:
        if (path := Path(place) / CJK_FILE).is_file():
            return path
    need = f"Chinese text needs the font {CJK_FILE.name} of the Python package {CJK_PACKAGE}"
    if not places:
        raise FontError(f"{need}, which is not installed: install it with  pip install '{CJK_REQUIREMENT}'  "
                        "(or run  make setup)")
    raise FontError(f"{need}, and it is not in {', '.join(str(Path(p) / CJK_FILE.parent) for p in places)}: "
                    f"reinstall the package with  pip install --force-reinstall '{CJK_REQUIREMENT}'")
