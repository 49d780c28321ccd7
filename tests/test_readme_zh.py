"""README.zh.md stays true: its links and figures exist, its commands parse, and it covers every command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from sim.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
ZH = (ROOT / "README.zh.md").read_text(encoding="utf-8")


def _commands(text: str) -> list[str]:
    """Every `gridsim ...` line of the fenced blocks (continued lines joined), placeholders left out."""
    out = []
    for block in re.findall(r"```(?:sh)?\n(.*?)```", text, re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines = [line.strip() for line in joined.splitlines()]
        out += [line.split("#")[0].strip() for line in lines
                if line.startswith("gridsim ") and "<" not in line and "SCENARIO" not in line and "[" not in line]
    return out


def test_links_and_figures_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", ZH):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target


@pytest.mark.parametrize("line", _commands(ZH))
def test_commands_parse(line):
    args = shlex.split(line)[1:]
    try:
        _parser().parse_args(args)
    except SystemExit as e:
        pytest.fail(f"{line}: does not parse ({e})")
    for a in args:
        if a.endswith(".toml") and not a.startswith("mydistrict/"):
            assert (ROOT / a).is_file(), a


def test_every_command_of_the_english_readme_is_described():
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"^gridsim (\w+)", en, re.M))
    assert commands >= {"run", "compare", "sweep", "optimize", "calibrate", "sensitivity", "plot", "report",
                        "validate", "map"}
    missing = [c for c in commands if f"**{c}**" not in ZH]
    assert not missing, missing
    assert "办结率" in ZH and "completion_rate_reported" in ZH  # the glossary's reading of 办结率
