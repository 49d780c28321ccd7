"""The report as a list of blocks (headings, paragraphs, lists, tables, figures), and its Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Heading:
    text: str


@dataclass
class Paragraph:
    text: str  # Markdown: **bold** and `code` (the PDF sets them in bold and in a fixed-width font)


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    head: list[str]
    rows: list[list[str]]
    note: str = ""
    keep: int = 1  # leading columns that name a row: repeated in each part of a table too wide for the page


@dataclass
class Figure:
    path: Path
    caption: str = ""


Block = Heading | Paragraph | Bullets | Table | Figure


@dataclass
class Document:
    title: str
    lang: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        blocks = tuple(Bullets([x for x in b.items if x]) if isinstance(b, Bullets) else b for b in blocks)
        self.blocks += [b for b in blocks if not _empty(b)]


def _empty(b: Block) -> bool:
    return (isinstance(b, Paragraph) and not b.text) or (isinstance(b, Bullets) and not b.items) or \
        (isinstance(b, Table) and not b.rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"## {b.text}", ""]
        elif isinstance(b, Paragraph):
            out += [b.text, ""]
        elif isinstance(b, Bullets):
            out += [*[f"- {x}" for x in b.items], ""]
        elif isinstance(b, Table):
            out += ["| " + " | ".join(map(_cell, b.head)) + " |", "|" + "---|" * len(b.head),
                    *["| " + " | ".join(map(_cell, r)) + " |" for r in b.rows], ""]
            if b.note:
                out += [b.note.replace("*", "\\*", 1) if b.note.startswith("*") else b.note, ""]
        else:
            out += [f"![{b.caption or b.path.stem}](figures/{b.path.name})", ""]
    return "\n".join(out)
