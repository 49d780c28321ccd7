"""What figures call things, in English and Chinese, and how each metric is scaled for display."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "day": "day of the run (days)", "backlog": "open issues (count)", "coverage": "households visited within interval (%)",
        "resolution_days": "resolution time (days)", "share_resolved": "share of issues resolved (%)",
        "utilization": "time working on issues (% of duty)", "role": "role",
        "t_backlog": "Backlog of open issues over the year", "t_ecdf": "How long residents wait for a resolution",
        "t_coverage": "Household visit coverage over time", "t_util": "How busy each role is with issues",
        "t_grid_p90": "Where issues take longest: p90 resolution by grid",
        "t_grid_cov": "Where visits fall short: coverage by grid",
        "t_policy": "Policies compared: means and 95% CIs", "t_forest": "Difference from {base} (paired 95% CI)",
        "diff_pct": "difference from {base} (% of its mean)",
        "t_sweep": "{metric} against {param}", "t_heat": "{metric} by design point",
        "emergency": "emergency", "wartime": "wartime mode", "warmup": "warm-up", "all_types": "all issues",
        "sla": "dotted: SLA of each type", "mean_band": "mean, 95% CI", "daily": "daily mean",
        "meets": "outlined: meets every target",
        "weekly_band": "7-day mean, 95% CI", "street": "street", "community": "community",
        "source": "gridsim · {scenario} · {what} · {n} replications · seed {seed}",
        "grid_workers": "grid workers", "sunk": "sunk cadres", "police": "police", "community_role": "community office",
        "street_role": "street office", "department": "departments",
        "resolution_hours_mean": "mean resolution (days)", "resolution_hours_p90": "p90 resolution (days)",
        "coverage_mean": "coverage (%)", "completion_rate": "completion (%)", "completion_rate_reported": "completion, reported (%)",
        "cadre_hours_on_duty": "cadre-days on duty (thousands)", "sla_attainment": "within SLA (%)",
        "backlog_mean": "mean backlog (issues)", "wait_hours_mean": "mean wait (days)", "coverage_min_grid": "worst-grid coverage (%)",
    },
    "zh": {
        "day": "运行天数（天）", "backlog": "未办结事项（件）", "coverage": "周期内入户走访覆盖率（%）",
        "resolution_days": "办理时长（天）", "share_resolved": "已办结事项占比（%）",
        "utilization": "办理事项时间占在岗时间（%）", "role": "岗位",
        "t_backlog": "全年未办结事项数量", "t_ecdf": "群众诉求办理时长分布",
        "t_coverage": "入户走访覆盖率变化", "t_util": "各岗位办理事项的忙碌程度",
        "t_grid_p90": "各网格办理时长（第90百分位）", "t_grid_cov": "各网格入户走访覆盖率",
        "t_policy": "方案比较：均值与95%置信区间", "t_forest": "与{base}方案之差（配对95%置信区间）",
        "diff_pct": "与{base}之差（占其均值的%）",
        "t_sweep": "{metric}随{param}的变化", "t_heat": "各方案点的{metric}",
        "emergency": "突发事件", "wartime": "战时状态", "warmup": "预热期", "all_types": "全部事项",
        "sla": "虚线：各类事项办理时限", "mean_band": "均值及95%置信区间", "daily": "日均值",
        "weekly_band": "7日均值及95%置信区间", "meets": "框出：全部指标达标", "street": "街道", "community": "社区",
        "source": "gridsim · {scenario} · {what} · {n}次重复 · 随机种子 {seed}",
        "grid_workers": "网格员", "sunk": "下沉干部", "police": "警格民警", "community_role": "社区",
        "street_role": "街道", "department": "区级部门",
        "resolution_hours_mean": "平均办理时长（天）", "resolution_hours_p90": "办理时长第90百分位（天）",
        "coverage_mean": "入户率（%）", "completion_rate": "办结率（%）", "completion_rate_reported": "办结率（已上报，%）",
        "cadre_hours_on_duty": "干部在岗人日（千）", "sla_attainment": "按时办结率（%）",
        "backlog_mean": "平均积压（件）", "wait_hours_mean": "平均等待（天）", "coverage_min_grid": "最差网格入户率（%）",
    },
}
# how a metric is shown: scale from its stored unit, and whether it is a duration in days
SCALE = {"resolution_hours_mean": 1 / 24, "resolution_hours_p90": 1 / 24, "wait_hours_mean": 1 / 24,
         "coverage_mean": 100, "coverage_min_grid": 100, "completion_rate": 100, "completion_rate_reported": 100,
         "sla_attainment": 100, "cadre_hours_on_duty": 1 / 8000, "backlog_mean": 1}
KEY_METRICS = ["resolution_hours_mean", "resolution_hours_p90", "coverage_mean", "completion_rate",
               "cadre_hours_on_duty"]
