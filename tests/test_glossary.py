"""The glossary: every metric of docs/metrics.md has words in both languages, no reader sees an identifier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.outputs import glossary as g
from sim.outputs.glossary import label, metric_info, param_label, value_label
from sim.outputs.plots.labels import KEY_METRICS, LABELS, SCALE, axis, axis_label, diff_label

ROOT = Path(__file__).resolve().parent.parent
IDENTIFIER = re.compile(r"[A-Za-z]+[_.][A-Za-z]")  # snake_case or a dotted key


def documented_metrics() -> list[str]:
    """Every metric name of docs/metrics.md's tables, patterns filled with a sample name."""
    names = []
    for line in (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        base = ""
        for tok in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if tok.startswith("_"):  # `resolution_hours_mean`, `_p50`: the same stem
                tok = base + tok
            else:
                base = tok.rsplit("_", 1)[0]
            names.append(re.sub(r"<\w+>", "spring_drive", tok))
    return names


def test_docs_glossary_is_current():
    assert (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8") == g.glossary_markdown(), \
        "run: .venv/bin/python -m sim.outputs.glossary > docs/glossary.md"


def test_every_documented_metric_is_in_the_glossary():
    names = documented_metrics()
    assert len(names) >= 45 and "campaign_spring_drive_target_share" in names and "resolution_hours_p95" in names
    for name in names:
        assert metric_info(name) is not None, name
        for lang in g.LANGS:
            text = label(name, lang)
            assert text and not IDENTIFIER.search(text), (name, lang, text)


@pytest.mark.parametrize("name, en, zh", [
    ("utilization_grid_workers", "utilization: grid workers", "网格员忙碌率"),
    ("cadre_hours_on_duty_sunk", "time on duty: sunk cadres", "下沉干部在岗工作量"),
    ("cost_police", "cost: police officers", "警格民警成本"),
    ("cost_total", "total cost", "总成本"),
    ("resolved_share_street", "share resolved at street", "街道办结占比"),
    ("resolution_hours_mean_police", "mean resolution time at police grid", "警格平均办理时长"),
    ("task_sandbags_on_time_share", "sandbags: done on time", "sandbags：按时完成比例"),
])
def test_patterns_fill_in_the_readable_part(name, en, zh):
    assert label(name, "en") == en and label(name, "zh") == zh


def test_units_and_directions():
    assert metric_info("resolution_hours_p90")[0].unit == "hours"
    assert metric_info("resolution_hours_p90")[0].better == "lower"
    assert metric_info("coverage_min_grid")[0].better == "higher"
    assert metric_info("utilization_sunk")[0].better == "none"  # too busy is not better
    assert metric_info("cadre_hours_on_duty")[0].unit == "cadre_hours"
    assert metric_info("cadre_hours_on_duty")[0].reads == "cadre-hours; beside a label, cadre-days (8 h)"
    assert metric_info("task_x_days_to_done")[0].unit == "days"


def test_banjie_lv_is_the_administrative_rate_only():
    assert label("completion_rate_reported", "zh") == "办结率"
    assert "办结率" not in label("completion_rate", "zh")
    assert LABELS["zh"]["completion_rate_reported"].startswith("办结率")
    assert "办结率" not in LABELS["zh"]["completion_rate"]
    assert "hidden" in label("completion_rate", "en")


def test_parameters_have_readable_labels():
    assert param_label("cadres.sunk.count") == "sunk cadres"
    assert param_label("cadres.sunk.count", "zh") == "下沉干部人数"
    assert (param_label("cadres.sunk.service_days"), param_label("cadres.sunk.service_days", "zh")) == ("service days", "服务日")
    assert label("issue_types.dispute.sla_hours") == "dispute: SLA (h)"
    for key in ("cadres.police.days", "visits.interrupt_priority", "wartime.mobilisation_hours", "a.b.c_d"):
        for lang in g.LANGS:
            assert not IDENTIFIER.search(label(key, lang)), (key, lang)


def test_values_and_weekdays():
    assert value_label("cadres.sunk.service_days", ["Mon", "Thu"]) == "Mon+Thu"
    assert value_label("cadres.sunk.service_days", "Mon+Thu", "zh") == "周一、周四"
    assert value_label("cadres.sunk.allocation", "households", "zh") == "按户数分配"
    assert value_label("cadres.sunk.count", 800) == "800"
    assert [label(f"weekday:{d}", "zh") for d in ("Mon", "Sun")] == ["周一", "周日"]
    assert label("role:community") == "community office" and label("level:community") == "community"


class _Type:  # an issue type as the pydantic scenario holds it
    label = "neighbour dispute"
    label_zh = "邻里纠纷"


def test_scenario_labels_and_fallbacks():
    sc = {"policies": {"pooled": {"label": "Pooled by community", "label_zh": "社区统筹"}, "two_days": {}},
          "issue_types": {"dispute": _Type()}}
    assert label("pooled", "en", sc) == "Pooled by community" and label("policy:pooled", "zh", sc) == "社区统筹"
    assert label("policy:two_days", "en", sc) == "two days"  # no label: words, not the identifier
    assert label("type:dispute", "zh", sc) == "邻里纠纷"
    assert label("resolved_dispute", "en", sc) == "neighbour dispute: resolved"
    only_en = {"policies": {"pooled": {"label": "Pooled"}}}
    assert label("policy:pooled", "zh", only_en) == "Pooled"  # zh falls back to the English label


def test_bad_language_is_an_error():
    with pytest.raises(ValueError, match="allowed: en, zh"):
        label("backlog_mean", "fr")


def test_labels_module_keeps_its_keys():
    old = ["day", "backlog", "coverage", "resolution_days", "share_resolved", "utilization", "role", "t_backlog",
           "t_ecdf", "t_coverage", "t_util", "t_grid_p90", "t_grid_cov", "t_policy", "t_forest", "diff_pct",
           "t_sweep", "t_heat", "emergency", "wartime", "warmup", "all_types", "sla_line", "mean_band", "daily", "meets",
           "weekly_band", "street", "community", "source", "grid_workers", "sunk", "police", "community_role",
           "street_role", "department", *KEY_METRICS, "sla_attainment", "backlog_mean", "wait_hours_mean",
           "coverage_min_grid", "completion_rate_reported"]
    for lang in ("en", "zh"):
        assert set(old) <= set(LABELS[lang]), set(old) - set(LABELS[lang])
        assert LABELS[lang]["source"].format(scenario="s", what="w", n=2, seed=1)
    assert SCALE["coverage_mean"] == 100 and SCALE["resolution_hours_mean"] == 1.0
    assert LABELS["en"]["resolution_hours_mean"] == "mean resolution time (h)"
    assert axis("resolution_hours_p90", [30.0, 100.0]) == (1 / 24, "p90 resolution time (days)")
    assert axis("utilization_sunk", [0.4], "zh") == (100.0, "下沉干部忙碌率（%）")


def _zh_texts() -> list[tuple[str, str]]:
    """(key, Chinese text) of every term of the glossary."""
    out = [(k, m.zh) for k, m in g.METRICS.items()] + [(k, m.zh) for k, m in g.PATTERNS]
    for table in (g.UNITS, g.BETTER, g.ROLES, g.LEVELS, g.WEEKDAYS, g.PARAMS, g.TYPE_PARAMS, g.VALUES, g.WORDS):
        out += [(str(k), zh) for k, (_, zh) in table.items()]
    return out


# the only Latin words a Chinese reader meets: the program's name, an option, the seeding formula, method names
LATIN_IN_ZH = {"gridsim", "set", "SeedSequence", "root", "spawn_key", "k", "MCB", "Morris", "Sobol", "S1", "ST",
               "wartime", "pause_visits", "false", "summary", "json", "ensemble",
               "comparison", "i", "n", "r"}  # keys and files the reader may open


def test_chinese_terms_carry_no_english_words():
    for key, text in _zh_texts():
        latin = set(re.findall(r"[A-Za-z][A-Za-z0-9_]*", re.sub(r"\{\w*\}", "", text)))
        assert latin <= LATIN_IN_ZH, (key, text, latin - LATIN_IN_ZH)


def test_one_chinese_term_per_concept():
    texts = [text for _, text in _zh_texts()]
    # hidden needs are 隐性诉求: 隐患 is the issue type 安全隐患 (hazards), 隐匿 an older word for the same need
    assert not [t for t in texts if "隐患" in t or "隐匿" in t]
    hidden = [label("hidden_found_by_visit_share", "zh"), label("visits.discovery_probability", "zh"),
              label("issue_types.dispute.hidden_share", "zh"), label("completion_rate", "zh")]
    assert all("隐性诉求" in t for t in hidden), hidden
    # 方案 is a policy only: a sweep's design point is a 参数组合
    assert not [t for t in texts if "方案点" in t]
    assert label("h_point", "zh") == "参数组合" and "参数组合" in label("a_points", "zh")
    # the level above the street is 区级部门 everywhere (not 职能部门)
    assert {label("role:department", "zh"), label("level:department", "zh")} == {"区级部门"}
    assert not [t for t in texts if "职能部门" in t]
    assert not [t for t in texts if "下岗" in t]  # 下岗 reads as 'laid off': a shift ends at 下班


def test_no_chinese_word_doubled():
    """A typo such as 现行方案方案: no two-character word straight after itself."""
    for key, text in _zh_texts():
        assert not re.search(r"([\u4e00-\u9fff]{2})\1", text), (key, text)


def test_campaigns_tasks_and_named_roles_are_named_by_their_labels():
    from sim.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "baota.toml", "registration_drive")
    assert g.metric_label("campaign_registration_households_visited", "zh", sc) == "集中入户登记：走访户数"
    assert g.metric_label("campaign_registration_households_visited", "en", sc) == "registration drive: households visited"
    assert g.metric_label("utilization_registration_drive", "zh", sc).startswith("入户登记干部")
    tf = load_scenario(ROOT / "scenarios" / "tiefeng.toml")
    assert g.metric_label("task_notify_households_on_time_share", "zh", tf).startswith("通知住户")


def test_an_axis_of_differences_of_a_share_is_in_percentage_points():
    # the selection figure and the difference maps: a share's differences never labelled %
    assert diff_label(axis_label("coverage_mean"), "coverage_mean") == \
        "share of households visited within the interval (percentage points)"
    assert diff_label(axis_label("coverage_mean", "zh"), "coverage_mean", "zh") == "入户走访覆盖率（个百分点）"
    assert diff_label(axis_label("resolution_hours_p90"), "resolution_hours_p90") == "p90 resolution time (h)"


def test_a_deeper_issue_type_key_names_its_type_and_its_field_in_one_language():
    sc = {"issue_types": {"assistance": {"label": "assistance to residents", "label_zh": "帮扶求助"}}}
    key = "issue_types.assistance.service_time.mean"
    assert param_label(key, "en", sc) == "assistance to residents: service time, mean"
    assert param_label(key, "zh", sc) == "帮扶求助：办理用时均值"  # no English fragment
    assert param_label("issue_types.assistance.lead_time_by_level.street.mean", "zh", sc) == "帮扶求助：街道流转等待时间均值"
    assert param_label("issue_types.assistance.service_time_by_level.police", "en", sc) == \
        "assistance to residents: service time at police grid"


def test_a_run_without_a_policy_is_the_base_scenario_in_chinese():
    assert label("policy:base", "zh") == "基准情景" and label("policy:base", "en") == "base"
