"""Targets from a district's records (``--records fit.json``, written by ``gridsim fit``; docs/records.md).

Each issue type of fit.json that the scenario has gives one target: its ``arrivals_per_week`` as the
metric ``reported_<type>`` (issues of the type reported in the run's window), the value scaled to the
window's weeks ((horizon - warm-up) / 7).  The records' 95% CI is the target's uncertainty: the tolerance
is the CI's half-width over the value, which history matching reads as a 95% band (2 sd), so sd_target is
the records' own standard error.  (Level shares are not used yet: their places do not map one to one onto
the model's ``resolved_share_<place>``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.decide.history.waves import TargetSpec
from sim.experiments.commands import ApiError
from sim.scenario import Scenario


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ApiError(f"--records {path}: cannot read it ({e.strerror or e})") from None
    except ValueError as e:
        raise ApiError(f"--records {path}: not JSON ({e}); give the fit.json that 'gridsim fit' wrote") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("issue_types"), dict):
        raise ApiError(f"--records {path}: has no 'issue_types' object; give the fit.json that 'gridsim fit' wrote")
    return doc


def records_targets(path: str | Path, sc: Scenario) -> list[TargetSpec]:
    """One target per issue type of fit.json that ``sc`` has (ApiError when none is, or the file is not fit.json)."""
    path = Path(path)
    doc = _read(path)
    weeks = (sc.calendar.horizon_days - sc.calendar.warmup_days) / 7.0
    out = []
    for key, t in doc["issue_types"].items():
        a = t.get("arrivals_per_week") if isinstance(t, dict) else None
        if key not in sc.issue_types or not isinstance(a, dict):
            continue
        mean, (lo, hi) = float(a["mean"]), map(float, a["ci95"])
        if mean <= 0:
            continue
        out.append(TargetSpec(f"reported_{key}", mean * weeks, max((hi - lo) / 2 / mean, 1e-9),
                              f"{path}: arrivals_per_week {mean:.4g} (95% CI {lo:.4g} to {hi:.4g}) x {weeks:.4g} weeks", "records"))
    if not out:
        raise ApiError(f"--records {path}: none of its issue types ({', '.join(doc['issue_types']) or 'none'}) "
                       f"is an issue type of {sc.name} ({', '.join(sc.issue_types)})")
    return out
