"""Promotion and honours in the database: rule sets per contest, proposed and confirmed decisions, public
notices, each competitor's level history, honour programmes with their batches, nominations and records.

The rule logic lives once in :mod:`competition.promotion.rules`; these rows store its inputs (rule sets as
YAML and parsed data) and its outputs (decisions with their reasons) and the review that follows.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from competition.accounts.models import User
from competition.contests.models import Contest, Event
from competition.domain import SkillLevel
from competition.errors import N_, Joined, fmt, from_data, stored_messages, to_data
from competition.extensions import db, str_enum
from competition.organizations.models import OrganizingBody, Unit
from competition.promotion.rules import DecisionKind, DecisionStatus
from competition.registration.models import Competitor


class PromotionRuleSet(db.Model):
    """The promotion rules a contest (``event_id`` NULL) or one of its events (an override) is run under.

    Either a shipped preset used as it is (``preset_key`` = ``id@version``, ``yaml_text`` is the preset's
    text) or an editable copy (``preset_key`` NULL). ``data`` is the parsed form
    (:func:`~competition.promotion.ruleset_yaml.ruleset_to_data`), ``ruleset_key`` the ``id@version``
    stored with every decision; ``revision`` counts saved edits (each one is kept as a
    :class:`PromotionRuleSetRevision`).
    """

    __tablename__ = "promotion_ruleset"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    preset_key: Mapped[str | None] = mapped_column(sa.String(80))
    cloned_from: Mapped[str | None] = mapped_column(sa.String(80))
    ruleset_key: Mapped[str] = mapped_column(sa.String(90))
    name: Mapped[str] = mapped_column(sa.String(200))
    yaml_text: Mapped[str] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(sa.JSON)
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    contest: Mapped[Contest] = relationship()
    event: Mapped[Event | None] = relationship()
    revisions: Mapped[list[PromotionRuleSetRevision]] = relationship(
        back_populates="ruleset", order_by="PromotionRuleSetRevision.revision", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("contest_id", "event_id", name="uq_promotion_ruleset_scope"),)

    @property
    def is_preset(self) -> bool:
        """``True`` when a shipped preset is used unchanged (read-only)."""
        return self.preset_key is not None


class PromotionRuleSetRevision(db.Model):
    """One saved version of an editable rule set (its YAML text as saved)."""

    __tablename__ = "promotion_ruleset_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("promotion_ruleset.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int]
    ruleset_key: Mapped[str] = mapped_column(sa.String(90))
    yaml_text: Mapped[str] = mapped_column(sa.Text)
    saved_at: Mapped[datetime]
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    ruleset: Mapped[PromotionRuleSet] = relationship(back_populates="revisions")

    __table_args__ = (sa.UniqueConstraint("ruleset_id", "revision", name="uq_promotion_ruleset_revision"),)


class ReviewState(StrEnum):
    """Where the review of a decision stands (the engine's own status is :class:`DecisionStatus`)."""

    PROPOSED = "proposed"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``已确认``."""
        return {
            "proposed": N_("待审核"),
            "rejected": N_("不予通过"),
            "confirmed": N_("已确认"),
            "reversed": N_("已撤销"),
        }[self.value]


class PromotionNotice(db.Model):
    """A public notice (公示) of a contest's promotion and title decisions, from ``first_day`` to
    ``last_day`` (working days, :mod:`competition.workdays`); decisions noticed together name it."""

    __tablename__ = "promotion_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int]
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]
    working_days: Mapped[int]
    decisions_count: Mapped[int] = mapped_column(default=0)

    contest: Mapped[Contest] = relationship()

    __table_args__ = (sa.UniqueConstraint("contest_id", "sequence", name="uq_promotion_notice_sequence"),)


class PromotionReason(db.Model):
    """The facts, outcome and reason of decisions as stored marked messages
    (:func:`competition.promotion.services.reason_data`), so pages show them in the reader's language.

    Kept once per distinct content and shared: a rule set gives the same texts to every result with the
    same facts (a city's year of 6,600 decisions has a few dozen), so a decision row carries only the
    ``digest``, the SHA-256 of the canonical JSON (:func:`competition.promotion.services.reason_digest`).
    Rows are never changed or deleted; the decision's Chinese texts stay its record.
    """

    __tablename__ = "promotion_reason"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class PromotionDecision(db.Model):
    """One decision of the engine about one competitor's result and one rule, with its review.

    ``rule_key`` is the rule id: (contest, event, competitor, rule_key) is unique, so re-evaluating updates
    rows in place. Results no rule matches (``no_match``) are not stored: pages derive them from the
    standings (:func:`competition.promotion.services.no_match_lines`). ``outcome`` is the engine's status; ``state`` the review;
    ``adjusted_level`` an organizer's change with ``review_reason``. ``notice_id`` is the public notice the
    decision was published in (cleared when its content changes).
    """

    __tablename__ = "promotion_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    # no index of its own: uq_promotion_decision starts with it
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contest.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration.id"))
    standing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("published_standing.id", ondelete="SET NULL")
    )
    rule_key: Mapped[str] = mapped_column(sa.String(120), default="")
    ruleset_key: Mapped[str] = mapped_column(sa.String(90))
    kind: Mapped[DecisionKind] = mapped_column(str_enum(DecisionKind))
    outcome: Mapped[DecisionStatus] = mapped_column(str_enum(DecisionStatus))
    rule_name: Mapped[str | None] = mapped_column(sa.String(300))
    rule_source: Mapped[str | None] = mapped_column(sa.Text)
    level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    facts_text: Mapped[str] = mapped_column(sa.Text)
    outcome_text: Mapped[str] = mapped_column(sa.String(300))
    reason: Mapped[str] = mapped_column(sa.Text)
    # The three texts as stored marked messages (PromotionReason, shared by the decisions that have the
    # same texts); NULL for rows written before it existed (they show the Chinese text).
    reason_digest: Mapped[str | None] = mapped_column(sa.ForeignKey("promotion_reason.digest"))
    superseded_by: Mapped[str | None] = mapped_column(sa.String(120))
    blocked_by: Mapped[str | None] = mapped_column(sa.String(40))
    final_date: Mapped[date | None]
    evaluated_at: Mapped[datetime]
    state: Mapped[ReviewState] = mapped_column(str_enum(ReviewState), default=ReviewState.PROPOSED)
    adjusted_level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("promotion_notice.id"))
    confirmed_at: Mapped[datetime | None]
    reversed_at: Mapped[datetime | None]
    reversal_reason: Mapped[str | None] = mapped_column(sa.String(500))

    contest: Mapped[Contest] = relationship()
    event: Mapped[Event] = relationship()
    competitor: Mapped[Competitor] = relationship()
    notice: Mapped[PromotionNotice | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()
    # loaded with the decisions (one more query for any number of them: they share a few reasons)
    reason_messages: Mapped[PromotionReason | None] = relationship(lazy="selectin")

    __table_args__ = (
        sa.UniqueConstraint(
            "contest_id", "event_id", "competitor_id", "rule_key", name="uq_promotion_decision"
        ),
    )

    @property
    def reason_data(self) -> dict[str, Any] | None:
        """``{"facts": …, "outcome": …, "reason": …}``: the decision's three texts as stored marked
        messages (:func:`competition.promotion.services.reason_data`), or ``None`` for rows written
        before they were kept (pages then show the Chinese text)."""
        reason = self.reason_messages
        return reason.data if reason is not None else None

    @property
    def effective_level(self) -> SkillLevel | None:
        """The level as adjusted by the organizer, else as decided."""
        return self.adjusted_level or self.level

    @property
    def actionable(self) -> bool:
        """``True`` when the decision grants something (now or once the results are final)."""
        return self.kind is not DecisionKind.NONE and self.outcome in (
            DecisionStatus.GRANTED,
            DecisionStatus.PENDING,
        )

    def _shown(self, part: str, text: str) -> Any:
        data = self.reason_data
        if not isinstance(data, dict) or part not in data:
            return text
        return from_data(data[part], text)

    @property
    def shown_facts(self) -> Any:
        """``facts_text`` for a page: a marked message (translated where shown) when ``reason_data``
        holds it, else the Chinese text."""
        return self._shown("facts", self.facts_text)

    @property
    def shown_rank(self) -> Any:
        """The first of the facts (``第3名/47人``) for a page, translated where shown like
        :attr:`shown_facts`."""
        facts = self.shown_facts
        if isinstance(facts, Joined) and facts.items:
            return facts.items[0]
        return self.facts_text.split(",")[0]

    @property
    def shown_outcome(self) -> Any:
        """``outcome_text`` for a page (see :attr:`shown_facts`)."""
        return self._shown("outcome", self.outcome_text)

    @property
    def shown_reason(self) -> Any:
        """``reason`` for a page (see :attr:`shown_facts`); the parameters left out of the stored data
        (``facts``, ``result``, ``source``: :func:`competition.promotion.services.reason_data`) are taken
        from the row."""
        data = self.reason_data
        reason = data.get("reason") if isinstance(data, dict) else None
        if not isinstance(reason, dict) or not isinstance(reason.get("p"), dict):
            return self._shown("reason", self.reason)
        params = {"facts": data.get("facts"), "result": data.get("outcome"), "source": self.rule_source}
        params.update(reason["p"])
        if "facts" not in reason["p"] and params["facts"] is None:
            return self.reason
        return from_data({**reason, "p": params}, self.reason)

    def _adjusted_text(self) -> Any:
        """The organizer's adjustment as a marked message, ``None`` without one."""
        if self.adjusted_level is None:
            return None
        if self.kind is DecisionKind.PROMOTION:
            return fmt(N_("晋升 %(level)s（组织方调整）"), level=self.adjusted_level.certificate_label)
        return fmt(N_("取得申报资格 %(level)s（组织方调整）"), level=self.adjusted_level.certificate_label)

    @property
    def shown_result(self) -> Any:
        """:attr:`result_text` for a page: translated where shown."""
        adjusted = self._adjusted_text()
        return self.shown_outcome if adjusted is None else adjusted

    @property
    def result_text(self) -> str:
        """What the decision gives, with an adjustment shown: ``晋升 二级/技师`` or ``授予…称号``."""
        adjusted = self._adjusted_text()
        return self.outcome_text if adjusted is None else str(adjusted)


class LevelOrigin(StrEnum):
    """How a level was gained (DOMAIN.md §2; issue 5 item 7)."""

    DECLARED = "declared"
    COMPETITION = "competition"
    DIRECT = "direct"
    EVALUATION = "evaluation"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``直接认定``."""
        return {
            "declared": N_("原有等级（本人申报）"),
            "competition": N_("竞赛晋升"),
            "direct": N_("直接认定"),
            "evaluation": N_("技能等级评价"),
        }[self.value]


class LevelRecord(db.Model):
    """One entry of a competitor's level history: the level, when and how it was gained, its source and
    certificate number. A revoked entry (``revoked_at``) no longer counts towards the current level."""

    __tablename__ = "level_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    level: Mapped[SkillLevel] = mapped_column(str_enum(SkillLevel))
    gained_on: Mapped[date]
    origin: Mapped[LevelOrigin] = mapped_column(str_enum(LevelOrigin))
    source: Mapped[str] = mapped_column(sa.String(500))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(32))
    contest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contest.id", ondelete="SET NULL"))
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("promotion_decision.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(500))

    competitor: Mapped[Competitor] = relationship()
    contest: Mapped[Contest | None] = relationship()
    decision: Mapped[PromotionDecision | None] = relationship()


class HonourPeriod(StrEnum):
    """How often a programme selects (DOMAIN.md §5)."""

    YEARLY = "yearly"
    BIENNIAL = "biennial"

    @property
    def label(self) -> str:
        """``每年`` or ``每两年``."""
        return {"yearly": N_("每年"), "biennial": N_("每两年")}[self.value]

    @property
    def years(self) -> int:
        """1 or 2."""
        return 1 if self is HonourPeriod.YEARLY else 2


class HonourProgramme(db.Model):
    """An honour programme (评选), e.g. 江苏工匠 or 绍兴市技术能手: a title, who confers it, how often,
    the quota per batch and the eligibility (age ≤ ``age_max`` at the batch's reference date, minimum
    level, earlier titles of which at least one is required)."""

    __tablename__ = "honour_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(sa.ForeignKey("organizing_body.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    issuing_body: Mapped[str] = mapped_column(sa.String(200))
    period: Mapped[HonourPeriod] = mapped_column(str_enum(HonourPeriod))
    quota: Mapped[int]
    age_max: Mapped[int | None]
    min_level: Mapped[SkillLevel | None] = mapped_column(str_enum(SkillLevel))
    required_titles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]

    body: Mapped[OrganizingBody] = relationship()
    batches: Mapped[list[HonourBatch]] = relationship(
        back_populates="programme", order_by="HonourBatch.year.desc()", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("body_id", "title", name="uq_honour_programme_title"),
        sa.CheckConstraint("quota >= 1", name="quota_positive"),
    )


class BatchState(StrEnum):
    """A batch's stage: nominating and reviewing → public notice → confirmed."""

    NOMINATING = "nominating"
    NOTICE = "notice"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"nominating": N_("推荐与评审中"), "notice": N_("公示中"), "confirmed": N_("已确认")}[
            self.value
        ]


class HonourBatch(db.Model):
    """One selection of a programme (``2026年度``), with the date ages are measured at and its notice."""

    __tablename__ = "honour_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("honour_programme.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    label: Mapped[str] = mapped_column(sa.String(60))
    age_reference_date: Mapped[date]
    state: Mapped[BatchState] = mapped_column(str_enum(BatchState), default=BatchState.NOMINATING)
    notice_first_day: Mapped[date | None]
    notice_last_day: Mapped[date | None]
    confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    programme: Mapped[HonourProgramme] = relationship(back_populates="batches")
    nominations: Mapped[list[HonourNomination]] = relationship(
        back_populates="batch", order_by="HonourNomination.id", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("programme_id", "year", name="uq_honour_batch_year"),)


class NominationChannel(StrEnum):
    """Where a nomination came from."""

    RESULT = "result"
    UNIT = "unit"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"result": N_("竞赛成绩推荐"), "unit": N_("单位推荐")}[self.value]


class NominationState(StrEnum):
    """The review of a nomination."""

    NOMINATED = "nominated"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"nominated": N_("待评审"), "selected": N_("拟入选"), "not_selected": N_("未入选")}[self.value]


class HonourNomination(db.Model):
    """A person put forward in a batch, from competition results (a confirmed title decision or a top
    rank) or by a unit with supporting material (text, optionally a file).

    ``eligibility_problems`` keeps the failed eligibility checks as Chinese text;
    ``eligibility_details`` the same problems as stored marked messages
    (:func:`competition.errors.to_data`), filled in whenever the problems are set, so a page shows
    them in the reader's language (:attr:`shown_problems`; nominations checked before it existed have
    ``None`` and show the Chinese text).
    """

    __tablename__ = "honour_nomination"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("honour_batch.id", ondelete="CASCADE"), index=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    channel: Mapped[NominationChannel] = mapped_column(str_enum(NominationChannel))
    decision_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("promotion_decision.id", ondelete="SET NULL")
    )
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    material: Mapped[str] = mapped_column(sa.Text, default="")
    achievements: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    attachment: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    eligibility_problems: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    eligibility_details: Mapped[list[Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    state: Mapped[NominationState] = mapped_column(
        str_enum(NominationState), default=NominationState.NOMINATED
    )
    review_reason: Mapped[str | None] = mapped_column(sa.String(500))
    nominated_at: Mapped[datetime]
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    batch: Mapped[HonourBatch] = relationship(back_populates="nominations")
    competitor: Mapped[Competitor] = relationship()
    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("batch_id", "competitor_id", name="uq_honour_nomination_person"),)

    @validates("eligibility_problems")
    def _keep_details(self, _key: str, problems: list[str] | None) -> list[str]:
        # the Chinese text in eligibility_problems, the marked messages beside it (None when unmarked)
        problems = list(problems or [])
        details = [to_data(problem) for problem in problems]
        self.eligibility_details = details if any(not isinstance(d, str) for d in details) else None
        return [str(problem) for problem in problems]

    @property
    def shown_problems(self) -> list[Any]:
        """The eligibility problems for a page: marked messages (translated where shown) when stored
        beside the Chinese text, else the Chinese text."""
        return stored_messages(self.eligibility_problems, self.eligibility_details)


class HonourRecord(db.Model):
    """荣誉档案: the record of one holder of a programme's title — person, title, batch, citation,
    achievements; the photo is the competitor's. ``record_number`` is printed on the PDF."""

    __tablename__ = "honour_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("honour_nomination.id"), unique=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("honour_programme.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(sa.ForeignKey("competitor.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    batch_label: Mapped[str] = mapped_column(sa.String(60))
    citation: Mapped[str] = mapped_column(sa.Text)
    achievements: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    record_number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    conferred_on: Mapped[date]
    created_at: Mapped[datetime]

    programme: Mapped[HonourProgramme] = relationship()
    competitor: Mapped[Competitor] = relationship()
    nomination: Mapped[HonourNomination] = relationship()
