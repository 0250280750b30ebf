"""Forms for competitor profiles, self sign-up, review, eligibility rules, the draw and imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, NumberRange, Regexp

from competition.domain import Gender, SkillLevel
from competition.forms import choice, choices_of, length, optional, required
from competition.registration.eligibility import Status, TitleHolderPolicy
from competition.registration.idnumbers import IdType

_PHONE = Regexp(
    r"^(1\d{10}|\+?(852|853|886)[\d\- ]{6,12})$", message=_l("请输入 11 位手机号码（港澳台号码以区号开头）。")
)
_REGION = Regexp(r"^\d{6}$", message=_l("地区代码应为 6 位数字，如 330602。"))
_LEVEL_CHOICES = [choice("", _l("无"))] + [
    choice(level.value, level.certificate_label) for level in SkillLevel
]


class ProfileForm(FlaskForm):
    """A competitor's profile (个人信息), as the competitor, a unit contact or an organizer enters it."""

    name = StringField(_l("姓名"), validators=[required(), length(60)])
    gender = SelectField(_l("性别"), choices=choices_of(Gender))
    id_type = SelectField(_l("证件类型"), choices=choices_of(IdType))
    id_number = StringField(_l("证件号码"), validators=[required(), length(32)])
    birth_date = DateField(_l("出生日期（身份证可不填，由号码得出）"), validators=[optional()])
    phone = StringField(_l("手机号码"), validators=[required(), _PHONE])
    email = EmailField(_l("电子邮箱（可选）"), validators=[optional(), length(120)])
    unit_id = SelectField(_l("工作单位/学校"), coerce=int, validate_choice=True)
    status = SelectField(_l("身份"), choices=choices_of(Status))
    education = StringField(_l("学历（可选）"), validators=[optional(), length(30)])
    current_level = SelectField(_l("现有职业技能等级"), choices=_LEVEL_CHOICES)
    level_certificate_number = StringField(_l("等级证书编号（可选）"), validators=[optional(), length(32)])
    level_certified_on = DateField(_l("发证日期（可选）"), validators=[optional()])
    years_in_occupation = IntegerField(
        _l("本职业（工种）工作年限"),
        default=0,
        validators=[optional(), NumberRange(0, 60, message=_l("年限应在 0 到 60 之间。"))],
    )
    household_region = StringField(_l("户籍地区代码（可选）"), validators=[optional(), _REGION])
    social_insurance_region = StringField(_l("社保缴纳地区代码（可选）"), validators=[optional(), _REGION])
    titles = StringField(_l("已获荣誉称号（可选，多个用逗号分隔）"), validators=[optional(), length(300)])
    submit = SubmitField(_l("保存"))


class SignUpForm(ProfileForm):
    """Self sign-up: a profile plus the account's username and password."""

    username = StringField(
        _l("用户名"),
        validators=[
            required(),
            Regexp(
                r"^[A-Za-z0-9_.\-]{3,64}$",
                message=_l("用户名只能包含字母、数字、下划线、点和连字符，3 到 64 个字符。"),
            ),
        ],
    )
    password = PasswordField(_l("密码"), validators=[required(), length(128)])
    confirm = PasswordField(
        _l("再次输入密码"), validators=[required(), EqualTo("password", message=_l("两次输入的密码不一致。"))]
    )
    submit = SubmitField(_l("注册"))


class ReviewForm(FlaskForm):
    """Move one entry: approve, return for correction, reject, or withdraw, with a reason."""

    target = HiddenField(validators=[required()])
    reason = StringField(_l("原因"), validators=[optional(), length(300)])
    version = HiddenField()


class EligibilityForm(FlaskForm):
    """An event's eligibility rules (资格条件)."""

    age_reference_date = DateField(_l("年龄计算参考日（默认比赛首日）"), validators=[optional()])
    min_age = IntegerField(_l("最低年龄（周岁）"), validators=[optional(), NumberRange(0, 100)])
    max_age = IntegerField(_l("最高年龄（周岁）"), validators=[optional(), NumberRange(0, 100)])
    allowed_statuses = SelectMultipleField(_l("可报名身份（不选则按组别默认）"), choices=choices_of(Status))
    min_level = SelectField(_l("现有等级不低于"), choices=_LEVEL_CHOICES)
    max_level = SelectField(_l("现有等级不高于"), choices=_LEVEL_CHOICES)
    min_years_in_occupation = IntegerField(
        _l("本职业工作年限不少于"), validators=[optional(), NumberRange(0, 60)]
    )
    region_prefixes = StringField(
        _l("户籍或社保地区代码前缀（多个用逗号分隔，如 3306）"), validators=[optional(), length(200)]
    )
    max_entries_per_unit = IntegerField(_l("每单位限报人数"), validators=[optional(), NumberRange(1, 10000)])
    capacity = IntegerField(_l("赛项名额（超出进入候补）"), validators=[optional(), NumberRange(1, 100000)])
    restricted_titles = StringField(
        _l("已获以下称号者（多个用逗号分隔）"), validators=[optional(), length(300)]
    )
    title_holder_policy = SelectField(_l("已获称号者"), choices=choices_of(TitleHolderPolicy))
    submit = SubmitField(_l("保存报名条件"))


class DrawForm(FlaskForm):
    """Options of a draw, and the reason for a redraw."""

    number_prefix = StringField(_l("参赛号前缀（可选，如 A）"), validators=[optional(), length(4)])
    number_width = IntegerField(_l("编号位数"), default=3, validators=[required(), NumberRange(1, 9)])
    first_number = IntegerField(_l("起始编号"), default=1, validators=[optional(), NumberRange(0, 100000)])
    stations = IntegerField(_l("工位数（默认每个报名一个）"), validators=[optional(), NumberRange(1, 100000)])
    separate_units = BooleanField(_l("同一单位的选手不安排在相邻工位"), default=True)
    reason = TextAreaField(_l("重新抽签的原因（已公布后必填）"), validators=[optional(), length(300)])
    submit = SubmitField(_l("生成种子并公布其 SHA-256"))


class ImportForm(FlaskForm):
    """Upload a filled registration workbook."""

    workbook = FileField(
        _l("报名表（.xlsx）"),
        validators=[
            FileRequired(_l("请选择要上传的报名表。")),
            FileAllowed(["xlsx"], _l("只接受 .xlsx 文件。")),
        ],
    )
    valid_only = BooleanField(_l("只导入通过检查的行（不勾选则有任何错误都不导入）"))
    submit = SubmitField(_l("上传并检查"))


class PhotoForm(FlaskForm):
    """Upload an ID photo (1-inch, white background)."""

    photo = FileField(
        _l("证件照（JPEG 或 PNG，白色背景，不超过 2 MB）"),
        validators=[
            FileRequired(_l("请选择照片文件。")),
            FileAllowed(["jpg", "jpeg", "png"], _l("只接受 JPEG 或 PNG 图片。")),
        ],
    )
    submit = SubmitField(_l("上传照片"))
