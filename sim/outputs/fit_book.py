"""results.xlsx of a fit folder (``gridsim fit``), from its fit.json and refused.csv: the estimates as tables
a researcher can sort and chart, in English or Chinese."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sim.outputs.sheets import Book

LEVELS = ("grid", "community", "street", "department")
WORDS = {
    "en": {"types": "issue types", "times": "times", "grids": "grids", "refused": "refused", "about": "about",
           "key": "type", "name": "name in the records", "per_week": "arrivals per week", "lo": "95% CI low",
           "hi": "95% CI high", "count": "orders", "ratio": "variance/mean of weekly counts",
           "p": "p (over-dispersion)", "share": "share ending at", "level": "level", "measure": "measure",
           "resolution_hours": "resolution (report to resolved), h", "work_hours": "work (accepted to resolved), h",
           "dist": "distribution", "mean": "mean", "p90": "p90", "n": "orders", "open": "still open",
           "closed": "mean of closed only (biased low)", "grid": "grid", "community": "community",
           "street": "street", "row": "row", "id": "id", "reason": "reason", "item": "item", "value": "value"},
    "zh": {"types": "事件类型", "times": "办理时长", "grids": "网格", "refused": "拒绝的行", "about": "说明",
           "key": "类型", "name": "记录中的名称", "per_week": "每周件数", "lo": "95%置信区间下限",
           "hi": "95%置信区间上限", "count": "工单数", "ratio": "周件数方差/均值", "p": "p值（过度离散）",
           "share": "办结层级比例", "level": "层级", "measure": "指标", "resolution_hours": "办结时长（上报至办结），小时",
           "work_hours": "处置时长（签收至办结），小时", "dist": "分布", "mean": "均值", "p90": "90%分位数",
           "n": "工单数", "open": "未办结", "closed": "仅已办结工单的均值（偏低）", "grid": "网格", "community": "社区",
           "street": "街道", "row": "行号", "id": "编号", "reason": "原因", "item": "项目", "value": "值"},
}
LEVEL_ZH = {"grid": "网格", "community": "社区", "street": "街道", "department": "部门"}


def _ci(x: dict[str, Any]) -> list[Any]:
    return [x.get("mean"), *(x.get("ci95") or [None, None])]


def write_fit_workbook(folder: str | Path, lang: str = "en") -> Path:
    """Write ``results.xlsx`` (``results.zh.xlsx`` for zh) into a fit folder; return its path."""
    folder = Path(folder)
    doc = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    w = WORDS[lang]
    lv = (lambda x: LEVEL_ZH[x]) if lang == "zh" else (lambda x: x)
    b = Book(lang)
    types = doc["issue_types"]
    b.sheet(w["types"], [w["key"], w["name"], w["per_week"], w["lo"], w["hi"], w["count"], w["ratio"], w["p"]]
            + [f"{w['share']} {lv(x)}" for x in LEVELS],
            [[k, t["name_in_records"], *_ci(t["arrivals_per_week"]), t["arrivals_per_week"]["count"],
              (t.get("dispersion") or {}).get("ratio"), (t.get("dispersion") or {}).get("p")]
             + [t["level_share"][x]["mean"] for x in LEVELS] for k, t in types.items()],
            [None, None, "0.0", "0.0", "0.0", "0", "0.00", "0.000"] + ["0.0%"] * len(LEVELS))
    b.sheet(w["times"], [w["key"], w["name"], w["measure"], w["level"], w["dist"], w["mean"], w["lo"], w["hi"],
                         w["p90"], w["n"], w["open"], w["closed"]],
            [[k, t["name_in_records"], w[m], lv(x), e["dist"], *_ci(e), e["p90"], e["n"], e["open"],
              e["mean_closed_only"]]
             for k, t in types.items() for m in ("resolution_hours", "work_hours") for x, e in t[m].items()],
            [None] * 5 + ["0.0"] * 4 + ["0", "0", "0.0"])
    b.sheet(w["grids"], [w["grid"], w["community"], w["street"], w["per_week"], w["lo"], w["hi"], w["count"]],
            [[g, v["community"], v["street"], *_ci(v["arrivals_per_week"]), v["arrivals_per_week"]["count"]]
             for g, v in doc["grids"].items()], [None] * 3 + ["0.00"] * 3 + ["0"])
    with open(folder / "refused.csv", encoding="utf-8-sig", newline="") as fh:
        refused = [[int(r["row"]), r["id"], r["reason"]] for r in csv.DictReader(fh)]
    b.sheet(w["refused"], [w["row"], w["id"], w["reason"]], refused)
    about = [[k, v] for k, v in doc["rows"].items()] + [["records", doc["records"]], ["export_time", doc["export_time"]]]
    about += [["note", n] for n in doc["notes"]] + [["warning", x] for x in doc["warnings"]]
    b.sheet(w["about"], [w["item"], w["value"]], about)
    path = folder / ("results.zh.xlsx" if lang == "zh" else "results.xlsx")
    b.save(path)
    return path
