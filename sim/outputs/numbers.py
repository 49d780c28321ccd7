"""Numbers as a person reads them: one unit rule, and digits chosen so a number never misleads.

Two ways of showing a metric, and never a mix of them:
- beside its identifier (terminal tables, CSV, JSON, the workbook's metric column): in the unit its
  name says, the stored unit (``stored_shown``): ``resolution_hours_p90`` in hours, ``cadre_hours_on_duty``
  in cadre-hours, ``task_<name>_days_to_done`` in days; shares, whose names say no unit, in %;
- named by its label, with the unit written beside the number or in the header (figures, reports;
  ``shown_unit``): durations in hours, or in days when the largest number shown is 72 h or more;
  cadre time in cadre-days of 8 hours; shares in %; counts as counts.
Differences of shares are percentage points ('+2.5 percentage points', '+2.5个百分点'), never '%', in both ways.
Digits: three significant figures, fewer when the 95% CI is wider (one significant digit of its
half-width), and more only while the two ends would print alike: an interval never prints as one
value (a number that is the same in every replication prints alone, without an interval); a paired
difference marked significant (its CI excludes zero) never prints as 0 or -0: digits are added until
the difference and both ends of its CI print non-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.outputs.glossary import lang_index, metric_info, unit_label

DAYS_FROM_HOURS = 72.0  # "several days long": below this a duration reads better in hours
CADRE_DAY_HOURS = 8.0
MAX_DECIMALS = 15  # beyond this floats carry noise, not information
DASH = "–"


@dataclass(frozen=True)
class Shown:
    """How a metric is shown: multiply the stored value by ``scale``; its unit is ``unit`` (a key of UNITS)."""

    unit: str
    scale: float


def stored_unit(metric: str) -> str:
    info = metric_info(metric)
    return info[0].unit if info else "count"


def shown_unit(metric: str, *values: float | None, diff: bool = False) -> Shown:
    """The unit a person reads ``metric`` in beside its label, given the numbers to be shown together
    (``diff``: they are differences, so a share's are percentage points)."""
    unit = stored_unit(metric)
    if unit == "hours":
        big = max((abs(v) for v in values if _finite(v)), default=0.0)
        return Shown("days", 1 / 24) if big >= DAYS_FROM_HOURS else Shown("hours", 1.0)
    if unit == "cadre_hours":
        return Shown("cadre_days", 1 / CADRE_DAY_HOURS)
    return stored_shown(metric, diff)


def stored_shown(metric: str, diff: bool = False) -> Shown:
    """The unit ``metric``'s name says (its stored unit), for a number shown beside the identifier; shares,
    whose names say no unit, in % (their differences in percentage points)."""
    unit = stored_unit(metric)
    if unit == "share":
        return Shown("points", 100.0) if diff else Shown("percent", 100.0)
    return Shown(unit if unit in ("hours", "days", "cadre_hours", "issues", "households", "cost") else "count", 1.0)


def _finite(v: float | None) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _text(x: float, d: int, sign: bool = False) -> str:
    s = f"{x:+,.{d}f}" if sign else f"{x:,.{d}f}"
    if float(s.replace(",", "")) == 0:  # never '-0.0' or '+0.0'
        s = s.lstrip("+-")
    return s


def _nonzero(s: str) -> bool:
    return float(s.replace(",", "")) != 0


def plain_decimals(x: float, significant: int = 3) -> int:
    """Decimals that show ``significant`` digits of ``x`` (none lost left of the point)."""
    if not _finite(x) or x == 0:
        return 1 if significant > 1 else 0
    return max(0, significant - 1 - math.floor(math.log10(abs(x))))


def ci_decimals(lo: float, hi: float) -> int:
    """Decimals for an interval: one significant digit of its half-width but no more than three significant
    figures of its larger end, and more while its ends print alike."""
    half = abs(hi - lo) / 2
    top = plain_decimals(max(abs(lo), abs(hi)))
    if half == 0:
        return top
    d = min(top, max(0, -math.floor(math.log10(half))))
    while d < MAX_DECIMALS and _text(lo, d) == _text(hi, d):
        d += 1
    return d


def _unit_suffix(shown: Shown, lang: str) -> str:
    name = unit_label(shown.unit, lang)
    if not name or shown.unit == "percent" or lang == "zh":
        return name
    return " " + name


def with_unit(s: str, shown: Shown, lang: str) -> str:
    """A number already printed, with its unit ('0.66 h', '0.66小时', '0.66%')."""
    return s + _unit_suffix(shown, lang)


def format_value(metric: str, value: float | None, lang: str = "en", shown: Shown | None = None) -> str:
    """One number with its unit (three significant digits): '8.88 h', '4.21 days', '98.5%', '1,250 人日'."""
    lang_index(lang)
    if not _finite(value):
        return DASH
    shown = shown or shown_unit(metric, value)
    x = value * shown.scale
    d = plain_decimals(x) if stored_unit(metric) not in ("issues", "households", "count") or x != int(x) else 0
    return with_unit(_text(x, d), shown, lang)


def ci_parts(metric: str, mean: float | None, lo: float | None, hi: float | None,
             shown: Shown | None = None) -> tuple[str, str, str, Shown]:
    """Mean, CI low and CI high as text (no unit) in a common unit, and that unit."""
    shown = shown or shown_unit(metric, mean, lo, hi)
    if not _finite(mean):
        return DASH, DASH, DASH, shown
    m = mean * shown.scale
    if not (_finite(lo) and _finite(hi)):
        d = plain_decimals(m)
        return _text(m, d), DASH, DASH, shown
    a, b = lo * shown.scale, hi * shown.scale
    d = ci_decimals(a, b)
    return _text(m, d), _text(a, d), _text(b, d), shown


def format_ci(metric: str, mean: float | None, lo: float | None, hi: float | None, lang: str = "en",
              shown: Shown | None = None) -> str:
    """'8.9 h [8.6, 9.3]', '98.5% [98.1%, 98.9%]', '1,250人日 [1,240, 1,260]' (zh)."""
    lang_index(lang)
    m, a, b, shown = ci_parts(metric, mean, lo, hi, shown)
    if m == DASH:
        return DASH
    if a == DASH or lo == hi == mean:  # no interval, or the same in every replication: the value alone
        return with_unit(m, shown, lang)
    if shown.unit == "percent":
        return f"{m}% [{a}%, {b}%]"
    return f"{with_unit(m, shown, lang)} [{a}, {b}]"


def diff_parts(metric: str, diff: float | None, lo: float | None, hi: float | None, significant: bool,
               shown: Shown | None = None) -> tuple[str, str, str, Shown]:
    """A paired difference and its CI as signed text in a common unit; significant ones never print as 0."""
    shown = shown or shown_unit(metric, diff, lo, hi, diff=True)
    if not _finite(diff):
        return DASH, DASH, DASH, shown
    x = diff * shown.scale
    ends = [v * shown.scale for v in (lo, hi) if _finite(v)]
    d = ci_decimals(*ends) if len(ends) == 2 else plain_decimals(x)
    # each non-zero number must print non-zero: a significant difference, and any interval's end (an end that
    # prints 0.00 reads as touching zero: [-0.0007, +0.08], not [0.00, +0.08])
    while d < MAX_DECIMALS and any(v != 0 and not _nonzero(_text(v, d)) for v in ((x, *ends) if significant else ends)):
        d += 1
    texts = [_text(v, d, sign=True) for v in (x, *ends)]
    return texts[0], *(texts[1:] if len(ends) == 2 else (DASH, DASH)), shown


def format_diff(metric: str, diff: float | None, lo: float | None, hi: float | None, significant: bool,
                lang: str = "en", shown: Shown | None = None) -> str:
    """'+0.25 h [+0.10, +0.40]', '-1.2 pp [-1.9, -0.5]' (a share's difference in percentage points; zh
    '-1.2个百分点'); significant differences never print as 0."""
    lang_index(lang)
    x, a, b, shown = diff_parts(metric, diff, lo, hi, significant, shown)
    if x == DASH:
        return DASH
    if lo == hi == diff:  # the same difference in every replication
        a = DASH
    return with_unit(x, shown, lang) + ("" if a == DASH else f" [{a}, {b}]")


def significant(lo: float | None, hi: float | None) -> bool:
    """A paired difference's CI excludes zero."""
    return _finite(lo) and _finite(hi) and (lo > 0 or hi < 0)


def unit_header(metric: str, lang: str = "en", shown: Shown | None = None) -> str:
    """The unit of a column of ``metric`` (e.g. 'h', 'cadre-days', '%', '小时')."""
    return unit_label((shown or shown_unit(metric)).unit, lang)


def better(metric: str) -> str:
    info = metric_info(metric)
    return info[0].better if info else "none"


def side(metric: str, lo: float | None, hi: float | None) -> str | None:
    """Where a paired difference (a − b) lies: 'better' or 'worse' for a, when its CI is wholly on that side of
    zero in ``metric``'s better direction; None when the CI holds zero (or the metric has no better direction)."""
    if not significant(lo, hi) or better(metric) not in ("higher", "lower"):
        return None
    return "better" if (lo > 0) == (better(metric) == "higher") else "worse"


__all__ = ["CADRE_DAY_HOURS", "DAYS_FROM_HOURS", "Shown", "better", "ci_decimals", "ci_parts",
           "diff_parts", "format_ci", "format_diff", "format_value", "plain_decimals", "shown_unit",
           "side", "significant", "stored_shown", "stored_unit", "unit_header", "with_unit"]


def share_percent(share: float) -> str:
    """A share (0..1) in %, with digits enough that a small one is not rounded to 0% or 1% (0.0048 -> 0.5%)."""
    p = 100 * share
    return f"{p:.0f}%" if p == 0 or abs(p) >= 9.95 else f"{p:.1f}%" if abs(p) >= 0.095 else f"{p:.1g}%"
