"""Per-issue records of one replication as a Parquet file (``--records``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.experiments.atomic import atomic_write
from sim.metrics import lead_hours
from sim.model import Records


def write_records(rec: Records, path: Path) -> None:
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
        # what was drawn for the issue before the run (the same under every policy: CRN)
        "report_delay_h": t.report_delay,
        "service_h": t.service,
        "intake_h": t.intake,
        "travel_h": t.travel,
        "escalation_level": t.level if t.drawn_level is None else t.drawn_level,  # as drawn (3: settled by attempt)
        "police": t.police,
        "sequential": t.sequential,
        "response_h": t.response if len(t.response) else np.zeros(len(t)),
        "lead_h": lead_hours(rec),
        "feedback_h": np.where(t.level > 0, t.feedback, 0.0) if len(t.feedback) else np.zeros(len(t)),
        # levels the issue passed on the way up: direct 0 or 1 (grid to office), sequential one per level
        "levels_passed": np.where(t.sequential, t.level, np.minimum(t.level, 1)),
        "visit_offset": t.visit_offset,
        "reported_h": rec.report,
        "found_by_visit": rec.found_by_visit,
        "started_h": rec.start,
        "resolved_h": rec.end,
        "level": rec.resolved_level,
        "priority": rec.priority,
        "supervised_h": rec.supervised if rec.supervised.size else np.full(len(t), np.nan),
        "sla_hours": rec.sla_hours,
        # worsening: went up (or left) because it waited, and when it left as a petition (nan: never)
        "worsened": rec.worsened if rec.worsened.size else np.zeros(len(t), bool),
        "petition_h": rec.petition if rec.petition.size else np.full(len(t), np.nan),
    })
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    atomic_write(path, buf.getvalue().to_pybytes())
