"""Scenario files: the schema, loading, validation, policies and ``--set`` overrides.

A scenario is a TOML file and nothing in it is ever evaluated as code.  Loading
goes: parse TOML -> apply the chosen policy (a partial scenario deep-merged over
the base) -> apply ``--set KEY=VALUE`` overrides -> validate with pydantic.
Every mistake becomes a :class:`ScenarioError` naming the file, the field path,
the value and what is allowed.

Units: the clock is in hours; durations of tasks and SLAs are hours; calendar
spans (horizon, warm-up, emergencies, visit interval) are days.
"""

from __future__ import annotations

import builtins
import copy
import csv
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.distributions import DIST_NAMES, Distribution, Fixed

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAY_ALIASES = {name.lower(): i for i, name in enumerate(WEEKDAYS)} | {
    full: i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
LEVELS = ("grid", "community", "street", "department")
ROLES = ("grid_workers", "sunk", "police", "community", "street", "department")


class ScenarioError(Exception):
    """Bad input: a message naming file, field, value and what is allowed (exit code 2)."""

    def __init__(self, file: str | Path | None, problems: list[str]):
        self.file = str(file) if file is not None else "<scenario>"
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.file}: invalid scenario"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


# ---------------------------------------------------------------- field types


def _weekday(v: Any) -> str:
    if isinstance(v, str) and v.strip().lower() in _WEEKDAY_ALIASES:
        return WEEKDAYS[_WEEKDAY_ALIASES[v.strip().lower()]]
    raise ValueError(f"{v!r} is not a weekday name; allowed: {', '.join(WEEKDAYS)}")


def _weekday_list(v: Any) -> Any:
    # "Mon+Thu" on the command line means ["Mon", "Thu"].
    if isinstance(v, str):
        v = [p for p in re.split(r"[+,\s]+", v) if p]
    return v


Weekday = Annotated[str, BeforeValidator(_weekday)]
Weekdays = Annotated[list[Weekday], BeforeValidator(_weekday_list), Field(min_length=1)]
Hour = Annotated[float, Field(ge=0, le=24)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shift(_Model):
    """Working days and hours (local clock, within one day; end > start)."""

    days: Weekdays = list(WEEKDAYS[:5])
    start_hour: Hour = 8.0
    end_hour: Hour = 17.0

    @model_validator(mode="after")
    def _hours_ordered(self) -> "Shift":
        if self.end_hour <= self.start_hour:
            raise ValueError(
                f"end_hour ({self.end_hour}) must be after start_hour ({self.start_hour}); "
                "shifts past midnight are not supported"
            )
        return self

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.days)


# ---------------------------------------------------------------- calendar and grids


class Calendar(_Model):
    start: dt.date = dt.date(2022, 1, 3)
    horizon_days: PositiveFloat = 365.0
    warmup_days: NonNegativeFloat = 28.0

    @field_validator("start", mode="before")
    @classmethod
    def _date_only(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date()
        return v

    @model_validator(mode="after")
    def _warmup_inside(self) -> "Calendar":
        if self.warmup_days >= self.horizon_days:
            raise ValueError(f"warmup_days ({self.warmup_days}) must be less than horizon_days ({self.horizon_days})")
        return self


class GridSpec(_Model):
    id: str = Field(min_length=1)
    community: str = "C1"
    street: str = "S1"
    households: PositiveInt
    population: NonNegativeFloat | None = None


class GridGenerator(_Model):
    """Generate ``count`` grids in ``communities`` communities within ``streets`` streets.

    Grids are split into communities, and communities into streets, in equal
    contiguous blocks; household counts are drawn from ``households`` with the
    scenario's seed (a fixed stream, the same for every replication and policy).
    """

    count: PositiveInt
    communities: PositiveInt = 1
    streets: PositiveInt = 1
    households: Distribution
    people_per_household: PositiveFloat = 2.7

    @model_validator(mode="after")
    def _nesting(self) -> "GridGenerator":
        if self.communities > self.count:
            raise ValueError(f"communities ({self.communities}) cannot exceed count ({self.count})")
        if self.streets > self.communities:
            raise ValueError(f"streets ({self.streets}) cannot exceed communities ({self.communities})")
        return self


class Grids(_Model):
    """Exactly one of ``list`` (inline), ``generate`` or ``csv`` (path relative to the scenario)."""

    list: builtins.list[GridSpec] | None = None  # the field is named "list" in files
    generate: GridGenerator | None = None
    csv: str | None = None
    rows: tuple[GridSpec, ...] = Field(default=(), exclude=True)

    @model_validator(mode="after")
    def _exactly_one(self, info: ValidationInfo) -> "Grids":
        given = [k for k in ("list", "generate", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of list, generate, csv (got {', '.join(given) or 'none'})")
        if self.list is not None:
            if not self.list:
                raise ValueError("grid list is empty: give at least one grid")
            rows = tuple(self.list)
        elif self.csv is not None:
            rows = _read_grid_csv(Path((info.context or {}).get("base_dir", ".")) / self.csv)
        else:
            rows = ()
        ids = [r.id for r in rows]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"grid ids must be unique; repeated: {', '.join(dup[:5])}")
        object.__setattr__(self, "rows", rows)
        return self


def _read_grid_csv(path: Path) -> tuple[GridSpec, ...]:
    if not path.is_file():
        raise ValueError(f"grid CSV file not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in ("id", "households") if c not in cols]
        if missing:
            raise ValueError(
                f"{path} lacks column(s) {', '.join(missing)}; needs id, households "
                f"(optional: community, street, population); has: {', '.join(cols) or 'nothing'}"
            )
        rows = []
        for lineno, raw in enumerate(reader, start=2):
            data = {k: v for k, v in raw.items() if k in GridSpec.model_fields and v not in (None, "")}
            try:
                rows.append(GridSpec.model_validate(data))
            except ValidationError as e:
                err = e.errors()[0]
                field = ".".join(str(p) for p in err["loc"])
                raise ValueError(f"{path} line {lineno}: {field}={err.get('input')!r}: {err['msg']}") from None
    if not rows:
        raise ValueError(f"grid CSV {path} has no rows: give at least one grid")
    return tuple(rows)


# ---------------------------------------------------------------- issues


class Profile(_Model):
    """Relative arrival intensity; each list is rescaled to mean 1 so the base rate is the average."""

    weekday: list[NonNegativeFloat] = Field(default_factory=lambda: [1.0] * 7, min_length=7, max_length=7)
    hour: list[NonNegativeFloat] = Field(default_factory=lambda: [1.0] * 24, min_length=24, max_length=24)
    month: list[NonNegativeFloat] = Field(default_factory=lambda: [1.0] * 12, min_length=12, max_length=12)

    @model_validator(mode="after")
    def _not_all_zero(self) -> "Profile":
        for name in ("weekday", "hour", "month"):
            if sum(getattr(self, name)) <= 0:
                raise ValueError(f"{name} weights are all zero: at least one must be positive")
        return self


def _level_shares(v: Any) -> Any:
    if isinstance(v, str):
        return {v: 1.0}
    return v


class IssueType(_Model):
    rate_per_1000_households_per_week: NonNegativeFloat
    priority: int = Field(default=3, ge=1, le=9, description="1 is served first")
    hidden_share: float = Field(default=0.0, ge=0, le=1)
    report_delay: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=1e12))
    service_time: Distribution
    intake_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.25))
    level: Annotated[dict[Literal["grid", "community", "street", "department"], NonNegativeFloat],
                     BeforeValidator(_level_shares)] = Field(default_factory=lambda: {"grid": 1.0})
    sla_hours: PositiveFloat = 72.0
    profile: Profile | None = None

    @field_validator("level")
    @classmethod
    def _shares_sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        total = sum(v.values())
        if not v or abs(total - 1.0) > 1e-6:
            raise ValueError(f"level shares must sum to 1 (got {total:g}); or give one level name: {', '.join(LEVELS)}")
        return v


# ---------------------------------------------------------------- cadres


class GridWorkers(Shift):
    per_grid: int = Field(default=1, ge=0)
    days: Weekdays = list(WEEKDAYS[:6])
    start_hour: Hour = 8.5
    end_hour: Hour = 17.5
    visits: bool = True


class Sunk(Shift):
    """Sunk cadres: ``count`` office staff allocated to grids, serving on ``service_days``.

    Each cadre serves ``days_per_cadre`` of the listed days; cadre i takes the days
    from position (i * days_per_cadre) onwards, cyclically, so with five days and
    one day per cadre the cadres are staggered evenly over the week.
    """

    count: int = Field(default=0, ge=0)
    allocation: Literal["equal", "households"] = "equal"
    service_days: Weekdays = ["Wed"]
    days_per_cadre: PositiveInt | None = None
    start_hour: Hour = 9.0
    end_hour: Hour = 17.0
    visits: bool = True

    @model_validator(mode="after")
    def _days_per_cadre_fits(self) -> "Sunk":
        if self.days_per_cadre is not None and self.days_per_cadre > len(self.service_days):
            raise ValueError(
                f"days_per_cadre ({self.days_per_cadre}) cannot exceed the number of service_days ({len(self.service_days)})"
            )
        return self


class PoliceUnit(_Model):
    grids: list[str] = Field(min_length=1)


class Police(Shift):
    """Police grids: each covers ``grids_per_unit`` consecutive grids (or the explicit ``units``)
    and takes the issue types listed in ``types``."""

    units: list[PoliceUnit] | None = None
    count: int = Field(default=0, ge=0, description="number of police grids when units is not given")
    officers_per_unit: PositiveInt = 1
    types: list[str] = []
    days: Weekdays = list(WEEKDAYS)
    start_hour: Hour = 8.0
    end_hour: Hour = 20.0
    visits: bool = False


class Level(Shift):
    """Staff of an escalation level: ``staff_per_unit`` per community/street, or in total for department."""

    staff_per_unit: int = Field(default=1, ge=0)


class Cadres(_Model):
    grid_workers: GridWorkers = GridWorkers()
    sunk: Sunk = Sunk()
    police: Police = Police()


class Levels(_Model):
    community: Level = Level(staff_per_unit=1)
    street: Level = Level(staff_per_unit=1)
    department: Level = Level(staff_per_unit=2)


# ---------------------------------------------------------------- operations


class Dispatch(_Model):
    rule: Literal["own_grid", "community_pool"] = "own_grid"
    travel_time: Distribution = Field(default_factory=lambda: Fixed(dist="fixed", value=0.25))
    at_shift_end: Literal["resume", "handback"] = "resume"


class Visits(_Model):
    enabled: bool = True
    target_interval_days: PositiveFloat = 30.0
    households_per_hour: PositiveFloat = 3.0
    discovery_probability: float = Field(default=0.8, ge=0, le=1)


class Emergency(_Model):
    name: str = "emergency"
    start: dt.datetime | dt.date | NonNegativeFloat = Field(description="date/datetime, or day offset from calendar.start")
    duration_days: PositiveFloat
    multipliers: dict[str, NonNegativeFloat] = {}
    wartime: bool = True


class Wartime(_Model):
    trigger: Literal["off", "scheduled", "backlog", "both"] = "scheduled"
    roles: list[Literal["grid_workers", "sunk", "police", "community", "street", "department"]] = ["grid_workers", "sunk"]
    start_hour: Hour = 7.0
    end_hour: Hour = 21.0
    pause_visits: bool = True
    enter_backlog_per_grid: PositiveFloat = 5.0
    exit_backlog_per_grid: NonNegativeFloat = 2.0

    @model_validator(mode="after")
    def _consistent(self) -> "Wartime":
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour ({self.end_hour}) must be after start_hour ({self.start_hour})")
        if self.exit_backlog_per_grid >= self.enter_backlog_per_grid:
            raise ValueError(
                f"exit_backlog_per_grid ({self.exit_backlog_per_grid}) must be below "
                f"enter_backlog_per_grid ({self.enter_backlog_per_grid})"
            )
        return self


class Scenario(_Model):
    name: str = Field(default="scenario", pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(default=12345, ge=0)
    replications: PositiveInt = 10
    calendar: Calendar = Calendar()
    grids: Grids
    arrival_profile: Profile = Profile()
    issue_types: dict[str, IssueType] = Field(min_length=1)
    cadres: Cadres = Cadres()
    levels: Levels = Levels()
    dispatch: Dispatch = Dispatch()
    visits: Visits = Visits()
    emergencies: list[Emergency] = []
    wartime: Wartime = Wartime()
    policies: dict[str, dict[str, Any]] = {}
    policy: str | None = Field(default=None, description="set by the loader: the policy applied")

    @model_validator(mode="after")
    def _cross_refs(self) -> "Scenario":
        types = set(self.issue_types)
        for i, em in enumerate(self.emergencies):
            bad = sorted(set(em.multipliers) - types)
            if bad:
                raise ValueError(
                    f"emergencies[{i}].multipliers names unknown issue type(s) {', '.join(bad)}; "
                    f"defined: {', '.join(sorted(types))}"
                )
        bad = sorted(set(self.cadres.police.types) - types)
        if bad:
            raise ValueError(f"cadres.police.types names unknown issue type(s) {', '.join(bad)}; defined: {', '.join(sorted(types))}")
        if self.cadres.police.units is not None and self.grids.rows:
            ids = {g.id for g in self.grids.rows}
            for i, u in enumerate(self.cadres.police.units):
                unknown = [g for g in u.grids if g not in ids]
                if unknown:
                    raise ValueError(f"cadres.police.units[{i}].grids names unknown grid(s) {', '.join(unknown[:5])}")
        for name in self.policies:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise ValueError(f"policy name {name!r} may use only letters, digits, _ . -")
        return self

    # -- derived

    @property
    def horizon_hours(self) -> float:
        return self.calendar.horizon_days * 24.0

    @property
    def warmup_hours(self) -> float:
        return self.calendar.warmup_days * 24.0

    def emergency_window(self, em: Emergency) -> tuple[float, float]:
        """Start and end of an emergency in model hours."""
        s = em.start
        if isinstance(s, dt.datetime):
            start = (s - dt.datetime.combine(self.calendar.start, dt.time())).total_seconds() / 3600
        elif isinstance(s, dt.date):
            start = (s - self.calendar.start).days * 24.0
        else:
            start = float(s) * 24.0
        return start, start + em.duration_days * 24.0


# ---------------------------------------------------------------- loading


def _toml_error(path: Path, err: tomllib.TOMLDecodeError) -> ScenarioError:
    return ScenarioError(path, [f"malformed TOML: {err}"])


def read_toml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, ["file not found"])
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(path, err) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(path, [f"not UTF-8 text: {err}"]) from None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``over`` merged in; tables merge key by key, everything else replaces."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value as a TOML value (number, bool, list, table), else keep it as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """Set a dotted ``key`` in nested tables (``cadres.sunk.count``), creating tables as needed.

    List elements are addressed by index (``emergencies.0.duration_days``).
    """
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise ValueError(f"--set key {key!r} is not a dotted path like cadres.sunk.count")
    out = copy.deepcopy(data)
    node: Any = out
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = _list_item(node, part, parts[: depth + 1])
            continue
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, (dict, list)):
            raise ValueError(f"--set {key}: {'.'.join(parts[:depth + 1])} is a value, not a table")
        node = nxt
    last = parts[-1]
    if isinstance(node, list):
        idx = _list_index(node, last, parts)
        node[idx] = value
    else:
        node[last] = value
    return out


def _list_index(node: list, part: str, parts: list[str]) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ValueError(f"--set {'.'.join(parts)}: {part!r} is not an index 0..{len(node) - 1}")
    return int(part)


def _list_item(node: list, part: str, parts: list[str]) -> Any:
    return node[_list_index(node, part, parts)]


def _format_validation_error(err: ValidationError, prefix: str = "") -> list[str]:
    problems = []
    for e in err.errors(include_url=False):
        # pydantic puts the chosen union member into the path; it is not a key in the file
        loc = [str(p) for i, p in enumerate(e["loc"])
               if not (str(p) in DIST_NAMES and i < len(e["loc"]) - 1) and not str(p).startswith("function-")]
        field = prefix + ".".join(loc) if loc else (prefix.rstrip(".") or "(top level)")
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not a field of this table; check the spelling in docs/scenario-reference.md)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        value = e.get("input")
        shown = "" if e["type"] == "missing" or isinstance(value, dict) else f" = {value!r}"
        problems.append(f"{field}{shown}: {msg}")
    return problems


def load_scenario(
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> Scenario:
    """Read, merge and validate a scenario file; raise :class:`ScenarioError` on any problem."""
    path = Path(path)
    data = read_toml(path)
    return build_scenario(data, path, policy, overrides)


def merge_inputs(
    data: dict[str, Any],
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> dict[str, Any]:
    """The scenario table exactly as it is run: base, then the policy's patch, then ``--set`` overrides."""
    policies = data.get("policies", {})
    if not isinstance(policies, dict):
        raise ScenarioError(path, [f"policies = {policies!r}: must be a table of named policies"])
    merged = data
    if policy is not None:
        if policy not in policies:
            allowed = ", ".join(policies) or "none defined"
            raise ScenarioError(path, [f"policy {policy!r} is not defined; defined policies: {allowed}"])
        patch = policies[policy]
        if not isinstance(patch, dict):
            raise ScenarioError(path, [f"policies.{policy} = {patch!r}: must be a table"])
        patch = {k: v for k, v in patch.items() if k != "description"}
        if "policies" in patch:
            raise ScenarioError(path, [f"policies.{policy}.policies: a policy cannot define policies"])
        merged = deep_merge(data, patch)
        merged["policy"] = policy
    for key, value in overrides or []:
        try:
            merged = apply_override(merged, key, value)
        except ValueError as e:
            raise ScenarioError(path, [str(e)]) from None
    return merged


def build_scenario(
    data: dict[str, Any],
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> Scenario:
    """Merge and validate an already-parsed scenario table (see :func:`load_scenario`)."""
    path = Path(path)
    merged = merge_inputs(data, path, policy, overrides)
    try:
        return Scenario.model_validate(merged, context={"base_dir": path.parent})
    except ValidationError as err:
        problems = _format_validation_error(err)
        if policy is not None:
            problems = [f"{p} (with policy {policy!r})" for p in problems]
        if overrides:
            problems = [f"{p} (after --set {', '.join(k for k, _ in overrides)})" for p in problems]
        raise ScenarioError(path, problems) from None


def dump_toml(data: dict[str, Any]) -> str:
    return tomli_w.dumps(data)


def parse_set(items: list[str] | None) -> list[tuple[str, Any]]:
    """``["a.b=3", ...]`` -> ``[("a.b", 3), ...]``; raise ValueError on a malformed item."""
    out = []
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE, e.g. cadres.sunk.count=800")
        out.append((key.strip(), parse_value(text.strip())))
    return out
