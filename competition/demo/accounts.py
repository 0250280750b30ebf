"""The demo's sign-in accounts, one or more per role (printed by ``make run``, shown on the sign-in page
outside production)."""

from __future__ import annotations

DEMO_PASSWORD = "jineng2026"

#: (role label, username, what the account shows)
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("系统管理员", "admin", "账号、组织单位"),
    ("组织方（绍兴市人社局）", "sx-organizer", "2026 绍兴市焊工竞赛（报名中）等"),
    ("组织方（江苏省人社厅）", "js-organizer", "江苏技能状元大赛（已结束）"),
    ("组织方（越城区人社局）", "yc-organizer", "区级竞赛（草稿）"),
    ("组织方（四川省住建厅）", "cy-organizer", "川渝乡村建设工匠竞赛（报名已截止）"),
    ("裁判长（焊工赛项）", "chief-judge", "焊工赛项裁判组"),
    ("裁判员（焊工赛项）", "judge", "焊工赛项裁判组"),
    ("单位联系人（绍兴市水务集团）", "unit-contact", "本单位与开放报名的竞赛"),
    ("参赛选手", "competitor", "个人信息与开放报名的竞赛"),
    ("参赛选手（江苏焊工亚军）", "js-competitor", "成绩、晋升与证书"),
)
