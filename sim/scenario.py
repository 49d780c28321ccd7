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

from sim.distributions import Distribution, FieldError, Fixed
from sim.messages import NOTHING, Problem, candidates, dotted, few, problems, show

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
    raise ValueError(f"{v!r} is not a weekday name; allowed: {', '.join(WEEKDAYS)} (or full names, any case)")


def _weekday_list(v: Any) -> Any:
    # "Mon+Thu" on the command line means ["Mon", "Thu"].
    if isinstance(v, str):
        v = [p for p in re.split(r"[+,\s]+", v) if p]
    return v


Weekday = Annotated[str, BeforeValidator(_weekday)]
Weekdays = Annotated[list[Weekday], BeforeValidator(_weekday_list), Field(min_length=1)]
Hour = Annotated[float, Field(ge=0, le=24)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, v: Any, info: ValidationInfo) -> Any:
        # pydantic would quietly read `count = true` as 1
        if isinstance(v, bool) and not _admits(cls.model_fields[info.field_name].annotation, (bool, Any)):
            number = _admits(cls.model_fields[info.field_name].annotation, (int, float))
            raise ValueError("true/false is not allowed here" + ("; give a number" if number else ""))
        return v


def _admits(tp: Any, kinds: tuple[Any, ...]) -> bool:
    """Whether annotation ``tp`` mentions one of ``kinds`` at its top level (through Annotated/unions)."""
    return any(t in kinds for t in candidates(tp))


class Hours(_Model):
    """Daily working hours on the local clock, within one day (end > start)."""

    start_hour: Hour = 8.0
    end_hour: Hour = 17.0

    @model_validator(mode="after")
    def _hours_ordered(self) -> "Hours":
        if self.end_hour <= self.start_hour:
            raise FieldError(
                "end_hour", self.end_hour,
                f"must be after start_hour ({self.start_hour}); shifts past midnight are not supported",
            )
        return self


class Shift(Hours):
    """Working days and hours."""

    days: Weekdays = list(WEEKDAYS[:5])


# ---------------------------------------------------------------- calendar and grids


class Calendar(_Model):
    start: dt.date = dt.date(2022, 1, 3)
    horizon_days: PositiveFloat = 365.0
    warmup_days: NonNegativeFloat = 28.0
    # After the horizon the run goes on without new arrivals until the issues of the
    # window are resolved, for at most this long (0: no drain, resolution times censored).
    drain_days: NonNegativeFloat = 365.0

    @field_validator("start", mode="before")
    @classmethod
    def _date_only(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return v.date()
        return v

    @model_validator(mode="after")
    def _warmup_inside(self) -> "Calendar":
        if self.warmup_days >= self.horizon_days:
            raise FieldError("warmup_days", self.warmup_days, f"must be less than horizon_days ({self.horizon_days})")
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
            raise FieldError("communities", self.communities, f"cannot exceed count ({self.count})")
        if self.streets > self.communities:
            raise FieldError("streets", self.streets, f"cannot exceed communities ({self.communities})")
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
        if not given:
            raise ValueError("give one of list (inline grids), generate or csv (a file); none is given")
        if len(given) > 1:
            raise FieldError(given[1], getattr(self, given[1]), f"give only one of list, generate, csv ({given[0]} is also given)")
        if self.list is not None:
            if not self.list:
                raise FieldError("list", [], 'is empty; give at least one grid, e.g. [{id = "G1", households = 1000}]')
            rows = tuple(self.list)
        elif self.csv is not None:
            rows = _read_grid_csv(self.csv, Path((info.context or {}).get("base_dir", ".")))
        else:
            rows = ()
        seen: set[str] = set()
        for i, r in enumerate(rows):
            if r.id in seen:
                where = ("list", i, "id") if self.list is not None else "csv"
                raise FieldError(where, r.id if self.list is not None else self.csv, f"grid id {r.id!r} is repeated; ids must be unique")
            seen.add(r.id)
        object.__setattr__(self, "rows", rows)
        return self


def _read_grid_csv(name: str, base_dir: Path) -> tuple[GridSpec, ...]:
    path = base_dir / name
    if not path.is_file():
        raise FieldError("csv", name, f"grid CSV file not found: {path} (paths are relative to the scenario's folder)")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in ("id", "households") if c not in cols]
        if missing:
            raise FieldError(
                "csv", name,
                f"{path} lacks column(s) {', '.join(missing)}; needs id, households "
                f"(optional: community, street, population); has: {', '.join(cols) or 'nothing'}",
            )
        rows = []
        for lineno, raw in enumerate(reader, start=2):
            data = {k: v for k, v in raw.items() if k in GridSpec.model_fields and v not in (None, "")}
            try:
                rows.append(GridSpec.model_validate(data))
            except ValidationError as e:
                p = problems(e, data, root=GridSpec)[0]
                raise FieldError("csv", name, f"{path} line {lineno}: {p.render()}") from None
    if not rows:
        raise FieldError("csv", name, f"{path} has no rows; give at least one grid")
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
                raise FieldError(name, getattr(self, name), "weights are all zero; at least one must be positive")
        return self


def _level_shares(v: Any) -> Any:
    if isinstance(v, str):
        if v not in LEVELS:
            raise ValueError(f"{v!r} is not a level; allowed: {', '.join(LEVELS)} (or a table of shares)")
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


class Sunk(Hours):
    """Sunk cadres: ``count`` office staff allocated to grids, serving on ``service_days``.

    Each cadre serves ``days_per_cadre`` of the listed days.  The j-th cadre of
    grid g takes them from position (g + j) * days_per_cadre onwards, cyclically,
    so with five days and one day per cadre the cadres of every grid, and of the
    district, are spread evenly over the week.
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
            raise FieldError(
                "days_per_cadre", self.days_per_cadre,
                f"cannot exceed the number of service_days ({len(self.service_days)})",
            )
        return self


class PoliceUnit(_Model):
    grids: list[str] = Field(min_length=1)


class Police(Shift):
    """Police grids: ``count`` blocks of consecutive grids (or the explicit ``units``), whose
    officers take the issue types listed in ``types`` for their grids (they do not visit)."""

    units: list[PoliceUnit] | None = None
    count: int = Field(default=0, ge=0, description="number of police grids when units is not given")
    officers_per_unit: PositiveInt = 1
    types: list[str] = []
    days: Weekdays = list(WEEKDAYS)
    start_hour: Hour = 8.0
    end_hour: Hour = 20.0


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
    start: dt.datetime | dt.date | NonNegativeFloat = Field(
        description="a date, a date-time, or a number of days (>= 0) after calendar.start"
    )
    duration_days: PositiveFloat
    multipliers: dict[str, NonNegativeFloat] = {}
    wartime: bool = True

    @model_validator(mode="after")
    def _local_time(self) -> "Emergency":
        if isinstance(self.start, dt.datetime) and self.start.tzinfo is not None:
            raise FieldError("start", self.start, "give a local date-time without a UTC offset, e.g. 2022-07-21T06:00:00")
        return self


class Wartime(Hours):
    """Wartime mode: the named roles add these hours, every day, to their normal shifts."""

    trigger: Literal["off", "scheduled", "backlog", "both"] = "scheduled"
    roles: list[Literal["grid_workers", "sunk", "police", "community", "street", "department"]] = ["grid_workers", "sunk"]
    start_hour: Hour = 7.0
    end_hour: Hour = 21.0
    pause_visits: bool = True
    enter_backlog_per_grid: PositiveFloat = 5.0
    exit_backlog_per_grid: NonNegativeFloat = 2.0

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> "Wartime":
        if self.exit_backlog_per_grid >= self.enter_backlog_per_grid:
            raise FieldError(
                "exit_backlog_per_grid", self.exit_backlog_per_grid,
                f"must be below enter_backlog_per_grid ({self.enter_backlog_per_grid})",
            )
        return self


class Target(_Model):
    """A published figure the scenario should reproduce (checked by ``gridsim calibrate``)."""

    metric: str = Field(min_length=1, description="a metric name as in summary.json")
    value: float
    tolerance: PositiveFloat = Field(default=0.1, description="accepted relative error |simulated - value| / |value|")
    source: str = ""
    note: str = ""


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
    targets: list[Target] = []
    wartime: Wartime = Wartime()
    policies: dict[str, dict[str, Any]] = {}
    policy: str | None = Field(default=None, description="set by the loader: the policy applied")

    @model_validator(mode="after")
    def _cross_refs(self) -> "Scenario":
        types = f"defined issue types: {', '.join(self.issue_types)}"
        for i, em in enumerate(self.emergencies):
            for name, m in em.multipliers.items():
                if name not in self.issue_types:
                    raise FieldError(("emergencies", i, "multipliers", name), m, f"{name!r} is not an issue type; {types}")
        for i, name in enumerate(self.cadres.police.types):
            if name not in self.issue_types:
                raise FieldError(("cadres", "police", "types", i), name, f"not an issue type; {types}")
        ids = {g.id for g in self.grids.rows}
        for i, u in enumerate(self.cadres.police.units or []):
            for j, g in enumerate(u.grids):
                if ids and g not in ids:
                    raise FieldError(("cadres", "police", "units", i, "grids", j), g, f"not a grid id; grids: {few(ids)}")
        for name in self.policies:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise FieldError(("policies", name), NOTHING, f"policy name {name!r} may use only letters, digits, _ . -")
        if self.policy is not None and self.policy not in self.policies:
            raise FieldError("policy", self.policy, f"not a defined policy; defined: {', '.join(self.policies) or 'none'}")
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

    def measurement_warnings(self) -> list[str]:
        """What in this scenario makes a metric less trustworthy than the user may think."""
        out = []
        cal, v = self.calendar, self.visits
        if v.enabled and cal.warmup_days < v.target_interval_days:
            out.append(
                f"calendar.warmup_days = {cal.warmup_days:g} is shorter than visits.target_interval_days = "
                f"{v.target_interval_days:g}: the run starts with no visit history, so coverage is biased low over "
                f"the first {v.target_interval_days - cal.warmup_days:g} days of the window; "
                f"set warmup_days >= {v.target_interval_days:g} for steady-state coverage")
        if v.enabled and cal.horizon_days - cal.warmup_days < v.target_interval_days:
            out.append(
                f"the measurement window (horizon_days - warmup_days = {cal.horizon_days - cal.warmup_days:g} days) "
                f"is shorter than visits.target_interval_days = {v.target_interval_days:g}: coverage there is "
                f"the share visited since the window began, not within a full interval")
        if cal.drain_days == 0:
            out.append("calendar.drain_days = 0: issues still open at the horizon are left out of resolution "
                       "times and SLA attainment, which are then biased low (censored)")
        return out


# ---------------------------------------------------------------- loading


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a malformed one is a :class:`ScenarioError` naming the line."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, ["file not found"])
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(path, [f"not UTF-8 text: {err}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"at line (\d+)", str(err))
        lines = text.splitlines()
        line = lines[int(m.group(1)) - 1].strip() if m and int(m.group(1)) <= len(lines) else ""
        raise ScenarioError(path, [f"malformed TOML: {err}" + (f": {line[:80]}" if line else "")]) from None


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


def load_scenario(
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> Scenario:
    """Read, merge and validate a scenario file; raise :class:`ScenarioError` on any problem."""
    path = Path(path)
    data = read_toml(path)
    return build_scenario(data, path, policy, overrides)


def _policy_patch(data: dict[str, Any], path: str | Path, policy: str) -> dict[str, Any]:
    policies = data.get("policies", {})
    if not isinstance(policies, dict):
        raise ScenarioError(path, [f"policies = {show(policies)}: must be a table of named policies"])
    if policy not in policies:
        raise ScenarioError(path, [f"--policy {policy}: no such policy; defined policies: {', '.join(policies) or 'none'}"])
    patch = policies[policy]
    if not isinstance(patch, dict):
        raise ScenarioError(path, [f"{dotted(('policies', policy))} = {show(patch)}: must be a table"])
    if "policies" in patch:
        raise ScenarioError(path, [f"{dotted(('policies', policy, 'policies'))}: a policy cannot define policies"])
    return {k: v for k, v in patch.items() if k != "description"}


def merge_inputs(
    data: dict[str, Any],
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> dict[str, Any]:
    """The scenario table exactly as it is run: base, then the policy's patch, then ``--set`` overrides."""
    merged = data
    if policy is not None:
        merged = deep_merge(data, _policy_patch(data, path, policy))
        merged["policy"] = policy
    for key, value in overrides or []:
        try:
            merged = apply_override(merged, key, value)
        except ValueError as e:
            raise ScenarioError(path, [str(e)]) from None
    return merged


def _covers(patch: Any, path: tuple[str | int, ...]) -> bool:
    """Whether the value at ``path`` comes from ``patch`` (a policy's partial scenario)."""
    for part in path:
        if not isinstance(patch, dict):
            return True  # the patch sets a whole value (or list) above the path
        if part not in patch:
            return False
        patch = patch[part]
    return True


def _render(p: Problem, policy: str | None, patch: dict[str, Any], overrides: list[tuple[str, Any]]) -> str:
    """Say where a problem came from: a ``--set`` override, the chosen policy, or the file itself."""
    direct = [k for k, _ in overrides if p.path and [str(x) for x in p.path[: len(k.split("."))]] == k.split(".")[: len(p.path)]]
    if direct:
        return p.render(note=f" (from --set {direct[-1]})")
    if policy is not None and _covers(patch, p.path):
        return p.render(prefix=("policies", policy), note=f" (set by policy {policy!r})")
    notes = [f"with policy {policy!r}"] if policy is not None else []
    notes += [f"after --set {', '.join(k for k, _ in overrides)}"] if overrides else []
    return p.render(note=f" ({'; '.join(notes)})" if notes else "")


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
        patch = _policy_patch(data, path, policy) if policy is not None else {}
        raise ScenarioError(path, [_render(p, policy, patch, overrides or []) for p in problems(err, merged, Scenario)]) from None


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
