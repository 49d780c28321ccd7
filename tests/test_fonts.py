"""Chinese output on any machine: the CJK font comes from a Python dependency, found by its file, whatever
matplotlib's font cache holds; English figures draw Chinese place names; a missing font is bad input."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import sim
from sim.outputs import fonts
from sim.outputs.plots.style import pyplot_styled

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"


def test_the_font_file_is_the_noto_sans_cjk_sc_of_the_dependency():
    from matplotlib import font_manager

    path = fonts.cjk_font_file()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.parent.parent.name == "mplfonts"
    # the family name outputs ask for is the one inside the file
    assert font_manager.ttfFontProperty(font_manager.get_font(str(path))).name == fonts.CJK_FAMILY
    assert font_manager.get_font(str(path)).get_char_index(ord("网")) > 0  # it has the glyphs


def test_a_missing_font_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "CJK_PACKAGE", "no_such_font_package")
    with pytest.raises(fonts.FontError, match=r"package no_such_font_package, which is not installed: "
                       r"install it with  pip install 'mplfonts>=0.0.11'"):
        fonts.cjk_font_file()
    # the package is there but its font file is not (a trimmed install)
    (tmp_path / "emptyfonts").mkdir()
    (tmp_path / "emptyfonts" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(fonts, "CJK_PACKAGE", "emptyfonts")
    with pytest.raises(fonts.FontError, match=r"it is not in .*emptyfonts/fonts: reinstall the package with  "
                       r"pip install --force-reinstall 'mplfonts>=0.0.11'"):
        fonts.cjk_font_file()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_names_drawn_without_a_missing_glyph(lang):
    """A title with a Chinese community name draws every glyph in both languages (a missing glyph is a
    UserWarning 'Glyph ... missing from font(s)')."""
    plt = pyplot_styled(lang)
    fig, ax = plt.subplots()
    ax.set_title("东风社区 (城关街道): coverage 95% ≤ 100%")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    plt.close(fig)


def _stale_font_cache(folder: Path) -> None:
    """In ``folder``, matplotlib's font list as written on a machine where no CJK font was installed yet:
    every font that has no glyph for 网 left out."""
    from matplotlib import font_manager

    stale = copy.copy(font_manager.fontManager)
    stale.ttflist = [f for f in stale.ttflist if font_manager.get_font(f.fname).get_char_index(ord("网")) == 0]
    font_manager.json_dump(stale, folder / f"fontlist-v{font_manager.FontManager.__version__}.json")


def _python(args: list[str], config: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLCONFIGDIR=str(config), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_plot_lang_both_with_a_font_cache_written_before_the_font(tmp_path):
    out = tmp_path / "run"
    sim.run(BAOTA, "baseline", replications=1, out=out, workers=1, quiet=True,
            overrides=[("calendar.horizon_days", 20), ("calendar.warmup_days", 0)])
    config = tmp_path / "mpl"
    config.mkdir()
    _stale_font_cache(config)
    # the stale cache is the one matplotlib reads there: it knows no CJK font at all
    seen = _python(["-c", "from matplotlib import font_manager as fm; "
                    "print(sum(fm.get_font(f.fname).get_char_index(ord('网')) > 0 for f in fm.fontManager.ttflist))"],
                   config)
    assert seen.stdout.strip() == "0", seen.stderr
    # an English figure with Chinese place names, a missing glyph an error
    english = _python(["-W", "error::UserWarning", "-c", "from sim.outputs.plots.style import pyplot_styled; "
                       "plt = pyplot_styled('en'); fig, ax = plt.subplots(); ax.set_title('东风社区, 城关街道'); "
                       "fig.canvas.draw()"], config)
    assert english.returncode == 0, english.stderr
    done = _python(["-m", "sim.cli", "plot", str(out), "--lang", "both"], config)
    assert done.returncode == 0, done.stderr
    assert "missing from font" not in done.stderr, done.stderr
    names = {p.name for p in (out / "figures").iterdir()}
    english = {n for n in names if ".zh." not in n}
    assert english and {n.replace(".png", ".zh.png") for n in english} == names - english  # each one in Chinese too
