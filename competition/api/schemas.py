"""Request and response schemas of the API (marshmallow): they validate input and *are* the OpenAPI
document's components, so the document is generated from the code that checks the requests.

Exact decimals (scores, weights) travel as strings such as ``"86.5"`` so no binary rounding creeps in.
Dates are ISO 8601 (``2026-10-26``); times are RFC 3339 in China Standard Time, the platform's clock
(``2026-10-26T09:30:00+08:00``).
"""

from __future__ import annotations

import unicodedata

import marshmallow as ma
from marshmallow import fields, validate

from competition.contests.lifecycle import ContestStatus
from competition.domain import Gender, Group, PartKind, SkillLevel, Tier
from competition.errors import N_
from competition.registration.eligibility import Status
from competition.registration.idnumbers import IdType

#: Competitor numbers as the draw gives them (``A01``, ``HG-007``).
NUMBER_PATTERN = r"^[A-Za-z0-9-]{1,16}$"


def _printable(value: str) -> bool:
    """No control characters (NUL, newlines, …): they have no place in a name or a number."""
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in value):
        raise ma.ValidationError(N_("不能包含控制字符或无效字符。"))
    return True


def _out_of_100(value) -> bool:
    if not value.is_finite() or not 0 <= value <= 100:
        raise ma.ValidationError(N_("成绩须在 0–100 之间。"))
    return True


def text(maximum: int, *, required: bool = False, minimum: int = 0, **kwargs) -> fields.String:
    """A single-line text field of at most ``maximum`` characters."""
    return fields.String(
        required=required,
        validate=[validate.Length(min=minimum, max=maximum), _printable],
        **kwargs,
    )


class ErrorSchema(ma.Schema):
    """Every error answer: ``{"code": 404, "status": "Not Found", "message": "…", "field": "…"}``.

    ``field`` names the parameter or body path at fault when there is one; ``errors`` carries the details
    (per-row problems of a batch, or the validator's messages by field)."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = fields.String(required=True, metadata={"description": "HTTP status name"})
    message = fields.String(metadata={"description": "What went wrong, in Chinese"})
    field = fields.String(metadata={"description": "The parameter or body field at fault"})
    errors = fields.Dict(metadata={"description": "Details: validation messages or per-row problems"})


# ---- contests and events ----------------------------------------------------------------------------


class ContestQuerySchema(ma.Schema):
    year = fields.Integer(validate=validate.Range(2000, 2100), metadata={"description": "Only this year"})
    status = fields.String(
        validate=validate.OneOf([s.value for s in ContestStatus]),
        metadata={"description": "Only this status"},
    )


class ContestSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    tier = fields.String(required=True, validate=validate.OneOf([t.value for t in Tier]))
    tier_label = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ContestStatus]))
    status_label = fields.String(required=True)
    body = fields.String(
        required=True, metadata={"description": "The organizing body (the contest's organizer)"}
    )
    co_organizers = fields.List(fields.String(), required=True)
    venue = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    registration_opens_at = fields.DateTime(allow_none=True, required=True)
    registration_closes_at = fields.DateTime(allow_none=True, required=True)
    public_notice_ends_on = fields.Date(allow_none=True, required=True)
    description = fields.String(required=True)
    event_count = fields.Integer(required=True)


class PartSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in PartKind]))
    label = fields.String(required=True)
    weight = fields.String(required=True, metadata={"description": "Percent of the total, exact decimal"})
    pass_mark = fields.String(required=True)


class EventSchema(ma.Schema):
    id = fields.Integer(required=True)
    contest_id = fields.Integer(required=True)
    title = fields.String(
        required=True, metadata={"description": "Occupation and group, e.g. a welder event for employees"}
    )
    occupation_name = fields.String(required=True)
    occupation_code = fields.String(allow_none=True, required=True)
    work_type = fields.String(allow_none=True, required=True)
    group = fields.String(required=True, validate=validate.OneOf([g.value for g in Group]))
    group_label = fields.String(required=True)
    team_size = fields.Integer(required=True)
    level = fields.String(required=True, validate=validate.OneOf([v.value for v in SkillLevel]))
    level_label = fields.String(required=True)
    capacity = fields.Integer(allow_none=True, required=True)
    parts = fields.List(fields.Nested(PartSchema), required=True)


# ---- registrations ----------------------------------------------------------------------------------


class MemberSchema(ma.Schema):
    name = fields.String(required=True)
    id_number = fields.String(required=True, metadata={"description": "Masked, e.g. 3306**********1234"})
    phone = fields.String(required=True, metadata={"description": "Masked, e.g. 138****5678"})
    unit = fields.String(allow_none=True, required=True)


class RegistrationSchema(ma.Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    status = fields.String(required=True)
    status_label = fields.String(required=True)
    channel = fields.String(required=True)
    unit = fields.String(allow_none=True, required=True)
    team_name = fields.String(allow_none=True, required=True)
    eligible = fields.Boolean(required=True)
    eligibility_problems = fields.List(fields.String(), required=True)
    competitor_number = fields.String(allow_none=True, required=True)
    station = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True)


class RegistrationRowSchema(ma.Schema):
    """One person to register: the columns of the batch registration workbook (批量报名表), checked by
    the same code. Team members share ``team_name``."""

    class Meta:
        ordered = True

    name = text(30, required=True, minimum=1, metadata={"description": "Full name, as on the ID document"})
    gender = fields.String(
        validate=validate.OneOf([g.value for g in Gender]),
        metadata={"description": "May be left out for resident ID cards (taken from the number)"},
    )
    id_type = fields.String(
        validate=validate.OneOf([t.value for t in IdType]),
        metadata={"description": "Left out: recognised from the number"},
    )
    id_number = text(32, required=True, minimum=1)
    birth_date = fields.Date(metadata={"description": "May be left out for resident ID cards"})
    phone = text(24, required=True, minimum=1)
    email = text(120)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in Status]))
    education = text(30)
    current_level = fields.String(validate=validate.OneOf([v.value for v in SkillLevel]))
    certificate_number = text(32)
    certified_on = fields.Date()
    years_in_occupation = fields.Integer(validate=validate.Range(0, 60))
    household_region = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    social_insurance_region = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    titles = fields.List(text(60, minimum=1), validate=validate.Length(max=20))
    team_name = text(60)


class RegistrationBatchSchema(ma.Schema):
    unit_id = fields.Integer(
        required=True,
        validate=validate.Range(1, 2**31 - 1),
        metadata={"description": "The unit (employer or school) the people are entered for"},
    )
    entries = fields.List(
        fields.Nested(RegistrationRowSchema), required=True, validate=validate.Length(min=1, max=1000)
    )


class RegisteredSchema(ma.Schema):
    index = fields.Integer(required=True, metadata={"description": "Position in the request's entries"})
    name = fields.String(required=True)
    registration_id = fields.Integer(required=True)
    status = fields.String(required=True)
    eligible = fields.Boolean(required=True)


class BatchResultSchema(ma.Schema):
    registered = fields.List(fields.Nested(RegisteredSchema), required=True)


# ---- marks ------------------------------------------------------------------------------------------


class TheoryScoreSchema(ma.Schema):
    number = fields.String(required=True, validate=validate.Regexp(NUMBER_PATTERN))
    # The range is checked by a plain function and documented through metadata: apispec would
    # otherwise write a Decimal range's bounds as strings, which is not valid JSON Schema.
    score = fields.Decimal(
        required=True,
        validate=_out_of_100,
        metadata={"description": "Out of 100, exact", "minimum": 0, "maximum": 100},
    )


class TheoryScoresSchema(ma.Schema):
    source = text(60, metadata={"description": "The sending exam system, kept in the marks' history"})
    scores = fields.List(
        fields.Nested(TheoryScoreSchema), required=True, validate=validate.Length(min=1, max=5000)
    )


class TheoryResultSchema(ma.Schema):
    written = fields.Integer(required=True, metadata={"description": "Scores stored or changed"})
    unchanged = fields.Integer(required=True, metadata={"description": "Scores equal to the stored ones"})


class MarkSchema(ma.Schema):
    entry = fields.String(required=True, metadata={"description": "Competitor number (never a name)"})
    part = fields.String(required=True)
    aspect = fields.String(required=True)
    judge = fields.String(
        required=True, metadata={"description": "J1, J2 … per event; empty for imported or objective marks"}
    )
    value = fields.String(required=True)
    kind = fields.String(required=True)
    rule = fields.String(required=True)


# ---- standings and decisions ------------------------------------------------------------------------


class StandingSchema(ma.Schema):
    entry = fields.String(required=True, metadata={"description": "Competitor number"})
    names = fields.List(fields.String(), required=True, metadata={"description": "Masked for the public"})
    unit = fields.String(allow_none=True, required=True)
    status = fields.String(required=True)
    rank = fields.Integer(allow_none=True, required=True)
    joint = fields.Boolean(required=True)
    total = fields.String(allow_none=True, required=True, metadata={"description": "2 places, half-up"})
    theory = fields.String(allow_none=True, required=True)
    practical = fields.String(allow_none=True, required=True)
    defence = fields.String(allow_none=True, required=True)
    all_parts_passed = fields.Boolean(required=True)
    award = fields.String(allow_none=True, required=True)
    award_label = fields.String(allow_none=True, required=True)


class StandingsSchema(ma.Schema):
    event_id = fields.Integer(required=True)
    sequence = fields.Integer(required=True, metadata={"description": "1, or higher after a re-publication"})
    published_at = fields.DateTime(required=True)
    notice_first_day = fields.Date(required=True)
    notice_last_day = fields.Date(required=True)
    entrants = fields.Integer(required=True)
    standings = fields.List(fields.Nested(StandingSchema), required=True)


class DecisionSchema(ma.Schema):
    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    competitor = fields.String(required=True, metadata={"description": "Masked unless the caller manages it"})
    kind = fields.String(required=True)
    outcome = fields.String(required=True)
    state = fields.String(required=True)
    level = fields.String(allow_none=True, required=True)
    level_label = fields.String(allow_none=True, required=True)
    title = fields.String(allow_none=True, required=True)
    rule_name = fields.String(allow_none=True, required=True)
    outcome_text = fields.String(required=True)
    reason = fields.String(required=True)
    final_date = fields.Date(allow_none=True, required=True)
    confirmed_at = fields.DateTime(allow_none=True, required=True)


# ---- certificate verification ----------------------------------------------------------------------


class CertificateLookupSchema(ma.Schema):
    number = text(40, required=True, minimum=1, metadata={"description": "证书编号"})
    name = text(30, required=True, minimum=1, metadata={"description": "The holder's name as printed"})


class VerificationSchema(ma.Schema):
    valid = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={"description": "valid, revoked or replaced"})
    status_reason = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    number = fields.String(required=True)
    holder = fields.String(required=True, metadata={"description": "Masked name"})
    id_number = fields.String(required=True, metadata={"description": "Masked ID number"})
    achievement = fields.String(required=True)
    issuer = fields.String(required=True)
    issued_on = fields.String(required=True)
    sha256 = fields.String(allow_none=True, required=True)
    replaced_by = fields.String(allow_none=True, required=True)
