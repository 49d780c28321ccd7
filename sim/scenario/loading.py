"""Loading a scenario: parse TOML -> apply the chosen policy -> apply ``--set`` overrides -> validate.

A scenario is a TOML file and nothing in it is ever evaluated as code.  A
policy is a partial scenario deep-merged over the base.  Every mistake becomes
a :class:`ScenarioError` naming the file, the field path, the value and what
is allowed.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from sim.scenario.errors import NOTHING, Problem, ScenarioError, dotted, problems, show
from sim.scenario.schema import Scenario
from sim.scenario.textfile import read_utf8


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; a malformed one is a :class:`ScenarioError` naming the line."""
    path = Path(path)
    if path.is_dir():
        raise ScenarioError(path, ["this is a directory, not a scenario file: give the path of a .toml file"])
    if not path.is_file():
        raise ScenarioError(path, ["file not found"])
    try:
        text = read_utf8(path)
    except ValueError as err:
        raise ScenarioError(path, [str(err)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"at line (\d+)", str(err))
        lines = text.splitlines()
        line = lines[int(m.group(1)) - 1].strip() if m and int(m.group(1)) <= len(lines) else ""
        raise ScenarioError(path, [f"malformed TOML: {err}" + (f": {line[:80]}" if line else "")]) from None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``over`` merged in; tables merge key by key, everything else replaces.

    A distribution (a table with ``dist``) is a value, not a table of settings: it replaces
    the base one whole, so that an exponential does not inherit a uniform's ``low``."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "dist" not in v:
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


def override_text(key: str, value: Any) -> str:
    """``key=value`` as ``--set`` takes it back (TOML spelling: ``true``, not Python's ``True``); a bare string
    stays as typed."""
    return f"{key}={value if isinstance(value, str) else _toml(value)}"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return tomli_w.dumps({"v": value})[4:].strip()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


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


# what a policy says about itself for readers; not merged into the scenario
POLICY_WORDS = ("description", "description_zh", "label", "label_zh")


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
    return {k: v for k, v in patch.items() if k not in POLICY_WORDS}


def _apply(data: dict[str, Any], path: str | Path, overrides: list[tuple[str, Any]]) -> dict[str, Any]:
    for key, value in overrides:
        try:
            data = apply_override(data, key, value)
        except ValueError as e:
            raise ScenarioError(path, [str(e)]) from None
    return data


def _into_policy(key: str) -> str | None:
    """The policy a ``--set`` key changes (``policies.two_days.cadres.sunk.count``: two_days), else None."""
    parts = key.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "policies" else None


def merge_inputs(
    data: dict[str, Any],
    path: str | Path,
    policy: str | None = None,
    overrides: list[tuple[str, Any]] | None = None,
) -> dict[str, Any]:
    """The scenario table exactly as it is run: base, then the policy's patch, then ``--set`` overrides.

    An override into a policy (``policies.NAME.…``) changes the policy itself, so it is applied
    before the policy's patch is merged; the others after it, so that they win over the policy."""
    overrides = overrides or []
    data = _apply(data, path, [(k, v) for k, v in overrides if _into_policy(k) is not None])
    merged = data
    if policy is not None:
        merged = deep_merge(data, _policy_patch(data, path, policy))
        merged["policy"] = policy
    return _apply(merged, path, [(k, v) for k, v in overrides if _into_policy(k) is None])


def _leaves(patch: dict[str, Any], at: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Each value a policy sets, by its path (a distribution is one value)."""
    out = []
    for k, v in patch.items():
        if isinstance(v, dict) and "dist" not in v:
            out += _leaves(v, at + (k,))
        else:
            out.append((at + (k,), v))
    return out


def _at(data: Any, where: tuple[str, ...]) -> Any:
    for part in where:
        data = data.get(part, NOTHING) if isinstance(data, dict) else NOTHING
    return data


def _check_policy_key(data: dict[str, Any], path: Path, policy: str | None) -> None:
    """A top-level ``policy = "NAME"`` records the policy a gridsim run applied (scenario.resolved.toml, whose
    tables then hold its settings, bar those a ``--set`` changed); written by hand to choose a policy, it would
    be silently ignored: refuse it when the file holds none of the settings of the policy it names."""
    named = data.get("policy")
    if not isinstance(named, str) or named == policy or not isinstance(data.get("policies"), dict) \
            or not isinstance(data["policies"].get(named), dict):
        return  # no such key, the policy applied, or a name that validation refuses
    leaves = _leaves(_policy_patch(data, path, named))
    if leaves and all(_at(data, where) != value for where, value in leaves):
        where, there = leaves[0]
        here = _at(data, where)
        now = "not given" if here is NOTHING else show(here)
        raise ScenarioError(path, [f"policy = {show(named)}: this key does not apply a policy (gridsim writes it into "
                                   "scenario.resolved.toml to record the policy run, whose settings the file then "
                                   f"holds), and this file holds none of the settings of policy {named} "
                                   f"({dotted(where)} is {now} here, {show(there)} in the policy): to run the policy, "
                                   f"drop the key and give --policy {named}"])


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
    def parts(key: str) -> list[str]:  # where an override lands in the scenario as run
        return key.split(".")[2:] if policy is not None and _into_policy(key) == policy else key.split(".")
    direct = [k for k, _ in overrides if p.path and [str(x) for x in p.path[: len(parts(k))]] == parts(k)[: len(p.path)]]
    if direct:
        prefix = ("policies", policy) if policy is not None and _into_policy(direct[-1]) == policy else ()
        return p.render(prefix=prefix, note=f" (from --set {direct[-1]})")
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
    others: bool = True,
) -> Scenario:
    """Merge and validate an already-parsed scenario table (see :func:`load_scenario`).

    ``--set`` overrides into other policies than ``policy`` are checked too (``others``), on
    those policies' own scenarios: a wrong value is refused whichever policy is run."""
    path = Path(path)
    _check_policy_key(data, path, policy)
    merged = merge_inputs(data, path, policy, overrides)
    try:
        sc = Scenario.model_validate(merged, context={"base_dir": path.parent})
    except ValidationError as err:
        changed = _apply(data, path, [(k, v) for k, v in overrides or [] if _into_policy(k) == policy])
        patch = _policy_patch(changed, path, policy) if policy is not None else {}
        raise ScenarioError(path, [_render(p, policy, patch, overrides or []) for p in problems(err, merged, Scenario)]) from None
    if others:
        for name in dict.fromkeys(_into_policy(k) for k, _ in overrides or []):
            if name is not None and name != policy:
                build_scenario(data, path, name, overrides, others=False)
    return sc


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
