"""Sign-in, password, invitation and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import EqualTo, Regexp

from competition.accounts.models import Role
from competition.forms import choice, choices_of, length, optional, required

_USERNAME = Regexp(
    r"^[A-Za-z0-9_.\-]{3,64}$", message=_l("用户名只能包含字母、数字、下划线、点和连字符，3 到 64 个字符。")
)
_PHONE = Regexp(r"^1\d{10}$", message=_l("请输入 11 位手机号码。"))


class SignInForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("用户名"), validators=[required(), length(64)])
    password = PasswordField(_l("密码"), validators=[required(), length(128)])
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    """The current password and the new one twice."""

    current = PasswordField(_l("当前密码"), validators=[required()])
    password = PasswordField(_l("新密码"), validators=[required(), length(128)])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[required(), EqualTo("password", message=_l("两次输入的新密码不一致。"))],
    )
    submit = SubmitField(_l("修改密码"))


class AcceptInvitationForm(FlaskForm):
    """An invited person chooses a username and password."""

    username = StringField(_l("用户名"), validators=[required(), _USERNAME])
    phone = StringField(_l("手机号码"), validators=[optional(), _PHONE])
    password = PasswordField(_l("密码"), validators=[required(), length(128)])
    confirm = PasswordField(
        _l("再次输入密码"), validators=[required(), EqualTo("password", message=_l("两次输入的密码不一致。"))]
    )
    submit = SubmitField(_l("创建账号"))


class UserForm(FlaskForm):
    """An admin creates an account of any role."""

    username = StringField(_l("用户名"), validators=[required(), _USERNAME])
    display_name = StringField(_l("姓名"), validators=[required(), length(60)])
    role = SelectField(_l("角色"), choices=choices_of(Role), validators=[required()])
    body_id = SelectField(_l("所属组织单位（组织方必填）"), coerce=int, validate_choice=True)
    unit_id = SelectField(_l("所属单位（单位联系人必填）"), coerce=int, validate_choice=True)
    email = EmailField(_l("电子邮箱"), validators=[optional(), length(120)])
    phone = StringField(_l("手机号码"), validators=[optional(), _PHONE])
    password = PasswordField(_l("初始密码"), validators=[required(), length(128)])
    submit = SubmitField(_l("创建账号"))


class InvitationForm(FlaskForm):
    """An organizer invites a judge (optionally onto one of its events) or a unit contact."""

    role = SelectField(
        _l("邀请身份"), choices=[choice("judge", _l("裁判员")), choice("unit_contact", _l("单位联系人"))]
    )
    display_name = StringField(_l("姓名"), validators=[required(), length(60)])
    email = EmailField(_l("电子邮箱（可选）"), validators=[optional(), length(120)])
    unit_id = SelectField(
        _l("单位（单位联系人必选；裁判员可选，用于回避）"), coerce=int, validate_choice=True
    )
    event_id = SelectField(_l("加入赛项裁判组（可选）"), coerce=int, validate_choice=True)
    judge_position = SelectField(
        _l("裁判组职务"), choices=[choice("judge", _l("裁判员")), choice("chief_judge", _l("裁判长"))]
    )
    submit = SubmitField(_l("生成邀请链接"))
