"""The report on A4 pages: text flows down the page, tables and figures keep their width, pages break as needed."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from sim.outputs.plots.style import pyplot_styled
from sim.outputs.report.document import Bullets, Document, Figure, Heading, Paragraph, Table

A4 = (8.27, 11.69)
LEFT, WIDTH, TOP, BOTTOM = 0.08, 0.84, 0.95, 0.04
_PT = 1 / 72 / A4[1]  # one point as a share of the page height
_MIN_TABLE_SIZE = 4.0  # points: the smallest table text that still prints legibly
_WIDE = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKEN = re.compile(rf"[{_WIDE}]|[^\s{_WIDE}]+|\s+")


def _units(text: str) -> int:
    """Display width in half-em units: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, size: float) -> list[str]:
    """Lines of ``text`` that fit the text width at ``size`` points (Chinese breaks between characters)."""
    room = int(WIDTH * A4[0] * 72 / (size * 0.53))
    lines, line = [], ""
    for tok in _TOKEN.findall(_plain(text)):
        if _units(line + tok) > room and line.strip():
            lines.append(line.rstrip())
            line = "" if tok.isspace() else tok
        else:
            line += tok
    return lines + ([line.rstrip()] if line.strip() else [])


def _plain(text: str) -> str:
    return text.replace("**", "").replace("`", "")


class _Pages:
    def __init__(self, pdf, plt, title: str):
        self.pdf, self.plt, self.fig, self.y = pdf, plt, None, TOP
        self.title = title
        self.new()

    def new(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.plt.close(self.fig)
        self.fig, self.y = self.plt.figure(figsize=A4), TOP

    def room(self) -> float:
        return self.y - BOTTOM

    def need(self, h: float) -> None:
        if h > self.room() and self.y < TOP:
            self.new()

    def line(self, text: str, size: float, weight: str = "normal", gap: float = 1.35, indent: float = 0.0) -> None:
        h = size * gap * _PT
        self.need(h)
        self.y -= h
        self.fig.text(LEFT + indent, self.y, text, fontsize=size, weight=weight)

    def close(self) -> None:
        self.pdf.savefig(self.fig)
        self.plt.close(self.fig)


def _table(p: _Pages, t: Table, size: float) -> None:
    widths = [max(_units(_plain(x)) for x in col) + 2 for col in zip(t.head, *t.rows)]
    total = sum(widths)
    # a wide table (five policies' CIs) gets a smaller font rather than clipped cells: a digit is ~0.62 size
    size = max(_MIN_TABLE_SIZE, min(size, WIDTH * A4[0] * 72 / (total * 0.62)))
    row_h = size * 1.9 * _PT
    height = row_h * (len(t.rows) + 1)
    p.need(height + 0.01)
    ax = p.fig.add_axes([LEFT, p.y - height - 0.004, WIDTH, height])
    ax.axis("off")
    table = ax.table(cellText=[[_plain(x) for x in r] for r in t.rows], colLabels=t.head, loc="upper left",
                     cellLoc="left", colLoc="left", colWidths=[w / total for w in widths], bbox=[0, 0, 1, 1])
    table.auto_set_font_size(False)
    table.set_fontsize(size)
    for (r, _), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#eeeeee")
    p.y -= height + 0.006
    for line in wrap(t.note, size - 0.5) if t.note else []:
        p.line(line, size - 0.5)


def _figures(p: _Pages, figs: list[Figure]) -> None:
    """Figures two to a row, each at about its own single-column size (3.5 in); a row that does not fit the
    room left shrinks when that keeps it legible, else starts a new page."""
    import matplotlib.image as mpimg

    rows: list[list] = []
    for f in figs:  # a wide figure (a map beside a map) takes a row of its own, at full width
        img = mpimg.imread(f.path)
        wide = img.shape[1] > 2 * img.shape[0]
        if wide or not rows or len(rows[-1]) == 2 or rows[-1][0][1]:
            rows.append([])
        rows[-1].append((img, wide))
    for row in rows:
        imgs = [img for img, _ in row]
        w = WIDTH if row[0][1] else WIDTH / 2 - 0.01
        aspects = [img.shape[0] / img.shape[1] * A4[0] / A4[1] for img in imgs]
        h = w * max(aspects)
        scale = 1.0
        if h > p.room() - 0.01:
            if p.room() - 0.01 >= 0.7 * h:
                scale = (p.room() - 0.01) / h
            else:
                p.new()
                scale = min(1.0, (TOP - BOTTOM) / h)
        for j, (img, a) in enumerate(zip(imgs, aspects)):
            ax = p.fig.add_axes([LEFT + j * (WIDTH / 2 + 0.01), p.y - w * a * scale, w * scale, w * a * scale])
            ax.imshow(img)
            ax.axis("off")
        p.y -= h * scale + 0.012


def write_pdf(doc: Document, path: Path) -> None:
    """Render ``doc`` to ``path`` (a CJK font for Chinese: PlotError naming how to get one when missing)."""
    from matplotlib.backends.backend_pdf import PdfPages

    plt = pyplot_styled(doc.lang)
    with plt.rc_context({"axes.grid": False}), PdfPages(path, metadata={"Title": doc.title, "Creator": "gridsim"}) as pdf:
        p = _Pages(pdf, plt, doc.title)
        for line in wrap(doc.title, 13):
            p.line(line, 13, "bold")
        blocks = doc.blocks
        for k, b in enumerate(blocks):
            if isinstance(b, Figure):
                if k == 0 or not isinstance(blocks[k - 1], Figure):  # a run of figures is laid out together
                    run = [x for x in blocks[k:]]
                    end = next((n for n, x in enumerate(run) if not isinstance(x, Figure)), len(run))
                    _figures(p, run[:end])
                continue
            if isinstance(b, Heading):
                p.need(0.08)  # a heading never ends a page
                p.y -= 0.008
                p.line(b.text, 10.5, "bold")
            elif isinstance(b, Paragraph):
                for line in wrap(b.text, 7.8):
                    p.line(line, 7.8)
                p.y -= 0.004
            elif isinstance(b, Bullets):
                for item in b.items:
                    for i, line in enumerate(wrap(item, 7.8)):
                        p.line(("• " if i == 0 else "   ") + line, 7.8)
            else:
                _table(p, b, 6.8 if len(b.head) <= 5 else 6.0)
        p.close()
