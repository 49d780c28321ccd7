"""A report of a results folder, in English or Chinese, as Markdown and PDF twins (``report.md``/``report.pdf``;
``report.zh.md``/``report.zh.pdf``: neither language overwrites the other).

It opens with the findings in words, then follows the STRESS-DES checklist (Monks et al. 2019) for what a
simulation study must state: objective, model logic, data sources, experimentation (run length, warm-up,
replications, common random numbers, seeds), implementation (software and versions) and where the input lives.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiments.atomic import atomic_write
from sim.outputs.history import is_history
from sim.outputs.plots import Folder, plot_folder
from sim.outputs.plots.canvas import LANG_SUFFIX
from sim.outputs.plots.sweep import DEFAULT_TARGETS
from sim.outputs.report import sections
from sim.outputs.report.ensemble_results import ensemble_heading, ensemble_key_table
from sim.outputs.report.document import Bullets, Document, Figure, Heading, Paragraph, markdown
from sim.outputs.report.findings import Target, findings
from sim.outputs.report.fit_report import fit_document
from sim.outputs.report.history import history_document
from sim.outputs.report.pdf import write_pdf
from sim.outputs.report.say import say

__all__ = ["build", "write_report"]


def build(path: str | Path, lang: str = "en", targets: list[Target] | None = None) -> Document:
    """The report of the folder at ``path`` as a document (drawing the figures it shows, in ``lang``)."""
    f = Folder.load(path)
    targets = targets or (DEFAULT_TARGETS if f.command == "sweep" else [])
    figs = sections.telling_figures(f, plot_folder(f.path, "png", lang, targets or None))
    title = say(lang, "gridsim report: {s} ({c})", "gridsim报告：{s}（{c}）", s=f.summary.get("scenario", "?"),
                c=_command(f.command, lang))
    doc = Document(title, lang)
    doc.add(Heading(say(lang, "Findings", "结论")), Bullets(findings(f, lang, targets)))  # one point a bullet
    warnings = f.summary.get("warnings", [])
    if warnings:  # what the run itself warned of, where a reader of the findings sees it
        doc.add(Heading(say(lang, "Caveats", "注意事项")),
                Paragraph(say(lang, "gridsim warned of the following when it ran:", "运行时gridsim给出以下提示（程序原文，英文）：")),
                Bullets(list(warnings)))
    doc.add(Heading(say(lang, "Scenario", "情景")),
            Bullets(sections.scenario_lines(f, lang) + sections.design_lines(f, lang)))
    if f.command == "compare" and f.summary.get("ensemble"):  # means over the sets, not pooled runs
        doc.add(Heading(ensemble_heading(f, lang)), ensemble_key_table(f, lang))
    else:
        doc.add(Heading(sections.results_heading(f, lang)), sections.key_table(f, lang))
    grids = sections.grids_to_act_on(f, lang)
    if grids.rows:
        doc.add(Heading(say(lang, "Grids to act on", "需重点关注的网格")), grids)
    area = sections.area_tables(f, lang)
    if area:
        doc.add(Heading(say(lang, "Streets and communities", "街道与社区")), *area)
    doc.add(Heading(say(lang, "Figures", "图表")), *[Figure(p) for p in figs])
    doc.add(Heading(say(lang, "Method", "方法")), Paragraph(sections.method(f, lang)))
    return doc


def _command(command: str, lang: str) -> str:
    return {"run": say(lang, "run", "单方案运行"), "compare": say(lang, "compare", "方案比较"),
            "sweep": say(lang, "sweep", "参数扫描"), "sensitivity": say(lang, "sensitivity", "敏感性分析"),
            "optimize": say(lang, "optimize", "优化")}.get(command, command)


def write_report(path: str | Path, lang: str = "en", targets: list[Target] | None = None) -> tuple[Path, Path]:
    """Write the folder's report in ``lang`` (Markdown and PDF); return their paths."""
    folder = Path(path)
    fit = (folder / "fit.json").is_file() and not (folder / "command.json").is_file()  # a gridsim fit folder
    doc = fit_document(folder, lang) if fit else history_document(folder, lang) if is_history(folder) else \
        build(path, lang, targets)
    md_path = folder / f"report{LANG_SUFFIX[lang]}.md"
    pdf_path = folder / f"report{LANG_SUFFIX[lang]}.pdf"
    atomic_write(md_path, markdown(doc))
    write_pdf(doc, pdf_path)
    return md_path, pdf_path
