"""Tables of marking and results: schemes, panels, marks with history, sign-offs, standings, appeals.

Marks are stored as the text MARKS.csv uses for the same fact (:mod:`competition.scoring.files`), so a
stored mark, the exported file and the core's parser agree by construction. Models never commit.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competition.accounts.models import User
from competition.contests.models import Event, EventPart
from competition.domain import AwardClass
from competition.errors import N_, from_data, stored_messages
from competition.extensions import ExactDecimal, db, str_enum
from competition.registration.models import Registration


class AwardPolicyKind(StrEnum):
    """How an event's awards are sized (the same choices as ``flask scoring standings``)."""

    COUNTS = "counts"
    PERCENT = "percent"
    NATIONAL = "national"

    @property
    def label(self) -> str:
        """Chinese name of the policy."""
        return {
            "counts": N_("按名额（一、二、三等奖人数）"),
            "percent": N_("按比例（一、二、三等奖占参与排名人数的百分比）"),
            "national": N_("全国技能大赛（金银铜各1名，优胜奖至前一半，排名不并列）"),
        }[self.value]


class MarkSource(StrEnum):
    """Why a mark changed."""

    ENTRY = "entry"
    RESCORE = "rescore"
    IMPORT = "import"
    CORRECTION = "correction"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            "entry": N_("录入"),
            "rescore": N_("重新评分"),
            "import": N_("导入"),
            "correction": N_("更正"),
        }[self.value]


class Ruling(StrEnum):
    """The arbitration group's ruling on an appeal."""

    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"pending": N_("待裁决"), "upheld": N_("申诉成立"), "dismissed": N_("驳回")}[self.value]


class EventScheme(db.Model):
    """An event's marking scheme (评分标准), stored as the workbook of our template.

    ``workbook`` is the one source of truth: the core's ``MarkingScheme`` is rebuilt from it by
    :func:`competition.scoring.xlsx_io.import_scheme_xlsx` (cached by ``sha256``), and the same bytes
    are what the results page exports as SCHEME.xlsx. Its parts carry the event's weights.
    """

    __tablename__ = "event_scheme"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    layout: Mapped[str] = mapped_column(sa.String(16))
    source_filename: Mapped[str] = mapped_column(sa.String(200))
    workbook: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    aspect_count: Mapped[int]
    imported_at: Mapped[datetime]
    imported_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    event: Mapped[Event] = relationship()
    imported_by: Mapped[User] = relationship()


class EventMarking(db.Model):
    """An event's marking and results settings and state.

    ``award_sizes`` are the three numbers of COUNTS or PERCENT; ``ends_at`` is when the event ended (the
    appeal window of ``appeal_window_hours`` runs from it; DOMAIN.md §3: 2 hours). Sign-off of the
    whole event locks every part; decryption (解密) reveals names to the chief judge and organizer.
    """

    __tablename__ = "event_marking"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    award_policy: Mapped[AwardPolicyKind] = mapped_column(
        str_enum(AwardPolicyKind), default=AwardPolicyKind.COUNTS
    )
    award_sizes: Mapped[list[str]] = mapped_column(sa.JSON, default=lambda: ["1", "2", "3"])
    appeal_window_hours: Mapped[int] = mapped_column(default=2)
    ends_at: Mapped[datetime | None]
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decrypted_at: Mapped[datetime | None]
    decrypted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    event: Mapped[Event] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        sa.CheckConstraint("appeal_window_hours BETWEEN 0 AND 720", name="appeal_window_range"),
    )


class PanelSeat(db.Model):
    """A judge on the panel of one part of an event (a judge of the event's panel, see JudgeAssignment)."""

    __tablename__ = "panel_seat"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_part_id: Mapped[int] = mapped_column(sa.ForeignKey("event_part.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    part: Mapped[EventPart] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_part_id", "user_id", name="uq_panel_seat_judge"),)


class ConflictOverride(db.Model):
    """The chief judge lets a judge mark a competitor of the judge's own unit anyway, with a reason."""

    __tablename__ = "conflict_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (sa.UniqueConstraint("registration_id", "user_id", name="uq_conflict_override_pair"),)


class ConflictRelation(db.Model):
    """A listed relation (关系回避) between a judge and an entry: kin, teacher and pupil, a former colleague…
    The judge is kept off the entry as for the same unit; the chief judge records it, audited."""

    __tablename__ = "conflict_relation"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    relation: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    __table_args__ = (sa.UniqueConstraint("registration_id", "user_id", name="uq_conflict_relation_pair"),)


class Mark(db.Model):
    """One recorded fact for one entry and aspect: a judge's own score (judgement aspects, ``judge_id``
    set) or the entry's shared measurement (``judge_id`` NULL).

    ``value`` is MARKS.csv text (``2``, ``1``/``0``, ``50.03``, ``Ⅱ级``, ``17/20``, ``Q1=2``); ``None``
    when cleared. ``version`` counts changes: a save must name the version it edits, so a stale tab or a
    second judge is refused instead of overwriting. Every change is also a :class:`MarkHistory` row.
    """

    __tablename__ = "mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    aspect_code: Mapped[str] = mapped_column(sa.String(40))
    judge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    value: Mapped[str | None] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.Index(
            "uq_mark_judged",
            "registration_id",
            "aspect_code",
            "judge_id",
            unique=True,
            sqlite_where=sa.text("judge_id IS NOT NULL"),
            postgresql_where=sa.text("judge_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_mark_measured",
            "registration_id",
            "aspect_code",
            unique=True,
            sqlite_where=sa.text("judge_id IS NULL"),
            postgresql_where=sa.text("judge_id IS NULL"),
        ),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )


class MarkHistory(db.Model):
    """Every value a mark has had, in order: nothing is silently overwritten.

    ``reason`` is the Chinese note as written; ``reason_data`` (notes the platform writes, e.g. a theory
    score imported from the exam system, since it was added) the same note as a stored marked message
    (:func:`competition.errors.to_data`), so pages show it in the reader's language (:attr:`shown_reason`).
    """

    __tablename__ = "mark_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    mark_id: Mapped[int] = mapped_column(sa.ForeignKey("mark.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    value: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[MarkSource] = mapped_column(str_enum(MarkSource))
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    reason_data: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    changed_by: Mapped[User | None] = relationship()

    @property
    def shown_reason(self) -> Any:
        """``reason`` for a page: the stored marked message (translated where shown) when there is one,
        else the Chinese text as written (typed by a judge, or written before ``reason_data`` existed)."""
        if self.reason_data is None:
            return self.reason
        return from_data(self.reason_data, self.reason)

    __table_args__ = (sa.UniqueConstraint("mark_id", "version", name="uq_mark_history_version"),)


class PartSubmission(db.Model):
    """A judge has submitted (提交) their marks of one part; from then on others' marks are visible to
    them and their own change only when the chief judge asks for a re-score."""

    __tablename__ = "part_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_part_id: Mapped[int] = mapped_column(sa.ForeignKey("event_part.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("event_part_id", "judge_id", name="uq_part_submission_judge"),)


class PartSignOff(db.Model):
    """The chief judge has signed off (签字确认) one part: its marks are locked until unlocked with a reason."""

    __tablename__ = "part_sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_part.id", ondelete="CASCADE"), unique=True
    )
    signed_off_at: Mapped[datetime]
    signed_off_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))


class RescoreRequest(db.Model):
    """The chief judge asks a judge to look at one mark again (divergent scores, an appeal)."""

    __tablename__ = "rescore_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id", ondelete="CASCADE"))
    aspect_code: Mapped[str] = mapped_column(sa.String(40))
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    requested_at: Mapped[datetime]
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None]

    registration: Mapped[Registration] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])


#: Why an entry flagged "not ranked for awards" (``Registration.not_ranked_for_awards``) is listed
#: without a rank: stored in Chinese in ``PublishedStanding.not_ranked_reason``, shown translated.
NOT_RANKED_REASON = N_("不参与评奖")


class Publication(db.Model):
    """One publication of an event's standings for public notice (公示); a re-publication after an appeal
    supersedes the previous one (kept, with ``superseded_at``)."""

    __tablename__ = "results_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int]
    published_at: Mapped[datetime]
    published_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    notice_first_day: Mapped[date]
    notice_last_day: Mapped[date]
    working_days: Mapped[int]
    calendar_fallback: Mapped[bool] = mapped_column(default=False)
    award_policy_text: Mapped[str] = mapped_column(sa.String(200))
    award_policy_data: Mapped[Any | None] = mapped_column(sa.JSON(none_as_null=True))
    scheme_sha256: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    superseded_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    standings: Mapped[list[PublishedStanding]] = relationship(
        back_populates="publication", order_by="PublishedStanding.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("event_id", "sequence", name="uq_results_publication_sequence"),)

    @property
    def shown_award_policy(self) -> Any:
        """The award policy for a page: the marked message (translated where shown) when it was stored
        beside the Chinese text (``award_policy_data``), else the Chinese text."""
        if self.award_policy_data is None:
            return self.award_policy_text
        return from_data(self.award_policy_data, self.award_policy_text)


class PublishedStanding(db.Model):
    """One line of published standings, as later features read it (promotion, certificates, portal).

    ``total`` and part scores are the exact values as STANDINGS.csv writes them (exact when they
    terminate within 10 places); ``display_total`` is rounded half-up to 2 places. ``status`` is
    ``ranked`` / ``not_ranked`` / ``disqualified``. ``current`` is false once superseded. Names are
    read through ``registration`` and masked at display time on public pages.
    """

    __tablename__ = "published_standing"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        sa.ForeignKey("results_publication.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), index=True)
    position: Mapped[int]
    entry: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16))
    rank: Mapped[int | None]
    joint: Mapped[bool] = mapped_column(default=False)
    entrants: Mapped[int]
    total: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 10))
    display_total: Mapped[Decimal | None] = mapped_column(ExactDecimal(8, 2))
    score_theory: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 10))
    score_practical: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 10))
    score_defence: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 10))
    all_passed: Mapped[bool] = mapped_column(default=False)
    award: Mapped[AwardClass | None] = mapped_column(str_enum(AwardClass))
    not_ranked_reason: Mapped[str | None] = mapped_column(sa.String(100))
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reasons_data: Mapped[list[Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    current: Mapped[bool] = mapped_column(default=True)

    publication: Mapped[Publication] = relationship(back_populates="standings")

    @property
    def shown_not_ranked_reason(self) -> str | None:
        """``not_ranked_reason`` for a page: the platform's own :data:`NOT_RANKED_REASON` marked (shown
        translated), any other reason as stored."""
        if self.not_ranked_reason == NOT_RANKED_REASON:
            return NOT_RANKED_REASON
        return self.not_ranked_reason

    @property
    def shown_reasons(self) -> list[Any]:
        """``reasons`` for a page: the platform's explanations (rank, award, disqualification) as stored
        marked messages (``reasons_data``, translated where shown), or the Chinese texts for lines
        published before ``reasons_data`` existed."""
        return stored_messages(self.reasons, self.reasons_data)

    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('ranked', 'not_ranked', 'disqualified')", name="status_known"),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
    )


class Appeal(db.Model):
    """An appeal (申诉) to the 监督仲裁组, recorded by the organizer, with its ruling.

    ``remark_part_id`` is the part reopened for re-marking when an upheld appeal changes marks.
    """

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"))
    appellant: Mapped[str] = mapped_column(sa.String(60))
    content: Mapped[str] = mapped_column(sa.Text)
    lodged_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    ruling: Mapped[Ruling] = mapped_column(str_enum(Ruling), default=Ruling.PENDING)
    ruling_text: Mapped[str | None] = mapped_column(sa.Text)
    remark_part_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event_part.id"))
    ruled_at: Mapped[datetime | None]
    ruled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    registration: Mapped[Registration] = relationship()
    remark_part: Mapped[EventPart | None] = relationship()
