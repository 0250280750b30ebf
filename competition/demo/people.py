"""Generated people: plausible Chinese names and valid resident ID numbers. No real person's data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from competition.domain import Gender
from competition.registration.idnumbers import make_resident_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = "伟强磊军洋勇杰涛明超斌辉刚健峰建国志华俊宇浩然鹏飞文博晨阳凯旭东海波亮平林鑫宏兵"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳洁佳怡欣悦梅莉倩晶红蕾琴媛月萍丹露瑶"


@dataclass(frozen=True)
class Person:
    """A generated person: name, gender, birth date, ID number and an 11-digit mobile number."""

    name: str
    gender: Gender
    birth_date: date
    id_number: str
    phone: str


def make_person(
    rng: random.Random, *, region_code: str, age_range: tuple[int, int], today: date, sequence: int
) -> Person:
    """One person born in ``region_code`` (6 digits), aged within ``age_range`` at ``today``.

    ``sequence`` (any int; taken modulo 500) keeps ID numbers of people born on the same day distinct.
    """
    gender = Gender.MALE if rng.random() < 0.8 else Gender.FEMALE
    pool = GIVEN_MALE if gender is Gender.MALE else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    age_days = rng.randint(age_range[0] * 365 + 30, age_range[1] * 365 + 300)
    birth = today - timedelta(days=age_days)
    id_number = make_resident_id(region_code, birth, sequence % 500, gender)
    phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    return Person(rng.choice(SURNAMES) + given, gender, birth, id_number, phone)
