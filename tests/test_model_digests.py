"""The model's numbers, kept: a digest of every metric of a few short runs, stored when they were right.

Model changes meant to be pure speed or structure (arrays instead of objects, bulk shift changes)
must keep every number bit for bit; a test comparing two paths of the new code cannot see a
change both paths share.  The digests in tests/data/model_digests.json were computed by the code
at 8c740ba (before the arrays) and are compared as ``float.hex`` strings.  A change that alters
numbers on purpose regenerates them (``python tests/test_model_digests.py``) and says why.

The scenarios are frozen copies (tests/data/digest_scenarios/) of the shipped files as they were
before issue 30 gave them worsening, chances by role and named departments: the shipped files
may change, and these show that a scenario without the new fields still gives the old numbers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
STORE = Path(__file__).resolve().parent / "data" / "model_digests.json"
CASES = [("baota.toml", "baseline", ["calendar.horizon_days=45", "calendar.warmup_days=7"]),
         ("baota.toml", "pooled", ["calendar.horizon_days=30", "calendar.warmup_days=7"]),
         ("baota.toml", "flood_posts", ["calendar.horizon_days=250", "calendar.warmup_days=180"]),
         ("urad_front.toml", "baseline", ["calendar.horizon_days=30", "calendar.warmup_days=7"]),
         ("county_five_level.toml", "shuichuan", ["calendar.horizon_days=45", "calendar.warmup_days=7"]),
         ("tiefeng.toml", "testing_week", [])]


def digest(name: str, policy: str, sets: list[str]) -> dict[str, str]:
    from sim.metrics import compute_metrics
    from sim.model import simulate
    from sim.scenario import load_scenario, parse_set

    sc = load_scenario(Path(__file__).resolve().parent / "data" / "digest_scenarios" / name, policy, parse_set(sets))
    m = compute_metrics(simulate(sc, np.random.SeedSequence(7)))
    return {k: float(v).hex() for k, v in sorted(m.items()) if isinstance(v, (int, float))}


@pytest.mark.parametrize("name,policy,sets", CASES)
def test_every_metric_is_what_it_was(name, policy, sets):
    want = json.loads(STORE.read_text())[f"{name}:{policy}"]
    got = digest(name, policy, sets)
    assert [k for k in want if got.get(k) != want[k]] == []


if __name__ == "__main__":
    STORE.write_text(json.dumps({f"{n}:{p}": digest(n, p, s) for n, p, s in CASES}, indent=0, sort_keys=True))
    sys.exit(0)
