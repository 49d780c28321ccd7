"""Every term a reader sees, in English and Chinese, in one place (docs/glossary.md is made from it).

Metrics (exact names and the per-role/type/place/campaign/task patterns of docs/metrics.md)
carry their unit, the direction that is better, and how a person reads them; roles,
levels, weekdays, units, the common parameter keys and their values, and the words of
figures and tables have a label in each language.  ``label`` is the one entry point: it
never hands a reader a dotted key or a Python identifier, falling back to the scenario's
own ``label``/``label_zh`` for policies and issue types, then to words made from the name.

Over 450 lines: mostly tables of terms, kept in one module so that figures, reports and the workbook
say the same thing; the functions are short.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Metric:
    """A metric (or metric pattern, with ``{x}`` for the part its name varies in)."""

    en: str
    zh: str
    unit: str  # stored unit: hours, days, cadre_hours, share, issues, households, cost, count
    better: str = "none"  # higher, lower, none

    @property
    def reads(self) -> str:
        """How a person reads the number (the unit rule of sim.outputs.numbers)."""
        return READS[self.unit]


# how each stored unit is shown to a person (numbers.py applies it)
READS = {"hours": "hours; beside a label, days when 72 h or more", "days": "days",
         "cadre_hours": "cadre-hours; beside a label, cadre-days (8 h)",
         "share": "%", "issues": "count", "households": "count", "cost": "the scenario's cost unit",
         "count": "count"}
# unit names a reader sees, in each language
UNITS = {
    "hours": ("h", "小时"), "days": ("days", "天"), "cadre_days": ("cadre-days", "人日"),
    "cadre_hours": ("cadre-hours", "人时"), "percent": ("%", "%"), "points": ("percentage points", "个百分点"),
    "issues": ("issues", "件"), "households": ("households", "户"), "cost": ("cost units", "成本单位"),
    "count": ("", ""),
}
BETTER = {"higher": ("higher is better", "越高越好"), "lower": ("lower is better", "越低越好"),
          "none": ("neither", "无优劣方向")}

_H, _S, _C, _I = "hours", "share", "cadre_hours", "issues"
METRICS: dict[str, Metric] = {
    "issues_arrived": Metric("issues that occurred", "发生事项数", _I),
    "issues_reported": Metric("issues reported or found", "上报或发现事项数", _I),
    "issues_known_in_window": Metric("issues known in the window", "期内获知事项数", _I),
    "issues_resolved": Metric("issues resolved by the end", "期末前办结事项数", _I, "higher"),
    "issues_open_at_horizon": Metric("issues open at the end", "期末未办结事项数", _I, "lower"),
    "issues_unresolved_at_run_end": Metric("issues never resolved", "运行结束仍未办结事项数", _I, "lower"),
    "completion_rate": Metric("completion, all issues incl. hidden", "完成率（含隐性诉求）", _S, "higher"),
    "completion_rate_reported": Metric("completion rate (reported issues)", "办结率", _S, "higher"),
    "wait_hours_mean": Metric("mean wait", "平均等待时长", _H, "lower"),
    "resolution_hours_mean": Metric("mean resolution time", "平均办理时长", _H, "lower"),
    "resolution_hours_p50": Metric("median resolution time", "办理时长中位数", _H, "lower"),
    "resolution_hours_p90": Metric("p90 resolution time", "办理时长第90百分位", _H, "lower"),
    "resolution_hours_p95": Metric("p95 resolution time", "办理时长第95百分位", _H, "lower"),
    "true_resolution_hours_mean": Metric("mean time from occurrence to resolution", "从发生到办结的平均时长", _H,
                                         "lower"),
    "true_resolution_hours_p90": Metric("p90 time from occurrence to resolution", "从发生到办结时长的第90百分位", _H,
                                        "lower"),
    "sla_attainment": Metric("resolved within SLA", "按时办结率", _S, "higher"),
    "escalation_rate": Metric("resolved above grid level", "网格以上层级办结比例", _S),
    "escalated_by_delay_rate": Metric("escalated by delay (left waiting too long)", "因久拖未办而上交比例", _S, "lower"),
    "petitions": Metric("petitions above the district (越级上访)", "越级上访件数", _I, "lower"),
    "petition_rate": Metric("share that became petitions", "越级上访比例", _S, "lower"),
    "lead_hours_mean": Metric("mean waiting time between levels", "层级流转平均时长", _H, "lower"),
    "supervised_share": Metric("supervised (overran a time limit)", "督办比例", _S, "lower"),
    "hidden_found_by_visit_share": Metric("hidden issues found by visits", "隐性诉求经走访发现比例", _S, "higher"),
    "backlog_mean": Metric("mean backlog", "平均积压事项数", _I, "lower"),
    "backlog_max": Metric("peak backlog", "最大积压事项数", _I, "lower"),
    "backlog_mean_in_emergencies": Metric("mean backlog in emergencies", "突发事件期间平均积压事项数", _I, "lower"),
    "coverage_mean": Metric("share of households visited within the interval", "入户走访覆盖率", _S, "higher"),
    "coverage_grid_mean": Metric("grids' share visited within the interval, unweighted mean",
                                 "各网格入户走访覆盖率的简单平均", _S, "higher"),
    "coverage_min_grid": Metric("worst grid's share of households visited within the interval",
                                "最差网格入户走访覆盖率", _S, "higher"),
    "households_visited": Metric("households visited at least once in the window", "统计期内至少走访一次的户数", "households", "higher"),
    "cadre_hours_on_duty": Metric("cadre time on duty", "干部在岗工作量", _C, "lower"),
    "cadre_hours_on_issues": Metric("cadre time on issues", "办理事项用时", _C),
    "cadre_hours_visiting": Metric("cadre time visiting", "入户走访用时", _C),
    "cadre_hours_idle": Metric("cadre time idle", "在岗空闲时间", _C),
    "cadre_hours_on_tasks": Metric("cadre time on emergency tasks", "突发任务用时", _C),
    "cadre_hours_rostered": Metric("cadre time rostered", "排班工作量", _C),
    "cadre_hours_overtime": Metric("cadre time in overtime (past shift ends)", "加班时长", _C),
    "attendance_share": Metric("attendance", "出勤率", _S, "higher"),
    "cost_total": Metric("total cost", "总成本", "cost", "lower"),
    "wartime_hours": Metric("time in wartime mode", "战时状态时长", _H),
    "wartime_cadre_hours": Metric("cadre time in wartime", "战时干部投入", _C, "lower"),
    "wartime_post_hours": Metric("cadre time on wartime posts", "战时岗位投入", _C),
}
# name patterns, most specific first (resolved_share_<place> before resolved_<type>); the
# part in angle brackets names what fills {x}: a role, issue type, level (place) or name
PATTERNS: list[tuple[str, Metric]] = [
    ("utilization_<role>", Metric("utilization: {x}", "{x}忙碌率", _S)),
    ("cadre_hours_on_duty_<role>", Metric("time on duty: {x}", "{x}在岗工作量", _C, "lower")),
    ("cost_<role>", Metric("cost: {x}", "{x}成本", "cost", "lower")),
    ("resolved_share_<place>", Metric("share resolved at {x}", "{x}办结占比", _S)),
    ("resolution_hours_mean_<place>", Metric("mean resolution time at {x}", "{x}平均办理时长", _H, "lower")),
    ("arrived_<type>", Metric("{x}: occurred", "{x}：发生数", _I)),
    ("reported_<type>", Metric("{x}: reported", "{x}：上报数", _I)),
    ("resolved_<type>", Metric("{x}: resolved", "{x}：办结数", _I, "higher")),
    ("campaign_<name>_households_visited", Metric("{x}: households visited", "{x}：走访户数", "households", "higher")),
    ("campaign_<name>_target_share", Metric("{x}: share of target", "{x}：目标完成比例", _S, "higher")),
    ("campaign_<name>_days_to_target", Metric("{x}: days to target", "{x}：达标用时", "days", "lower")),
    ("task_<name>_on_time_share", Metric("{x}: done on time", "{x}：按时完成比例", _S, "higher")),
    ("task_<name>_days_to_done", Metric("{x}: days to done", "{x}：完成用时", "days", "lower")),
]

ROLES = {"grid_workers": ("grid workers", "网格员"), "sunk": ("sunk cadres", "下沉干部"),
         "police": ("police officers", "警格民警"), "community": ("community office", "社区"),
         "street": ("street office", "街道"), "department": ("departments", "区级部门")}
LEVELS = {"grid": ("grid", "网格"), "community": ("community", "社区"), "street": ("street", "街道"),
          "department": ("department", "区级部门"), "police": ("police grid", "警格")}
WEEKDAYS = {"Mon": ("Mon", "周一"), "Tue": ("Tue", "周二"), "Wed": ("Wed", "周三"), "Thu": ("Thu", "周四"),
            "Fri": ("Fri", "周五"), "Sat": ("Sat", "周六"), "Sun": ("Sun", "周日")}
# the levers researchers vary most; any other key gets words made from its last parts
PARAMS = {
    "cadres.sunk.count": ("sunk cadres", "下沉干部人数"),
    "cadres.sunk.service_days": ("service days", "服务日"),
    "cadres.sunk.days_per_cadre": ("service days per cadre", "每人每周服务天数"),
    "cadres.sunk.allocation": ("sunk cadre allocation", "下沉干部分配方式"),
    "cadres.sunk.per_grid": ("sunk cadres per grid", "各网格下沉干部人数"),
    "cadres.sunk.department_types": ("issue types sunk cadres settle at the grid", "下沉干部在网格办结的部门事项类型"),
    "cadres.sunk.start_hour": ("sunk cadres' start hour", "下沉干部上班时间"),
    "cadres.sunk.end_hour": ("sunk cadres' end hour", "下沉干部下班时间"),
    "cadres.grid_workers.per_grid": ("grid workers per grid", "每个网格的网格员人数"),
    "cadres.grid_workers.days": ("grid workers' days", "网格员工作日"),
    "cadres.police.count": ("police grids", "警格数"),
    "cadres.police.officers_per_unit": ("officers per police grid", "每警格民警人数"),
    "cadres.police.blocks": ("how police grids group grids", "警格划分方式"),
    "levels.community.staff_per_unit": ("community office staff", "社区办理人员数"),
    "levels.street.staff_per_unit": ("street office staff", "街道办理人员数"),
    "levels.department.staff_per_unit": ("department staff", "区级部门办理人员数"),
    "dispatch.rule": ("dispatch rule", "派单方式"),
    "dispatch.at_shift_end": ("unfinished work at shift end", "下班时未完成事项的处理方式"),
    "dispatch.travel": ("travel time", "路途时间"),
    "dispatch.speed_kmh": ("travel speed (km/h)", "出行速度（公里/小时）"),
    "dispatch.overhead_hours": ("fixed time per trip (h)", "每趟固定耗时（小时）"),
    "visits.target_interval_days": ("visit interval (days)", "走访周期（天）"),
    "visits.households_per_hour": ("households visited per hour", "每小时走访户数"),
    "visits.discovery_probability": ("chance a visit finds a hidden issue", "走访发现隐性诉求的概率"),
    "visits.mode": ("visiting mode", "走访方式"),
    "wartime.trigger": ("wartime trigger", "战时启动方式"),
    "wartime.enter_backlog_per_grid": ("wartime starts at backlog per grid", "启动战时的积压事项数（每网格）"),
    "wartime.exit_backlog_per_grid": ("wartime ends at backlog per grid", "结束战时的积压事项数（每网格）"),
    "calendar.horizon_days": ("run length (days)", "模拟时长（天）"),
    "calendar.warmup_days": ("warm-up (days)", "预热期（天）"),
    "grids.generate.count": ("grids", "网格数"),
}
# parameter keys ending in a field every issue type has: issue_types.<type>.<field>
TYPE_PARAMS = {"rate_per_1000_households_per_week": ("{x}: rate per 1,000 households a week", "{x}：每千户每周发生数"),
               "hidden_share": ("{x}: hidden share", "{x}：隐性诉求占比"), "sla_hours": ("{x}: SLA (h)", "{x}：办理时限（小时）"),
               "priority": ("{x}: priority", "{x}：优先级"),
               "supervised_priority": ("{x}: priority once supervised", "{x}：督办后优先级")}
# deeper keys of an issue type, issue_types.<type>.<field>[.<level>][.<part>]: the field's words (a *_by_level
# field is its base field at one level), then the part's (a distribution's parameter)
TYPE_FIELDS = {"service_time": ("service time", "办理用时"), "intake_time": ("intake time", "受理用时"),
               "report_delay": ("report delay", "上报延迟"), "feedback_time": ("feedback time", "回访用时"),
               "lead_time": ("lead time", "流转等待时间"), "time_limit": ("time limit", "督办时限"),
               "level": ("share resolved", "办结占比"), "resolve_chance": ("chance settled", "办结概率")}
FIELD_PARTS = {"mean": ("mean", "均值"), "cv": ("CV", "变异系数"), "value": ("value", "取值"), "low": ("low", "下限"),
               "high": ("high", "上限"), "dist": ("distribution", "分布"), "file": ("file", "文件"),
               "column": ("column", "列")}
# values of the enumerated levers
VALUES = {"equal": ("equal", "平均分配"), "households": ("by households", "按户数分配"),
          "own_grid": ("own grid", "本网格办理"), "community_pool": ("community pool", "社区统筹"),
          "resume": ("resume next shift", "下一班继续"), "handback": ("hand back", "交回待派"),
          "idle": ("when idle", "空闲时走访"), "scheduled": ("scheduled", "按计划"), "off": ("off", "不启动"),
          "backlog": ("backlog threshold", "积压阈值"), "both": ("scheduled or backlog", "计划或积压"),
          "explicit": ("grid by grid", "逐网格指定"), "drawn": ("drawn per issue", "按事项抽样"),
          "distance": ("by distance", "按距离计算"), "consecutive": ("consecutive grids", "按网格顺序划分"),
          "contiguous": ("contiguous blocks", "按地理相邻划分"),
          True: ("yes", "是"), False: ("no", "否")}
# words of figures and tables (the keys figures use: see sim/outputs/plots/labels.py)
WORDS: dict[str, tuple[str, str]] = {
    "day": ("day of the run (days)", "模拟天数（天）"), "backlog": ("open issues (count)", "未办结事项（件）"),
    "coverage": ("households visited (% of all)", "已走访住户（占全部住户的%）"),
    "resolution_days": ("resolution time (days)", "办理时长（天）"),
    "share_resolved": ("share of issues resolved (%)", "已办结事项占比（%）"),
    "utilization": ("time working on issues (% of duty)", "办理事项时间占在岗时间（%）"), "role": ("role", "岗位"),
    "t_backlog": ("Open issues day by day, {days} days", "未办结事项逐日变化（{days}天）"),
    "date": ("date", "日期"), "month_of": ("{y}", "{y}年"),
    "t_ecdf": ("How long residents wait for a resolution", "群众诉求办理时长分布"),
    "t_coverage": ("Household visit coverage over time", "入户走访覆盖率变化"),
    "t_coverage_days": ("Households visited in the last {interval} days, day by day, {days} days",
                        "近{interval}天内入户走访覆盖率逐日变化（{days}天）"),
    "cov_wartime": ("In wartime visits go on (wartime.pause_visits = false): cadres on daily wartime duty spend every "
                    "hour no issue takes on visits{reach}. Emergency work that is not an issue (patrols, clearing) is "
                    "not modelled, so this overstates visiting in an emergency.",
                    "战时未暂停走访（wartime.pause_visits = false）：战时每日在岗的干部把办理事项以外的全部时间用于入户走访"
                    "{reach}。模型未包含事项以外的应急工作（巡查、清淤等），因此高估了突发事件期间的走访。"),
    "cov_wartime_reach": (", so coverage reaches 100% and stays there for up to {interval} days after",
                          "，覆盖率因此升至100%，并在其后最多{interval}天内保持"),
    "grid_layout": ("(streets ↓, communities →)", "（街道↓，社区→）"),
    "t_util": ("How busy each role is with issues", "各岗位办理事项的忙碌程度"),
    "t_grid_p90": ("Where issues take longest: p90 resolution by grid", "各网格办理时长（第90百分位）"),
    "t_grid_cov": ("Where visits fall short: coverage by grid", "各网格入户走访覆盖率"),
    "t_grid_backlog": ("Where issues pile up: mean backlog by grid", "各网格平均积压事项"),
    "t_map_diff": ("{metric}: difference from {base}", "{metric}：与{base}之差"),
    "map_unclear": ("hatched grey: the grid's paired 95% CI includes zero, so its difference is not told apart from "
                    "none ({n} replications)", "灰色斜线：该网格差值的配对95%置信区间含零，与无差异无法区分（{n}次重复）"),
    "map_synthetic": ("synthetic layout (the scenario gives no geometry): grid areas ∝ √households",
                      "示意布局（情景未给出网格边界）：网格面积与户数平方根成正比"),
    "map_layout_per_replication": ("each replication drew its own layout: drawn here is replication 0's, each grid's "
                                   "value is its mean over the replications' layouts",
                                   "各次重复各自生成网格布局：图中为第0次重复的布局，各网格数值为其在各次重复布局下的均值"),
    "map_km": ("km", "公里"),
    "t_policy": ("Policies compared: means and 95% CIs", "方案比较：均值与95%置信区间"),
    "t_forest": ("Difference from {base} (paired 95% CI)", "与{base}之差（配对95%置信区间）"),
    "diff_pct": ("relative difference from {base} (% of its mean)", "与{base}的相对差（占其均值的%）"),
    "t_ensemble": ("{policy} − {base} in each plausible parameter set", "各合理参数组中{policy}与{base}之差"),
    "t_ensemble_rows": ("(paired 95% CI; a row per set, sorted)", "（配对95%置信区间；每行一个参数组，按差值排序）"),
    "ensemble_of": ("{k} plausible parameter sets of {file}", "{file}中的{k}个合理参数组"),
    "t_ensemble_policy": ("Each policy in each of {k} plausible parameter sets", "{k}个合理参数组中各方案的结果"),
    "t_ensemble_policy_rows": ("(a dot per set: its mean over the replications; a line joins one set's dots;\n"
                               "◆ mean over the sets; dashed: {base}'s)",
                               "（每点为一个参数组各次重复的均值；同一参数组的点以细线相连；\n◆为各参数组的平均；虚线：{base}）"),
    "pooled_sets": ("Pooled over {k} plausible parameter sets: an average over them, not one district; per set: "
                    "figures ensemble-*", "合并{k}个合理参数组的全部运行：为各参数组的平均，并非某一辖区的结果；"
                    "各参数组的结果见ensemble-*图"),
    "t_sweep": ("{metric} against {param}", "{metric}随{param}的变化"),
    "t_heat": ("{metric} by design point", "各参数组合的{metric}"),
    "sweep_of": ("sweep of {factors}", "参数扫描：{factors}"),
    "target_line": ("target: {rule}", "目标：{rule}"),
    "base_policy": ("base", "基准情景"),
    "target_line_default": ("illustrative, not published: {rule}", "示意阈值（非公开目标）：{rule}"),
    "emergency": ("emergency", "突发事件"), "wartime": ("wartime mode", "战时状态"), "warmup": ("warm-up", "预热期"),
    "all_types": ("all issues", "全部事项"), "sla_line": ("{type} SLA", "{type}时限"),
    "reference_line": ("dashed: {base}", "虚线：{base}"), "visits_paused": ("visits paused", "暂停走访"),
    "mean_band": ("mean, 95% CI", "均值及95%置信区间"), "daily": ("daily mean", "日均值"),
    "meets": ("outlined: meets every target", "满足全部目标者加框"),
    "boxed": (" (□):", "（□）："),
    "weekly_band": ("7-day mean, 95% CI", "7日均值及95%置信区间"), "street": ("street", "街道"),
    "community": ("community", "社区"),
    "source": ("gridsim · {scenario} · {what} · {n} replications · seed {seed}",
               "gridsim · {scenario} · {what} · {n}次重复 · 随机种子 {seed}"),
    "source_each": ("gridsim · {scenario} · {what} · {n} replications per candidate · seed {seed}",
                    "gridsim · {scenario} · {what} · 每个候选方案{n}次重复 · 随机种子 {seed}"),
    "findings": ("Findings", "结论"),
    # table headers (the Excel workbook, report tables)
    "h_metric": ("metric", "指标"), "h_label": ("label", "名称"), "h_unit": ("unit", "单位"),
    "h_mean": ("mean", "均值"), "h_ci_lo": ("CI low (95%)", "95%置信区间下限"),
    "h_ci_hi": ("CI high (95%)", "95%置信区间上限"), "h_n": ("n (replications)", "重复次数"),
    "h_better": ("better", "更优方向"), "h_policy": ("policy", "方案"), "h_point": ("point", "参数组合"),
    "h_candidate": ("candidate", "候选方案"), "h_sunk_cadres": ("sunk cadres", "下沉干部人数"),
    "a_levers": ("levers searched", "决策变量"), "a_targets": ("targets", "目标"), "a_answer": ("answer", "结果"),
    "h_reference": ("reference", "参照方案"), "h_diff": ("difference from reference", "与参照方案之差"),
    "h_diff_lo": ("difference CI low", "差值置信区间下限"), "h_diff_hi": ("difference CI high", "差值置信区间上限"),
    "h_distinct": ("distinguishable", "可以区分"), "h_replication": ("replication", "重复序号"),
    "h_seed": ("seed", "随机种子"), "h_seed_sequence": ("seed sequence", "随机种子序列"),
    "h_grid": ("grid", "网格"), "h_households": ("households", "户数"),
    "h_issues": ("issues", "事项数"), "h_backlog": ("mean backlog", "平均积压"),
    "h_item": ("item", "项目"), "h_value": ("value", "内容"),
    "h_coverage": ("share of households visited within the interval", "入户走访覆盖率"), "h_p90": ("p90 resolution time", "办理时长第90百分位"),
    "yes": ("yes", "是"), "no": ("no", "否"),
    # the workbook's 'about' sheet
    "a_scenario": ("scenario", "情景"), "a_file": ("scenario file", "情景文件"),
    "a_command_line": ("command (as reconstructed)", "命令（据记录重建）"), "a_command": ("command", "命令类型"),
    "a_policy": ("policy", "方案"), "a_policies": ("policies", "比较方案"), "a_reference": ("reference policy", "参照方案"),
    "a_design": ("design", "试验设计"), "a_factors": ("factors", "因素"), "a_points": ("design points", "参数组合数"),
    "a_replications": ("replications per variant", "每个方案（参数组合）的重复次数"), "a_seed": ("root seed", "根随机种子"),
    "a_seeds": ("seeding", "随机种子设置"), "a_version": ("{name} version", "{name}版本"),
    "seeds_scheme": ("replication k of every variant (policy, design point or candidate): SeedSequence(root, "
                     "spawn_key=(k,)), common random numbers; the streams are derived from it by name",
                     "各方案（参数组合、候选方案）的第k次重复使用同一随机种子 SeedSequence(root, spawn_key=(k,))，"
                     "即共同随机数；各随机数流按名称由其派生"),
    "a_overrides": ("overrides (--set)", "参数覆盖（--set）"), "a_window": ("run length, warm-up (days)", "模拟时长、预热期（天）"),
    "a_results_date": ("results written", "结果生成时间"), "a_book_date": ("workbook written", "工作簿生成时间"),
    "a_folder": ("results folder", "结果文件夹"), "a_warnings": ("warnings", "提示（程序原文，英文）"),
    "a_runs_failed": ("runs failed", "运行失败次数"), "a_grids": ("per-grid numbers", "网格数据说明"),
    "a_units": ("units", "单位说明"),
    "a_pooled": ("plausible parameter sets", "合理参数组"),
    "pooled_note": ("summary and comparison pool the runs of all {k} sets (set i's replication r as i*n + r): "
                    "averages over the plausible sets, with CIs that count the sets' differences as noise, no one "
                    "district's; sheet ensemble gives each set's paired difference and verdict",
                    "summary和comparison表合并全部{k}个参数组的运行（第i组第r次重复记为第i*n + r次）：为各合理参数组的平均，"
                    "其置信区间把组间差异当作随机误差，并非某一辖区的结果；各组的配对差值与判定见ensemble表"),
    "units_note": ("each metric in the unit its name says, as in summary.json: durations in hours, cadre time in "
                   "cadre-hours; shares as %, their differences in percentage points",
                   "各指标的单位与其名称一致（同summary.json）：时长以小时计，干部工作量以人时计；比例以%表示，比例之差以百分点表示"),
    "grids_series": ("mean over replications of each run's per-grid values", "各次重复中网格数值的均值"),
    "grids_layout": ("layout only: this command keeps no per-grid series", "仅网格信息：本命令未保存网格序列"),
    "grids_per_replication": ("each replication drew its own layout: a grid's numbers are means over the "
                              "replications' layouts, its households replication 0's",
                              "各次重复各自生成网格布局：各网格数值为其在各次重复布局下的均值，户数为第0次重复的"),
    # the selection figure (compare --select-best)
    "sel_title": ("Which policy is best on {metric}?", "哪个方案的{metric}最优？"),
    "sel_x": ("mean minus the best of the others: {axis}", "与其他方案中最优者之差：{axis}"),
    "sel_zone": ("grey: indifference zone ±δ = {delta}", "灰色：无差异区间 ±δ = {delta}"),
    "sel_selected": ("selected", "选定"),
    "sel_out": ("out after {n}", "{n}次重复后淘汰"),
    "sel_contention": ("still in contention", "仍在比较"),
    "sel_tied": ("tied (identical)", "并列（数值相同）"),
    "sel_note": ("lines: {conf} MCB intervals; dots: difference of means; {better} is better",
                 "线段：{conf} MCB区间（与最优者的多重比较）；点：均值之差；{better}"),
    "sel_lower": ("lower", "越低越好"), "sel_higher": ("higher", "越高越好"),
    # the optimization figures
    "opt_title": ("What meeting the target costs: {metric}", "达标的代价：{metric}"),
    "opt_feasible": ("shown to meet every target", "确认全部达标"),
    "opt_infeasible": ("not shown to meet them", "未确认达标"),
    "opt_chosen": ("chosen: the cheapest shown to meet them", "选定：确认达标中最省者"),
    "opt_front": ("trade-off curve (Pareto front)", "权衡曲线（帕累托前沿）"),
    "opt_threshold": ("target {target}", "目标 {target}"),
    "opt_what": ("optimize, {n} candidates; bars: 95% CIs", "优化，{n}个候选方案；误差线：95%置信区间"),
    "opt_what_decided": ("optimize, {n} candidates; vertical bars: the intervals each check decided with (each end "
                         "one-sided at {level}); horizontal bars: 95% CIs of the cost",
                         "优化，{n}个候选方案；竖线：各次检验判定所用的区间（两端各为{level}单侧界）；横线：成本的95%置信区间"),
    "opt_decided_apart": ("interval decided with (the hardest parameter set's runs)", "判定所用区间（最难达标参数组的运行）"),
    "opt_what_apart": ("optimize over parameter sets, {n} candidates; points: means over every set, thin bars: their "
                       "95% CIs; wide pale bars: the interval each check decided with, from the set where the target "
                       "is hardest to meet (each end one-sided at {level})",
                       "多参数组优化，{n}个候选方案；点：各组合并均值，细线：其95%置信区间；宽浅色线：各次检验判定所用区间，"
                       "来自最难达标的参数组（两端各为{level}单侧界）"),
    "opt_cadres": ("sunk cadres per grid", "各网格下沉干部人数"), "opt_cadres_unit": ("cadres", "人"),
    "opt_coverage": ("coverage reached with them", "由此达到的入户走访覆盖率"),
    "opt_map_title": ("Where the {n} sunk cadres go: the cheapest allocation meeting the targets",
                      "{n}名下沉干部的去向：达标的最省分配"),
    # the sensitivity figures
    "sens_t_morris": ("Which assumptions move it: {metric}\nMorris screening", "哪些假设影响{metric}\nMorris筛选法"),
    "sens_t_sobol": ("Which assumptions move it: {metric}\nSobol indices", "哪些假设影响{metric}\nSobol指数"),
    "sens_mu_star": ("μ*: mean |effect| ({unit})", "μ*：平均绝对效应（{unit}）"),
    "sens_sigma": ("σ: spread of the effects ({unit})", "σ：效应的离散程度（{unit}）"),
    "sens_diagonal": ("σ = μ*", "σ = μ*"),
    "sens_share": ("share of the variance of the point means", "占各参数组合均值方差的比例"),
    "sens_share_expected": ("share of the variance of the expected output", "占期望输出方差的比例"),
    "sens_S1": ("S1 (factor alone)", "S1（单独作用）"), "sens_ST": ("ST (with interactions)", "ST（含交互作用）"),
    "sens_noise": ("noise share {x}", "噪声占比 {x}"),
    "sens_small": ("Warning: the sample is too small for these indices (some are values no true index can have, "
                   "0 ≤ S1 ≤ ST ≤ 1, or their intervals are wider than [0, 1]): read them as unreliable, and run more "
                   "samples.", "警告：样本量不足以估计这些指数（部分估计值超出真实指数的可能范围0 ≤ S1 ≤ ST ≤ 1，"
                   "或其区间比[0, 1]还宽）：这些指数不可靠，需要更多样本。"),
    "sens_small_emulator": ("Warning: the emulator gives indices no true index can have (0 ≤ S1 ≤ ST ≤ 1), beyond "
                            "their Monte Carlo error: read them as unreliable, and use more design points or "
                            "replications.", "警告：代理模型给出的指数超出真实指数的可能范围0 ≤ S1 ≤ ST ≤ 1，且超出其蒙特卡洛"
                            "误差：这些指数不可靠，需要更多设计点或重复。"),
    "sens_what": ("sensitivity ({method}, {points} points)", "敏感性分析（{method}，{points}个参数组合）"),
}
_KINDS = {"role": ROLES, "level": LEVELS, "place": LEVELS, "weekday": WEEKDAYS, "word": WORDS}


def lang_index(lang: str) -> int:
    """0 for English, 1 for Chinese; anything else is an error naming what is allowed."""
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r}: allowed: {', '.join(LANGS)}")
    return LANGS.index(lang)


def words(name: str) -> str:
    """Words made from an identifier or a dotted key: 'two_days' -> 'two days'."""
    return re.sub(r"\s+", " ", re.sub(r"[._]+", " ", str(name))).strip()


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _entry_label(entry: Any, lang: str) -> str | None:
    """An entry's own ``label_zh`` (in Chinese) or ``label``, if the scenario gives one."""
    return (_get(entry, "label_zh") if lang == "zh" else None) or _get(entry, "label") or None


def _own_label(scenario: Any, table: str, name: str, lang: str) -> str | None:
    """The ``label``/``label_zh`` a scenario gives its policy, issue type or named role."""
    if scenario is None:
        return None
    container = _get(scenario, table)
    if table == "roles":  # named roles live under cadres.roles
        container = _get(_get(scenario, "cadres"), "roles")
    entry = _get(container, name) if container is not None else None
    return None if entry is None else _entry_label(entry, lang)


def _operation_label(scenario: Any, name: str, lang: str) -> str | None:
    """The ``label``/``label_zh`` a scenario gives its campaign or emergency task called ``name``."""
    if scenario is None:
        return None
    tasks = [t for em in _get(scenario, "emergencies") or [] for t in _get(em, "tasks") or []]
    for entry in [*(_get(scenario, "campaigns") or []), *tasks]:
        if _get(entry, "name") == name:
            return _entry_label(entry, lang)
    return None


def emergency_label(em: Any, lang: str = "en") -> str:
    """An emergency (a scenario's ``[[emergencies]]`` entry) as readers see it: its label/label_zh, else its name
    in words."""
    own = _entry_label(em, lang)
    name = _get(em, "name")
    return own or (words(name) if name else WORDS["emergency"][lang_index(lang)])


def metric_info(name: str) -> tuple[Metric, str | None, str | None] | None:
    """(the metric's entry, the kind of its varying part, that part) or None if unknown."""
    if name in METRICS:
        return METRICS[name], None, None
    for pattern, m in PATTERNS:
        head, kind, tail = re.fullmatch(r"(.*)<(\w+)>(.*)", pattern).groups()
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail):
            return m, kind, name[len(head):len(name) - len(tail)]
    return None


def part_label(kind: str, name: str, lang: str = "en", scenario: Any = None) -> str:
    """A role, issue type, level/place, weekday, policy or campaign/task name as a reader sees it."""
    i = lang_index(lang)
    table = {"role": "roles", "type": "issue_types", "policy": "policies"}.get(kind)
    own = _own_label(scenario, table, name, lang) if table else _operation_label(scenario, name, lang) \
        if kind == "name" else None
    if own:
        return own
    if kind in _KINDS and name in _KINDS[kind]:
        return _KINDS[kind][name][i]
    if kind == "policy" and name == "base":  # a run without --policy: the file as written
        return WORDS["base_policy"][i]
    return words(name)


def metric_label(name: str, lang: str = "en", scenario: Any = None) -> str:
    info = metric_info(name)
    if info is None:
        return words(name)
    m, kind, part = info
    text = (m.en, m.zh)[lang_index(lang)]
    return text.format(x=part_label(kind, part, lang, scenario)) if kind else text


def param_label(key: str, lang: str = "en", scenario: Any = None) -> str:
    """A parameter key (``cadres.sunk.count``) as a reader sees it."""
    i = lang_index(lang)
    if key in PARAMS:
        return PARAMS[key][i]
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "issue_types" and parts[2] in TYPE_PARAMS:
        return TYPE_PARAMS[parts[2]][i].format(x=part_label("type", parts[1], lang, scenario))
    if len(parts) >= 3 and parts[0] == "issue_types":
        return part_label("type", parts[1], lang, scenario) + ("：" if i else ": ") + _type_field(parts[2:], lang)
    # the last two parts: 'cadres.police.days' -> 'police days' (the last alone is often 'count')
    return words(" ".join(parts[-2:]))


def _type_field(parts: list[str], lang: str) -> str:
    """An issue type's field and its parts in words, in one language: ['lead_time_by_level', 'street', 'mean'] ->
    'lead time at street, mean' / '街道流转等待时间均值' (Chinese never falls back to English words it has)."""
    i = lang_index(lang)
    field, rest = parts[0], parts[1:]
    base = field.removesuffix("_by_level")
    text = TYPE_FIELDS[base][i] if base in TYPE_FIELDS else words(base)
    # a level's entry: 'at street' / '街道'; resolve_chance's, a role's or an office's: 'by sunk cadres' / '下沉干部'
    owner = "level" if base != field or base == "level" else "role" if base == "resolve_chance" else None
    if owner and rest:
        at = part_label(owner, rest[0], lang)
        text, rest = (f"{at}{text}" if i else f"{text} {'at' if owner == 'level' else 'by'} {at}"), rest[1:]
    more = [FIELD_PARTS[p][i] if p in FIELD_PARTS else words(p) for p in rest]
    return "".join([text, *more]) if i else ", ".join([text, " ".join(more)] if more else [text])


def value_label(key: str, value: Any, lang: str = "en") -> str:
    """A parameter's value: weekday lists as 'Mon+Thu' / '周一、周四', enumerations in words."""
    i = lang_index(lang)
    if isinstance(value, (list, tuple)):
        shown = [value_label(key, v, lang) for v in value]
        return ("+", "、")[i].join(shown)
    if isinstance(value, str) and value and all(d in WEEKDAYS for d in value.split("+")):  # 'Mon+Thu'
        return ("+", "、")[i].join(WEEKDAYS[d][i] for d in value.split("+"))
    if isinstance(value, (str, bool)) and value in VALUES:
        return VALUES[value][i]
    return str(value)


def unit_label(unit: str, lang: str = "en") -> str:
    return UNITS[unit][lang_index(lang)]


def better_label(better: str, lang: str = "en") -> str:
    return BETTER[better][lang_index(lang)]


def word(key: str, lang: str = "en", **fill: Any) -> str:
    """A word of figures and tables (``WORDS``), with its ``{...}`` filled."""
    return WORDS[key][lang_index(lang)].format(**fill)


def label(term: str, lang: str = "en", scenario: Any = None) -> str:
    """Any term as a reader sees it.

    ``term`` may name its kind: ``role:sunk``, ``level:street``, ``weekday:Wed``,
    ``type:dispute``, ``policy:pooled``, ``param:cadres.sunk.count``, ``metric:...``,
    ``unit:hours``, ``word:t_backlog``.  Without a kind: a metric, a dotted parameter
    key, a figure word, a role, a level, a weekday, the scenario's policy or issue type,
    in that order; anything else becomes words.
    """
    i = lang_index(lang)
    kind, sep, name = term.partition(":")
    if sep and kind in ("metric", "param", "unit", "type", "policy", *_KINDS):
        if kind == "metric":
            return metric_label(name, lang, scenario)
        if kind == "param":
            return param_label(name, lang, scenario)
        if kind == "unit":
            return unit_label(name, lang)
        return part_label(kind, name, lang, scenario)
    if metric_info(term):
        return metric_label(term, lang, scenario)
    if "." in term:
        return param_label(term, lang, scenario)
    for table in (WORDS, ROLES, LEVELS, WEEKDAYS):
        if term in table:
            return table[term][i]
    for kind in ("policy", "type", "role"):
        own = _own_label(scenario, {"policy": "policies", "type": "issue_types", "role": "roles"}[kind], term, lang)
        if own:
            return own
    return words(term)


def glossary_markdown() -> str:
    """docs/glossary.md: every term of this module as tables (a test keeps the file current)."""
    out = ["# Glossary: what gridsim calls things, in English and Chinese", "",
           "Generated from `sim/outputs/glossary.py` by `glossary_markdown()`; do not edit by hand",
           "(`python -m sim.outputs.glossary > docs/glossary.md`).", "",
           "Note: 办结率 is the administrative completion rate, `completion_rate_reported` (resolved / reported);",
           "`completion_rate` also counts hidden issues that were never found, so it is lower.", "",
           "## Metrics", "", "Reads: how a person reads the number: beside its identifier (terminal, CSV, JSON, workbook)",
           "in the unit its name says; beside its label (figures, reports) durations in days when 72 h or more and",
           "cadre time in cadre-days of 8 hours; shares in %, their differences in percentage points (个百分点).",
           "Patterns: `<role>` is a role, `<type>` an issue",
           "type, `<place>` a level, `<name>` a campaign or task.", "",
           "| name | English | 中文 | stored unit | reads | better |", "|---|---|---|---|---|---|"]
    rows = [(n, m) for n, m in METRICS.items()] + [(p, m) for p, m in PATTERNS]
    for name, m in rows:
        en, zh = (t.replace("{x}", "‹x›") for t in (m.en, m.zh))
        out.append(f"| `{name}` | {en} | {zh} | {m.unit} | {m.reads} | {m.better} |")
    for title, table in (("Roles", ROLES), ("Levels (places)", LEVELS), ("Weekdays", WEEKDAYS),
                         ("Units", UNITS), ("Better direction", BETTER), ("Parameters", PARAMS),
                         ("Parameter values", VALUES), ("Figure and table words", WORDS)):
        out += ["", f"## {title}", "", "| term | English | 中文 |", "|---|---|---|"]
        out += [f"| `{k}` | {en} | {zh} |" for k, (en, zh) in table.items()]
    out += ["", "Per issue type: " + "; ".join(f"`issue_types.<type>.{k}` → {en} / {zh}"
                                              for k, (en, zh) in TYPE_PARAMS.items()) + ".",
            "", "A scenario's policies, issue types and named roles may give `label` and `label_zh`;",
            "those are shown instead of their names.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(glossary_markdown(), end="")
