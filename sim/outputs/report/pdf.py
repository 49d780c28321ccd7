"""The report as an A4 PDF, typeset by Typst (the ``typst`` wheel: no system package, no TeX).

The document becomes Typst source in which every piece of text is a Typst string literal, so a
scenario or community name holding ``#``, ``$``, ``*``, ``_``, ``@``, ``<`` or ``[`` prints as
written and is never read as markup. Typst does the layout: line breaking (Chinese by its rules:
no line starts with 。), tables whose header repeats on a new page, figures from the results
folder's ``figures/``. Fonts come from Typst's own (Libertinus Serif) and the CJK font file gridsim
depends on, by path, whatever the machine has installed.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from pathlib import Path

from sim.experiments.atomic import atomic_write
from sim.outputs.fonts import cjk_font_file
from sim.outputs.plots.style import PlotError
from sim.outputs.report.document import Block, Bullets, Document, Figure, Heading, Paragraph, Table

MARGIN_CM = 2.0
TEXT_WIDTH_PT = 595.28 - 2 * MARGIN_CM * 72 / 2.54  # A4 is 595.28 pt wide
BODY_PT = 10.0
TABLE_PT = 8.5  # the smallest text a table gets: a wide table is split into parts, never shrunk below
CELL_PAD_PT = 8.0  # a cell's inset, left and right
CJK_FAMILY = "Noto Sans CJK SC"
LATIN_FAMILY = "Libertinus Serif"  # built into Typst
_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")  # the Markdown marks the report's text may carry
_NUMERIC = re.compile(r"^[-+−–]?[\d.,]+")


def font_dir() -> Path:
    """The folder of the CJK font file: Typst takes font folders, not files."""
    return cjk_font_file().parent


def string(text: str) -> str:
    """``text`` as a Typst string literal: only the backslash, the quote and control characters are escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + "".join(f"\\u{{{ord(c):x}}}" if unicodedata.category(c) == "Cc" else c for c in out) + '"'


def inline(text: str) -> str:
    """Text with **bold** and `code` marks as Typst content (``[...]``), every piece a string literal."""
    parts, at = [], 0
    for m in _INLINE.finditer(text):
        if m.start() > at:
            parts.append(f"#{string(text[at:m.start()])}")
        parts.append(f"#strong({string(m.group(1))})" if m.group(1) is not None else f"#raw({string(m.group(2))})")
        at = m.end()
    if at < len(text):
        parts.append(f"#{string(text[at:])}")
    return "[" + "".join(parts) + "]"


def _em(text: str) -> float:
    """Rough width of plain text in ems (CJK characters a full em, others about half): used only to decide
    where a table splits, never to lay text out."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in _INLINE.sub(r"\1\2", text))


def table_parts(t: Table) -> list[list[int]]:
    """The columns of each part of a table: all of them when they fit the text width at TABLE_PT, else the
    first ``t.keep`` columns (the row names) repeated with as many of the rest as fit."""
    widths = [max(_em(x) for x in col) * TABLE_PT + 2 * CELL_PAD_PT for col in zip(t.head, *t.rows)]
    if sum(widths) <= TEXT_WIDTH_PT or len(widths) <= t.keep + 1:
        return [list(range(len(widths)))]
    keep = list(range(t.keep))
    parts: list[list[int]] = [[]]
    room = TEXT_WIDTH_PT - sum(widths[j] for j in keep)
    used = 0.0
    for j in range(t.keep, len(widths)):
        if parts[-1] and used + widths[j] > room:
            parts.append([])
            used = 0.0
        parts[-1].append(j)
        used += widths[j]
    return [keep + p for p in parts]


def _table(t: Table) -> list[str]:
    out = []
    for cols in table_parts(t):
        numeric = [all(_NUMERIC.match(r[j]) or r[j] in ("", "–") for r in t.rows) for j in cols]
        align = ", ".join("right" if n else "left" for n in numeric)
        head = ", ".join(inline(t.head[j]) for j in cols)
        body = ",\n  ".join(", ".join(inline(r[j]) for j in cols) for r in t.rows)
        out.append(f"#table(columns: {len(cols)}, align: ({align},),\n  table.header({head}),\n  {body})")
    if t.note:
        out.append(f"#text(size: {TABLE_PT}pt){inline(t.note)}")
    return out


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG image, from its header."""
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise PlotError(f"{path}: not a PNG image")
    return struct.unpack(">II", head[16:24])


def _figures(figs: list[Figure], root: Path) -> list[str]:
    """Figures two to a row at half the text width (each drawn for a single column); a wide one (a map beside
    a map) takes a row of its own at the full width."""
    def image(f: Figure) -> str:
        try:
            rel = f.path.resolve().relative_to(root.resolve())
        except ValueError:
            raise PlotError(f"{f.path}: a report's figure must be inside its folder {root}") from None
        return f"image({string('/' + rel.as_posix())}, width: 100%)"

    out, pair = [], []
    for f in figs:
        w, h = png_size(f.path)
        if w > 1.6 * h:
            out += [f"#grid(columns: 2, gutter: 10pt, {', '.join(pair)})"] if pair else []
            out.append(f"#{image(f)}")
            pair = []
            continue
        pair.append(image(f))
        if len(pair) == 2:
            out.append(f"#grid(columns: 2, gutter: 10pt, {', '.join(pair)})")
            pair = []
    return out + ([f"#grid(columns: 2, gutter: 10pt, {pair[0]})"] if pair else [])


def _preamble(doc: Document) -> list[str]:
    fonts = f'("{CJK_FAMILY}",)' if doc.lang == "zh" else f'("{LATIN_FAMILY}", "{CJK_FAMILY}")'
    lang = 'lang: "zh", region: "cn"' if doc.lang == "zh" else 'lang: "en"'
    return [
        f"#set document(title: {string(doc.title)})",
        f'#set page(paper: "a4", margin: {MARGIN_CM}cm, numbering: "1")',
        f"#set text(font: {fonts}, size: {BODY_PT}pt, {lang})",
        "#set par(justify: true)",
        "#show heading: set text(size: 12pt)",
        "#show heading: set block(above: 1.3em, below: 0.7em)",
        f"#show table: set text(size: {TABLE_PT}pt)",
        "#set table(stroke: 0.4pt + luma(150), inset: (x: 4pt, y: 3pt), fill: (_, y) => if y == 0 { luma(235) })",
        "#show table.cell.where(y: 0): strong",
        f"#text(size: 15pt, weight: \"bold\"){inline(doc.title)}",
    ]


def source(doc: Document, root: Path) -> str:
    """The Typst source of ``doc``; figures are read from under ``root`` (the results folder)."""
    out = _preamble(doc)
    blocks: list[Block] = doc.blocks
    k = 0
    while k < len(blocks):
        b = blocks[k]
        if isinstance(b, Figure):  # a run of figures is laid out together
            end = next((n for n in range(k, len(blocks)) if not isinstance(blocks[n], Figure)), len(blocks))
            out += _figures([x for x in blocks[k:end] if isinstance(x, Figure)], root)
            k = end
            continue
        if isinstance(b, Heading):
            out.append(f"#heading(level: 1, numbering: none){inline(b.text)}")
        elif isinstance(b, Paragraph):
            out.append(inline(b.text)[1:-1])
        elif isinstance(b, Bullets):
            out.append("#list(" + ", ".join(inline(x) for x in b.items) + ")")
        else:
            out += _table(b)
        k += 1
    return "\n\n".join(out) + "\n"


def write_pdf(doc: Document, path: Path) -> None:
    """Typeset ``doc`` to ``path`` (atomically: a reader never sees half a PDF); its figures must lie under
    the PDF's folder."""
    import typst

    root = Path(path).parent
    try:
        pdf = typst.compile(source(doc, root).encode("utf-8"), root=str(root), font_paths=[str(font_dir())],
                            ignore_system_fonts=True)  # the same fonts, hence the same pages, on every machine
    except typst.TypstError as e:
        raise PlotError(f"{path}: the PDF could not be typeset: {e}") from None
    atomic_write(Path(path), pdf)
