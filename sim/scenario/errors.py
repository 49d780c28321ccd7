"""Validation errors explained: a pydantic ValidationError -> problems a user can act on.

Each problem names the field path as written in the file (table keys and list
indices, without pydantic's internal union labels), the value as written, and
what is allowed: the bound, the allowed names, or the allowed keys of a table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path
from typing import Any, NamedTuple, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import DIST_NAMES, FieldError, candidates

NOTHING = object()  # a problem with no value to show (a missing field)


class Problem(NamedTuple):
    path: tuple[str | int, ...]  # as written in the file: table keys, list indices
    value: Any
    message: str

    def render(self, prefix: tuple[str | int, ...] = (), note: str = "") -> str:
        where = dotted(prefix + self.path) or "(top level)"
        shown = "" if self.value is NOTHING else f" = {show(self.value)}"
        return f"{where}{shown}: {self.message}{note}"


def dotted(parts: tuple[str | int, ...]) -> str:
    return ".".join(str(p) if isinstance(p, int) or re.fullmatch(r"[A-Za-z0-9_-]+", p) else json.dumps(p) for p in parts)


def show(v: Any, limit: int = 80) -> str:
    """A value as it would be written in TOML (inline), shortened."""
    text = _inline(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _inline(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(_inline, v)) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{dotted((str(k),))} = {_inline(x)}" for k, x in v.items()) + "}"
    return repr(v)


def few(names: Any, n: int = 10) -> str:
    names = sorted(names)
    return ", ".join(names[:n]) + (f", ... ({len(names)} in all)" if len(names) > n else "")


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _keys(cands: list[Any]) -> list[str] | None:
    """The keys a table of one of these types may have (the required first), or None if it is not a table of a
    model."""
    model = next((t for t in cands if _is_model(t)), None)
    if model is None:
        return None
    keys = [(k, f) for k, f in model.model_fields.items() if not f.exclude]
    return [k for k, f in keys if f.is_required()] + [k for k, f in keys if not f.is_required()]


def _walk(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], list[Any], Any]:
    """Follow a pydantic error location through the schema.

    Returns the path as written in the file (pydantic's union member labels such
    as a distribution's tag, and its ``[key]`` marker, dropped), the candidate
    types at its end (empty if unknown) and the FieldInfo when it ends at a field.
    """
    path: list[str | int] = []
    cands: list[Any] = [root]
    field = None
    for part in loc:
        if part == "[key]":
            continue
        step = next(filter(None, (_step(t, part) for t in cands)), None)
        if step:
            cands, field = step
            path.append(part)
        elif len(cands) > 1 or str(part).startswith("function-"):  # a union member's label
            cands = [t for t in cands if _is_model(t) and _tag(t) == part] or cands
        else:
            path.append(part)
            cands, field = [], None
    return tuple(path), cands, field


def _step(t: Any, part: str | int) -> tuple[list[Any], Any] | None:
    if _is_model(t) and part in t.model_fields:
        f = t.model_fields[part]
        return candidates(f.annotation), f
    origin, args = get_origin(t), get_args(t)
    if origin in (list, tuple) and isinstance(part, int):
        return candidates(args[0]), None
    if origin is dict and isinstance(part, str):
        return candidates(args[1]), None
    return None


def _tag(t: type[BaseModel]) -> Any:
    f = t.model_fields.get("dist")
    return get_args(f.annotation)[0] if f is not None else None


def _as_written(data: Any, path: tuple[str | int, ...]) -> tuple[tuple[str | int, ...], Any]:
    """The value at ``path`` in the input; a plain value met on the way (``service_time = 3``,
    ``service_days = "Mon+Thu"``) stands for the whole table or list below it."""
    node = data
    for i, part in enumerate(path):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, (dict, list)):
            return path, NOTHING
        else:
            return path[:i], node
    return path, node


def _tidy(msg: str) -> str:
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg).replace(" after validation", "")
    return re.sub(r"^(Input|List|Dictionary|String|Tuple|Set) should ", "must ", msg)


def _explain(e: dict[str, Any], root: type[BaseModel]) -> Problem:
    """One pydantic error as (path in the file, offending value, what is allowed)."""
    path, cands, _ = _walk(root, e["loc"])
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input", NOTHING)
    if isinstance(ctx.get("error"), FieldError):
        err = ctx["error"]
        path, value, msg = path + err.path, err.value, str(err)
    elif kind == "extra_forbidden":
        allowed = _keys(_walk(root, e["loc"][:-1])[1]) or []
        near = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        msg = "unknown key" + (f" (did you mean {near[0]}?)" if near else "")
        msg += f"; allowed keys: {', '.join(allowed)}" if allowed else ""
    elif kind == "missing":
        value, msg = NOTHING, "required field is missing"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):  # the distribution's `dist`
        path, value = path + ("dist",), ctx.get("tag", NOTHING)
        msg = "unknown distribution" if kind == "union_tag_invalid" else "required field is missing"
        msg += f"; allowed: {', '.join(DIST_NAMES)}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        keys = _keys(cands)
        msg = "must be a table" + (f" with keys among: {', '.join(keys)}" if keys else "")
    elif "[key]" in e["loc"]:
        value, msg = NOTHING, "key not allowed: " + _tidy(e["msg"])
    else:
        msg = _tidy(e["msg"])
        if kind == "less_than_equal" and float(ctx.get("le", 0)) >= 1000:  # not a share or an hour of the day
            msg += " (a plausible upper bound against typos; see Limits in docs/scenario-reference.md)"
    return Problem(path, value, msg)


def problems(err: ValidationError, data: Any, root: type[BaseModel]) -> list[Problem]:
    """Turn a ValidationError into problems naming the field path, the value as written and what is allowed."""
    found: dict[tuple[str | int, ...], Problem] = {}
    for e in err.errors(include_url=False):
        p = _explain(e, root)
        path, written = _as_written(data, p.path)
        p = p._replace(path=path, value=p.value if p.value is NOTHING or written is NOTHING else written)
        if path in found:  # several members of a union each refused the value
            field = _walk(root, e["loc"])[2]
            allowed = f"must be {field.description}" if field is not None and field.description else None
            p = p._replace(message=allowed or f"{found[path].message}; or {p.message}")
        found[path] = p
    return list(found.values())


class ScenarioError(Exception):
    """Bad input: a message naming file, field, value and what is allowed (exit code 2)."""

    def __init__(self, file: str | Path | None, problems: list[str]):
        self.file = str(file) if file is not None else "<scenario>"
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.file}: invalid scenario"
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)
