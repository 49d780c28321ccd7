"""Scenarios: the schema of a scenario file, its loading (policies, ``--set``), its errors, distributions.

Everything a caller needs is importable from here: ``from sim.scenario import load_scenario, Scenario``.
"""

from sim.scenario.distributions import DIST_NAMES, Distribution, FieldError
from sim.scenario.errors import ScenarioError
from sim.scenario.fields import LEVELS, ROLES, WEEKDAYS, WORKPLACES, Hours
from sim.scenario.grids import GridSpec
from sim.scenario.loading import (
    apply_override,
    deep_merge,
    build_scenario,
    dump_toml,
    load_scenario,
    merge_inputs,
    override_text,
    parse_set,
    parse_value,
    read_toml,
)
from sim.scenario.roles import Attended
from sim.scenario.schema import Profile, Scenario, Target

__all__ = [
    "DIST_NAMES", "Distribution", "apply_override", "deep_merge", "FieldError", "ScenarioError", "build_scenario", "dump_toml", "load_scenario",
    "merge_inputs", "override_text", "parse_set", "parse_value", "read_toml", "LEVELS", "ROLES", "WEEKDAYS", "WORKPLACES", "GridSpec", "Hours",
    "Attended", "Profile", "Scenario", "Target",
]
