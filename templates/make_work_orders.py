"""Writes work-orders-template.xlsx from work-orders-template.csv (run it after editing the CSV): the same
rows on sheet "工单", times as Excel date-times, and a sheet "说明 notes" that explains every column in
Chinese and English, and what gridsim fit assumes."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from make_workbook import style  # the script beside this one

HERE = Path(__file__).parent
TIMES = ("上报时间", "签收时间", "办结时间")
NOTES = [
    ("column 列", "column required 必须有此列", "meaning", "说明"),
    ("工单编号", "yes 是", "the order's number, unique; a second row with the same number is refused",
     "工单编号，唯一；重复编号的后一行被拒绝"),
    ("所属街道", "no 否", "the street (or township) of the order's grid", "所属街道（乡镇）"),
    ("所属社区", "no 否", "the community (or village) of the order's grid", "所属社区（村）"),
    ("所属网格", "yes 是", "the grid; use the ids of your grid table to fit with --scenario",
     "所属网格；与网格表的编号一致时可用 --scenario 读取户数与人员"),
    ("事件类型", "yes 是", "the issue type; each becomes an issue type of the fitted scenario",
     "事件类型；每一类成为拟合情景中的一个事件类型"),
    ("上报时间", "yes 是", "when it was reported or found (2024/3/4 9:12, 2024-03-04 09:12:00 or an Excel date)",
     "上报或发现时间"),
    ("签收时间", "no 否", "when work on it first started; gives the work time (办结 − 签收). If 签收 is only the grid's "
     "sign-off, leave the column out (or fit with --columns accepted=)", "签收（开始处置）时间；若签收只是网格签收而非开始处置，"
     "请删去此列（或拟合时加 --columns accepted=）"),
    ("办结时间", "yes 是 (cells blank while open 未办结留空)", "when it was closed; BLANK while still open: keep open "
     "orders in the export",
     "办结时间；未办结的留空，导出时务必包含未办结工单"),
    ("处置层级", "yes 是", "where it was resolved: 网格/社区/街道/部门, or the department's name (住建局)",
     "办结层级：网格、社区、街道、部门，或职能部门名称"),
    ("事件来源", "no 否", "reported by a resident (群众上报) or found on a visit (走访发现)", "事件来源"),
    ("", "", "", ""),
    ("fit assumes 拟合假定", "", "rates do not trend over the export; an order's time does not depend on when it "
     "was reported; open orders are right-censored at the export time; records hold only issues reported or "
     "found (hidden issues are not in them): see docs/records.md",
     "导出期内发生率无明显趋势；办理时长与上报时间无关；未办结工单在导出时刻右删失；记录只含已上报或已发现的事件，未被发现的隐患不在其中（见 docs/records.md）"),
]


def main() -> None:
    with (HERE / "work-orders-template.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    book = Workbook()
    orders = book.active
    orders.title = "工单"
    header = rows[0]
    orders.append(header)
    for row in rows[1:]:
        orders.append([datetime.strptime(c, "%Y/%m/%d %H:%M") if h in TIMES and c else c or None
                       for h, c in zip(header, row)])
    for j, h in enumerate(header, start=1):
        if h in TIMES:
            for (cell,) in orders.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "yyyy/m/d h:mm"
    notes = book.create_sheet("说明 notes")
    for row in NOTES:
        notes.append(row)
    style(orders, (16, 11, 12, 11, 11, 16, 16, 16, 10, 10))
    style(notes, (18, 10, 70, 50))
    book.save(HERE / "work-orders-template.xlsx")


if __name__ == "__main__":
    main()
