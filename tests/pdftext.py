"""Just enough of a PDF reader to test the reports Typst writes: page sizes, embedded fonts and the text of
each line (glyph codes mapped back through each font's ToUnicode map), with no PDF library.

Typst places every run of text with its own ``x 0 0 -1 x y cm``; a line is the runs at one height, left
to right. Spaces are not glyphs in Typst's PDFs (they are gaps), so compare text with whitespace removed.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

_OBJ = re.compile(rb"(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n|endobj)", re.S)
_TOKEN = re.compile(
    rb"(?P<cm>(?:-?[\d.]+\s+){4}(?P<x>-?[\d.]+)\s+(?P<y>-?[\d.]+)\s+cm)"
    rb"|/(?P<font>[\w.]+)\s+[\d.]+\s+Tf"
    rb"|/\w+\s*<<(?P<props>(?:[^<>]|<[0-9A-Fa-f]*>)*)>>\s*BDC"
    rb"|(?P<emc>\bEMC\b)"
    rb"|(?P<hex><[0-9A-Fa-f]+>)", re.S)
_ESC = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass
class Pdf:
    pages: list[tuple[float, float]]  # width, height in points
    fonts: list[str]  # BaseFont names
    lines: list[str]  # every page's lines, top to bottom


def _hex_strings(content: bytes) -> bytes:
    """The content stream with every literal string ``(...)`` (escapes, balanced parentheses) as ``<hex>``."""
    out, i, n = bytearray(), 0, len(content)
    while i < n:
        if content[i:i + 1] != b"(":
            j = content.find(b"(", i)
            j = n if j < 0 else j
            out += content[i:j]
            i = j
            continue
        data, depth, i = bytearray(), 1, i + 1
        while depth:
            c = content[i:i + 1]
            if c == b"\\":
                m = re.match(rb"[0-7]{1,3}", content[i + 1:i + 4])
                if m:
                    data.append(int(m.group(), 8) & 0xFF)
                    i += 1 + len(m.group())
                    continue
                data += _ESC.get(content[i + 1:i + 2], content[i + 1:i + 2])
                i += 2
                continue
            depth += {b"(": 1, b")": -1}.get(c, 0)
            if depth:
                data += c
            i += 1
        out += b"<" + data.hex().encode() + b">"
    return bytes(out)


def _utf16(hexes: bytes) -> str:
    return bytes.fromhex(hexes.decode()).decode("utf-16-be")


def _cmap(data: bytes) -> dict[int, str]:
    out = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[int(code, 16)] = _utf16(uni)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for k in range(int(lo, 16), int(hi, 16) + 1):
                out[k] = chr(int(uni, 16) + k - int(lo, 16))
    return out


def read_pdf(path: Path) -> Pdf:
    raw = Path(path).read_bytes()
    dicts, streams = {}, {}
    for m in _OBJ.finditer(raw):
        n, d = int(m.group(1)), m.group(2)
        dicts[n] = d
        if m.group(3).startswith(b"stream"):
            length = int(re.search(rb"/Length (\d+)", d).group(1))
            body = raw[m.end():m.end() + length]
            streams[n] = zlib.decompress(body) if b"FlateDecode" in d else body
    fonts: list[str] = []
    cmaps: dict[int, dict[int, str]] = {}  # font object -> its ToUnicode map

    def font_maps(resources: bytes) -> dict[bytes, dict[int, str]]:
        out = {}
        for block in re.findall(rb"/Font\s*<<(.*?)>>", resources, re.S):
            for name, ref in re.findall(rb"/([\w.]+)\s+(\d+) 0 R", block):
                if int(ref) not in cmaps:
                    font = dicts[int(ref)]
                    fonts.append(re.search(rb"/BaseFont\s*/([^\s/<>\[\]]+)", font).group(1).decode())
                    to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
                    cmaps[int(ref)] = _cmap(streams[int(to_unicode.group(1))]) if to_unicode else {}
                out[name] = cmaps[int(ref)]
        return out

    pages, lines = [], []
    for d in dicts.values():
        if re.search(rb"/Type\s*/Page\b(?!s)", d):
            box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]*)\]", d).group(1).split()]
            pages.append((box[2] - box[0], box[3] - box[1]))
            ref = re.search(rb"/Resources\s+(\d+) 0 R", d)
            maps = font_maps(dicts[int(ref.group(1))] if ref else d)
            refs = re.search(rb"/Contents\s*(?:\[([^\]]*)\]|(\d+ 0 R))", d)
            content = b"".join(streams[int(r)] for r in re.findall(rb"(\d+) 0 R", refs.group(0)))
            lines += _lines(content, maps)
    return Pdf(pages, fonts, lines)


def _lines(content: bytes, maps: dict[bytes, dict[int, str]]) -> list[str]:
    runs: dict[float, list[tuple[float, str]]] = {}
    x = y = 0.0
    font: dict[int, str] = {}
    actual: list[str | None] = []  # per open marked-content span: its ActualText, if any
    for m in _TOKEN.finditer(_hex_strings(content)):
        if m.group("cm"):
            x, y = float(m.group("x")), float(m.group("y"))
        elif m.group("font"):
            font = maps.get(m.group("font"), {})
        elif m.group("props") is not None:
            a = re.search(rb"/ActualText\s*<FEFF([0-9A-Fa-f]*)>", m.group("props"))
            actual.append(_utf16(a.group(1)) if a else None)
            if a:
                runs.setdefault(round(y, 1), []).append((x, actual[-1]))
        elif m.group("emc"):
            if actual:
                actual.pop()
        elif not any(a is not None for a in actual):  # glyphs whose ActualText was taken already are skipped
            data = bytes.fromhex(m.group("hex")[1:-1].decode())
            text = "".join(font.get(int.from_bytes(data[i:i + 2], "big"), "\ufffd") for i in range(0, len(data) - 1, 2))
            runs.setdefault(round(y, 1), []).append((x, text))
    # PDF y grows upwards: the top line has the largest y
    return ["".join(t for _, t in sorted(parts, key=lambda p: p[0])) for _, parts in sorted(runs.items(), reverse=True)]
