"""The results folder of a command (contract in DESIGN.md), written atomically file by file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.experiment import MetricSummary, Replication
from sim.model import Records


def default_dir(scenario_name: str, command: str, root: str | Path = "results") -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / f"{scenario_name}-{command}-{stamp}"


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write to a temporary file in the same folder, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def versions() -> dict[str, str]:
    import numpy
    import pydantic
    import scipy
    import simpy

    return {"gridsim": __version__, "python": platform.python_version(), "simpy": simpy.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__, "pydantic": pydantic.__version__}


def _cell(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return ""
    return x


def replications_csv(rows: list[tuple[str, Replication]]) -> str:
    names: list[str] = []
    for _, rep in rows:
        names += [n for n in rep.metrics if n not in names]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "seed_spawn_key", *names])
    for policy, rep in rows:
        key = "-".join(map(str, rep.spawn_key))
        w.writerow([policy, rep.index, key, *(_cell(rep.metrics.get(n, math.nan)) for n in names)])
    return buf.getvalue()


def wartime_csv(rows: list[tuple[str, Replication]]) -> str:
    """When wartime mode was on: one row per period, policy and replication (hours since the start)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["policy", "replication", "start_hours", "end_hours"])
    for policy, rep in rows:
        for a, b in rep.wartime:
            w.writerow([policy, rep.index, a, b])
    return buf.getvalue()


def summary_json(metrics: dict[str, MetricSummary], meta: dict[str, Any]) -> str:
    doc = dict(meta)
    doc["metrics"] = {name: s.to_dict() for name, s in metrics.items()}
    doc["versions"] = versions()
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def records_parquet(rec: Records, path: Path) -> None:
    """Per-issue records of one replication as a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = rec.issues
    table = pa.table({
        "issue": np.arange(len(t)),
        "type": pa.DictionaryArray.from_arrays(t.type.astype(np.int32), t.type_names),
        "grid": pa.DictionaryArray.from_arrays(t.grid.astype(np.int32), rec.district.ids),
        "occurred_h": t.occur,
        "hidden": t.hidden,
        "reported_h": rec.report,
        "found_by_visit": rec.found_by_visit,
        "started_h": rec.start,
        "resolved_h": rec.end,
        "level": rec.resolved_level,
        "priority": rec.priority,
        "sla_hours": rec.sla_hours,
    })
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    atomic_write(path, buf.getvalue().to_pybytes())
