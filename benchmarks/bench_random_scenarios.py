"""Random scenarios against the model's invariants, with a fixed budget: every failure collected.

The generator and the checks are tests/test_model_properties.py's (``scenarios``,
``check_scenario``: every invariant of tests/oracles.py).  Unlike the test, a failure does
not stop the run: the budget of examples is spent in full, each failure is kept (its
scenario and seed, one JSON line each, in --out) and grouped by where it failed; with
--shrink, each kind of failure is then shrunk by Hypothesis to a minimal scenario.

    python benchmarks/bench_random_scenarios.py --examples 5000 --seed 1 --out /tmp/fail-1.jsonl
    python benchmarks/bench_random_scenarios.py --examples 5000 --seed 2 --out /tmp/fail-2.jsonl --shrink

Run several seeds as separate processes to use more cores; each prints its count, time and
failures.  Exit status 1 if any invariant failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the generator and the oracles

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from test_model_properties import check_scenario, scenarios


def kind_of(err: BaseException) -> str:
    """Where a failure happened: the innermost frame of the oracles, the test or the model, and what
    failed there (numbers left out, so that one defect is one kind)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if "/tests/" in f.filename or "/sim/" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    first = (str(err).splitlines() or [""])[0]
    what = re.sub(r"\d+(\.\d+)?", "#", re.sub(r"\([^)]*\)", "", first))[:90]
    return f"{type(err).__name__} at {where}: {what}"


def plain(x):
    return x.isoformat() if isinstance(x, (dt.date, dt.datetime)) else str(x)


def explore(examples: int, root: int, out: Path | None) -> tuple[int, Counter, dict[str, tuple[dict, int, str]]]:
    kinds: Counter = Counter()
    first: dict[str, tuple[dict, int, str]] = {}
    count = 0
    sink = out.open("w") if out else None

    @seed(root)
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(data=scenarios(), run_seed=st.integers(0, 2**32 - 1))
    def one(data, run_seed):
        nonlocal count
        count += 1
        try:
            check_scenario(data, run_seed)
        except Exception as err:  # noqa: BLE001 - every failure is a finding, kept and counted
            kind = kind_of(err)
            kinds[kind] += 1
            first.setdefault(kind, (data, run_seed, str(err)[:2000]))
            if sink:
                sink.write(json.dumps({"kind": kind, "seed": run_seed, "error": str(err)[:2000], "data": data},
                                      default=plain) + "\n")
                sink.flush()
        if count % 500 == 0:
            print(f"  {count} examples, {sum(kinds.values())} failures", flush=True)

    one()
    if sink:
        sink.close()
    return count, kinds, first


def shrink(kind: str, root: int, budget: int) -> tuple[dict, int] | None:
    """The smallest scenario Hypothesis finds failing the same way: the same seed generates the same
    scenarios, so the failure comes back, and Hypothesis shrinks it (None if not found in ``budget``)."""
    found: list[tuple[dict, int]] = []

    @seed(root)
    @settings(max_examples=budget, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(data=scenarios(), run_seed=st.integers(0, 2**32 - 1))
    def one(data, run_seed):
        try:
            check_scenario(data, run_seed)
        except Exception as err:
            if kind_of(err) == kind:
                found.append((data, run_seed))  # Hypothesis replays the minimal example last
                raise

    try:
        one()
    except Exception:  # noqa: BLE001, S110 - the failure we asked for
        pass
    return found[-1] if found else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000, help="scenarios to generate and check (the budget)")
    ap.add_argument("--seed", type=int, default=0, help="Hypothesis seed: another seed, other scenarios")
    ap.add_argument("--out", type=Path, help="write each failure (kind, seed, error, scenario) as a JSON line")
    ap.add_argument("--shrink", action="store_true", help="shrink each kind of failure to a minimal scenario")
    args = ap.parse_args()
    t0 = time.perf_counter()
    count, kinds, first = explore(args.examples, args.seed, args.out)
    took = time.perf_counter() - t0
    print(f"seed {args.seed}: {count} scenarios in {took:.0f} s ({took / max(count, 1):.3f} s each), "
          f"{sum(kinds.values())} failed")
    for kind, n in kinds.most_common():
        _, run_seed, err = first[kind]
        print(f"\n[{n}x] {kind}\n  first: seed={run_seed} error={err[:300]}")
        if args.shrink:
            small = shrink(kind, args.seed, budget=max(args.examples, 2000))
            print("  minimal:", json.dumps({"seed": small[1], "data": small[0]}, default=plain) if small else "not found")
    return 1 if kinds else 0


if __name__ == "__main__":
    sys.exit(main())
