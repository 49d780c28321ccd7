"""Reading the text files a scenario names (the scenario, grid tables, empirical samples) as UTF-8."""

from __future__ import annotations

from pathlib import Path


def read_utf8(path: Path) -> str:
    """The file's text; a byte-order mark (some Windows editors) is fine.

    Raises ValueError naming the line when the file is not UTF-8 text: a binary file (a NUL
    byte), or another encoding such as GBK, which Chinese spreadsheets often save in.
    """
    data = path.read_bytes()
    if b"\0" in data:
        line = data.count(b"\n", 0, data.index(b"\0")) + 1
        raise ValueError(f"{path} line {line}: a binary file, not text (a NUL byte); save it as UTF-8 text "
                         "(e.g. CSV UTF-8 from a spreadsheet)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ValueError(f"{path} line {line}: not UTF-8 text (byte {data[err.start]:#04x}; GBK from a Chinese "
                         "spreadsheet?): UTF-8 is required; save it as UTF-8 (a spreadsheet's 'CSV UTF-8', "
                         "or a text editor's UTF-8 encoding)") from None
