"""What figures call things, in English and Chinese, and how each metric is scaled for display.

Every term comes from the glossary (``sim.outputs.glossary``), so figures, reports and
the workbook say the same thing; units follow ``sim.outputs.numbers`` (durations in
hours, shares in %, cadre time in cadre-days).  ``LABELS``, ``SCALE`` and
``KEY_METRICS`` are what the figure code reads; ``axis`` picks an axis's unit from the
numbers it will show (hours, or days when they are several days long).
"""

from __future__ import annotations

from sim.outputs.glossary import LANGS, METRICS, ROLES, WORDS, metric_label, unit_label
from sim.outputs.numbers import Shown, shown_unit, stored_unit

# figures keep one fixed scale per metric (an axis shared by several policies must not
# change unit between them); cadre time in thousands of cadre-days fits an axis's ticks
_THOUSANDS = {"cadre_hours"}


def _figure_shown(metric: str) -> Shown:
    if stored_unit(metric) in _THOUSANDS:
        return Shown("cadre_days", 1 / 8000)
    return shown_unit(metric)  # no values: durations in hours


def _unit_text(shown: Shown, lang: str) -> str:
    if shown.scale == 1 / 8000:
        return "thousand cadre-days" if lang == "en" else "千人日"
    return unit_label(shown.unit, lang)


def figure_value(metric: str, value: float, lang: str = "en") -> str:
    """A value (stored unit) as the figures' axes show it, digits as given: '72 h', '95%', '72小时'."""
    shown = _figure_shown(metric)
    unit = _unit_text(shown, lang)
    sep = "" if shown.unit == "percent" or lang == "zh" or not unit else " "
    return f"{round(value * shown.scale, 6):,g}{sep}{unit}"


def axis_label(metric: str, lang: str = "en", shown: Shown | None = None) -> str:
    """'mean resolution time (h)', '平均办理时长（小时）'."""
    shown = shown or _figure_shown(metric)
    unit = _unit_text(shown, lang)
    name = metric_label(metric, lang)
    if not unit:
        return name
    return f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"


def diff_label(label: str, metric: str, lang: str = "en") -> str:
    """An axis ``label`` of ``metric`` made to label differences: a share's in percentage points, never %."""
    return label.replace(unit_label("percent", lang), unit_label("points", lang)) if stored_unit(metric) == "share" \
        else label


def axis(metric: str, values: list[float], lang: str = "en") -> tuple[float, str]:
    """Scale and label of an axis showing ``values`` (stored units) of ``metric``."""
    shown = _figure_shown(metric) if stored_unit(metric) in _THOUSANDS else shown_unit(metric, *values)
    return shown.scale, axis_label(metric, lang, shown)


def _labels(lang: str) -> dict[str, str]:
    i = LANGS.index(lang)
    out = {k: v[i] for k, v in WORDS.items()}
    out |= {role: names[i] for role, names in ROLES.items() if role not in ("community", "street")}
    # 'community' and 'street' are already the places of the grid map; their offices get keys of their own
    out |= {"community_role": ROLES["community"][i], "street_role": ROLES["street"][i]}
    out |= {m: axis_label(m, lang) for m in METRICS}
    return out


LABELS: dict[str, dict[str, str]] = {lang: _labels(lang) for lang in LANGS}
SCALE: dict[str, float] = {m: _figure_shown(m).scale for m in METRICS}
# the targets figures mark when none are given (plot --target): the briefing's service standard
DEFAULT_TARGETS = [("resolution_hours_p90", "<=", 72.0), ("coverage_mean", ">=", 0.95)]
KEY_METRICS = ["resolution_hours_mean", "resolution_hours_p90", "coverage_mean", "completion_rate",
               "cadre_hours_on_duty"]
