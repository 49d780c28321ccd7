"""Probability distributions named in scenario files, drawn from numpy Generators.

Every distribution is a pydantic model tagged by ``dist`` so that a scenario
file names it as data (``{dist = "lognormal", mean = 3, cv = 0.8}``); a bare
number is shorthand for ``{dist = "fixed", value = N}``.  Durations are hours.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from sim.scenario.textfile import read_utf8


class FieldError(ValueError):
    """A model validator's complaint about one of its fields.

    Raised inside ``model_validator``s so that the error report names the field
    (``path``, relative to the model: ``"high"`` or ``("units", 0, "grids")``)
    and its ``value`` instead of the whole table.
    """

    def __init__(self, path: str | tuple[str | int, ...], value: Any, message: str):
        super().__init__(message)
        self.path = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
        self.value = value


def candidates(tp: Any) -> list[Any]:
    """The types a value of annotation ``tp`` may have (Annotated and None stripped, unions spread)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return candidates(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [t for a in get_args(tp) if a is not type(None) for t in candidates(a)]
    return [tp]


def _admits(tp: Any, kinds: tuple[Any, ...]) -> bool:
    """Whether annotation ``tp`` mentions one of ``kinds`` at its top level (through Annotated/unions)."""
    return any(t in kinds for t in candidates(tp))


def no_bool_as_number(annotation: Any, v: Any) -> Any:
    """Refuse true/false where a field, or each value of a table of numbers, wants a number:
    pydantic would quietly read `mean = true` or `level = { grid = true }` as 1."""
    if isinstance(v, bool) and not _admits(annotation, (bool, Any)):
        raise ValueError("true/false is not allowed here" + ("; give a number" if _admits(annotation, (int, float)) else ""))
    if isinstance(v, dict):
        for tp in candidates(annotation):
            if get_origin(tp) is dict and not _admits(get_args(tp)[1], (bool, Any)):
                for key, x in v.items():
                    if isinstance(x, bool):
                        raise FieldError(str(key), x, "true/false is not allowed here; give a number")
    return v


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_as_number(cls, data: Any) -> Any:
        # a model validator, not a field one: pydantic allows none on the discriminator `dist`
        if isinstance(data, dict):
            for key, v in data.items():
                if key in cls.model_fields and key != "dist":
                    try:
                        no_bool_as_number(cls.model_fields[key].annotation, v)
                    except ValueError as err:
                        raise FieldError(key, v, str(err)) from None
        return data

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def mean_value(self) -> float:
        raise NotImplementedError


# Bounds of distribution parameters: durations up to 10^12 hours (the "never" of a report delay), and a
# coefficient of variation from 10^-6 (below it: use fixed) to 100 (beyond it sampling overflows)
MAX_HOURS = 1e12
Duration = Annotated[float, Field(gt=0, le=MAX_HOURS)]
CV = Annotated[float, Field(ge=1e-6, le=100)]


class Exponential(_Dist):
    dist: Literal["exponential"]
    mean: Duration

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean, n)

    @property
    def mean_value(self) -> float:
        return self.mean


class LogNormal(_Dist):
    """Lognormal given by its own mean and coefficient of variation (not mu, sigma)."""

    dist: Literal["lognormal"]
    mean: Duration
    cv: CV

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = np.log1p(self.cv**2)
        mu = np.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), n)

    @property
    def mean_value(self) -> float:
        return self.mean


class Gamma(_Dist):
    """Gamma given by mean and coefficient of variation (shape = 1/cv^2)."""

    dist: Literal["gamma"]
    mean: Duration
    cv: CV

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, n)

    @property
    def mean_value(self) -> float:
        return self.mean


class Fixed(_Dist):
    dist: Literal["fixed"]
    value: float = Field(ge=0, le=MAX_HOURS)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)

    @property
    def mean_value(self) -> float:
        return self.value


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float = Field(ge=0, le=MAX_HOURS)
    high: float = Field(ge=0, le=MAX_HOURS)

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if self.high < self.low:
            raise FieldError("high", self.high, f"must be >= low ({self.low})")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """Resamples (with replacement) the values of one column of a CSV file.

    ``file`` is relative to the scenario file; the values are read once, when
    the scenario is loaded, so that a missing file or column is a load error.
    """

    dist: Literal["empirical"]
    file: str
    column: str
    values: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _load(self, info: ValidationInfo) -> "Empirical":
        if self.values:
            return self
        base = Path((info.context or {}).get("base_dir", "."))
        path = base / self.file
        if not path.is_file():
            raise FieldError("file", self.file, f"CSV file not found: {path} (paths are relative to the scenario's folder)")
        try:
            text = read_utf8(path)
        except ValueError as err:
            raise FieldError("file", self.file, str(err)) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if self.column not in (reader.fieldnames or []):
            raise FieldError(
                "column", self.column, f"not a column of {path}; columns: {', '.join(reader.fieldnames or []) or 'none'}"
            )
        vals = []
        for lineno, row in enumerate(reader, start=2):
            try:
                v = float(row[self.column] or "")
            except ValueError:
                v = float("nan")
            if not (v >= 0 and np.isfinite(v)):
                raise FieldError(
                    "file", self.file, f"{path} line {lineno}: {self.column} = {row[self.column]!r}; must be a finite number >= 0"
                )
            vals.append(v)
        if not vals:
            raise FieldError("file", self.file, f"{path} has no rows")
        object.__setattr__(self, "values", tuple(vals))
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values), n)

    @property
    def mean_value(self) -> float:
        return float(np.mean(self.values))


def _number_is_fixed(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"dist": "fixed", "value": v}
    if not isinstance(v, (dict, BaseModel)):
        raise ValueError(
            "must be a number (a fixed value) or a table such as {dist = \"exponential\", mean = 2}; "
            f"dist is one of: {', '.join(DIST_NAMES)}"
        )
    return v


_Tagged = Annotated[
    Union[Exponential, LogNormal, Gamma, Fixed, Uniform, Empirical],
    Field(discriminator="dist"),
]
# A distribution field in a scenario: a tagged table, or a bare number meaning "fixed".
Distribution = Annotated[_Tagged, BeforeValidator(_number_is_fixed)]
DIST_NAMES = ("exponential", "lognormal", "gamma", "fixed", "uniform", "empirical")
