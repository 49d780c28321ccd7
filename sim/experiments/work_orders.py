"""The simulated issues of one replication as a grid platform's work-order export (``--records``).

The same columns ``gridsim fit`` reads, under the Chinese headers exports use, in a CSV that Chinese Excel
opens (UTF-8 with a BOM).  Like a real export it holds only what the platform knows: issues reported, or
found on a visit, in the measurement window (after the warm-up, up to the horizon); hidden issues nobody
found are not in it.  Times are calendar dates from ``calendar.start``; 签收时间 is when work first started,
办结时间 when it was resolved (blank while open at the end of the run, and for an issue that left as a
petition); 处置层级 where it was resolved (网格/社区/街道/部门, or the named department unit's ``label_zh``),
for an open order the level it has been passed to.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from sim.experiments.atomic import atomic_write
from sim.model import Records
from sim.scenario import Scenario

HEADER = ("工单编号", "所属网格", "社区", "街道", "事件类型", "上报时间", "签收时间", "办结时间", "处置层级", "source")
LEVEL_ZH = ("网格", "社区", "街道", "部门")
SOURCE = {False: "群众上报", True: "走访发现"}  # reported by a resident / found on a visit


def stamps(start: np.datetime64, hours: np.ndarray) -> list[str]:
    """Model hours as 'YYYY-MM-DD HH:MM:SS' (floored to the second, so order is kept); '' where nan."""
    known = ~np.isnan(hours)
    seconds = np.floor(np.where(known, hours, 0.0) * 3600).astype(np.int64)
    text = np.datetime_as_string(start + seconds.astype("timedelta64[s]"), unit="s")
    return [t.replace("T", " ") if k else "" for t, k in zip(text.tolist(), known.tolist())]


def type_labels(sc: Scenario, names: list[str]) -> list[str]:
    """Each issue type as the records name it: its label_zh, else its key."""
    return [sc.issue_types[n].label_zh or n for n in names]


def department_labels(sc: Scenario, names: list[str]) -> list[str]:
    """Per type, the word for 'resolved at the department': its named unit's label_zh (or label, name), else 部门."""
    units = sc.levels.department.units
    out = []
    for n in names:
        unit = sc.department_unit(n)
        out.append(LEVEL_ZH[3] if unit is None else units[unit].label_zh or units[unit].label or unit)
    return out


def work_orders(rec: Records, sc: Scenario) -> str:
    """The work-order export of one replication as CSV text (with a BOM)."""
    t, d = rec.issues, rec.district
    shown = np.flatnonzero(~np.isnan(rec.report) & (rec.report >= rec.warmup) & (rec.report <= rec.horizon))
    shown = shown[np.argsort(rec.report[shown], kind="stable")]  # as exports list them: by report time
    start = np.datetime64(sc.calendar.start, "s")
    types, grids = t.type[shown], t.grid[shown]
    type_names = type_labels(sc, t.type_names)
    dept = department_labels(sc, t.type_names)
    # resolved: where it ended; open: the level it has been passed to (what a platform shows for an open order)
    level = np.where(rec.resolved_level[shown] >= 0, rec.resolved_level[shown], t.level[shown])
    level_text = [dept[ty] if lv == 3 else LEVEL_ZH[lv] for lv, ty in zip(level.tolist(), types.tolist())]
    columns = (
        [str(i) for i in shown.tolist()],  # the issue's row in records/*.parquet: the two join on it
        [d.ids[g] for g in grids.tolist()],
        [d.community_names[c] for c in d.community[grids].tolist()],
        [d.street_names[s] for s in d.street[grids].tolist()],
        [type_names[ty] for ty in types.tolist()],
        stamps(start, rec.report[shown]),
        stamps(start, rec.start[shown]),
        stamps(start, rec.end[shown]),
        level_text,
        [SOURCE[bool(f)] for f in rec.found_by_visit[shown].tolist()],
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(zip(*columns))
    return "\ufeff" + buf.getvalue()


def write_work_orders(rec: Records, sc: Scenario, path: Path) -> None:
    """The work-order export of one replication, written whole or not at all."""
    atomic_write(path, work_orders(rec, sc).encode("utf-8"))
