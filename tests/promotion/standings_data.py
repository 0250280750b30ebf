"""Hand-made STANDINGS.csv files for the promotion what-if tests.

The header is written out literally (not taken from the module under test) so the tests pin the format
``flask scoring standings`` writes plus the attribute columns organizers add.
"""

from __future__ import annotations

import csv
import io

HEADER_LINE = (
    "event,entry,status,rank,joint,entrants,total,total_display,part:theory,part:practical,part:defence,"
    "all_parts_passed,award,standardised,"
    "person,name,contest,contest_date,final_date,tier,group,team_size,birth_date,gender,current_level,"
    "prior_promotions"
)
HEADER = HEADER_LINE.split(",")

CONTEST = "2024年天津市职业技能大赛"
EVENT = "数控车工 职工组"
OTHER_CONTEST = "2024年天津市滨海新区职业技能竞赛"

BASE = {
    "event": EVENT,
    "entry": "E00",
    "status": "ranked",
    "rank": "1",
    "joint": "0",
    "entrants": "47",
    "total": "90.5",
    "total_display": "90.50",
    "part:theory": "88",
    "part:practical": "91.125",
    "part:defence": "",
    "all_parts_passed": "1",
    "award": "",
    "standardised": "",
    "person": "p00",
    "name": "测试",
    "contest": CONTEST,
    "contest_date": "2024-06-20",
    "final_date": "2024-07-15",
    "tier": "市级一类",
    "group": "staff",
    "team_size": "1",
    "birth_date": "1990-05-01",
    "gender": "男",
    "current_level": "三级/高级工",
    "prior_promotions": "",
}

NAMES = {
    1: "张一",
    2: "王二",
    3: "李三",
    4: "赵四",
    5: "钱五",
    6: "孙六",
    7: "周七",
    8: "吴八",
    9: "郑九",
    10: "冯十",
    11: "陈十一",
    12: "褚十二",
    13: "卫十三",
}


def row(**changes: str) -> dict[str, str]:
    """A valid row (BASE) with ``changes``; keys with a colon are passed as ``part_theory`` etc."""
    values = dict(BASE)
    for key, value in changes.items():
        values[key.replace("part_", "part:")] = value
    return values


def to_csv(rows: list[dict[str, str]], header: list[str] | tuple[str, ...] = HEADER) -> str:
    """CSV text with ``header`` and ``rows`` (cells not in the header are dropped)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header])
    return out.getvalue()


def tianjin_rows() -> list[dict[str, str]]:
    """天津 市级一类 staff event of 47 entrants: ranks 1–9, joint 10th (two), 12th; and a rank-11 row.

    Standard competition ranking leaves no 11th place after a joint 10th, so the 11th place is in a second
    市级一类 staff event (电工, 30 entrants) of the same contest. p03 already holds 技师; p05 was promoted
    to 高级工 by another contest earlier in 2024.
    """
    rows = []
    ranks = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 10, 12: 12}
    for n, rank in ranks.items():
        rows.append(
            row(
                entry=f"E{n:02d}",
                rank=str(rank),
                joint="1" if rank == 10 else "0",
                total=str(100 - rank) + ".25",
                award={1: "first", 2: "second", 3: "second"}.get(rank, "third" if rank <= 10 else ""),
                person=f"p{n:02d}",
                name=NAMES[n],
                gender="女" if n % 2 == 0 else "男",
                current_level={3: "技师", 12: ""}.get(n, "三级/高级工"),
                prior_promotions=f"2024-03-15|三级/高级工|{OTHER_CONTEST}" if n == 5 else "",
            )
        )
    rows.append(
        row(
            event="电工 职工组",
            entry="D11",
            rank="11",
            entrants="30",
            total="80",
            person="p13",
            name=NAMES[13],
        )
    )
    return rows


def tianjin_csv() -> str:
    """:func:`tianjin_rows` as CSV text."""
    return to_csv(tianjin_rows())
