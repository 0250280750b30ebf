"""A unit's batch registration from the filled workbook: parse, check, then write all or nothing
(or only the valid rows, when the unit contact asks for that). Every rejected row is reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from competition.accounts.models import User
from competition.audit.services import record
from competition.contests.models import Contest
from competition.errors import N_, DomainError, fmt
from competition.extensions import db
from competition.organizations.models import Unit
from competition.registration import services
from competition.registration.models import RegistrationChannel
from competition.registration.workbook import RegistrationRow, parse_workbook


@dataclass(frozen=True)
class RowOutcome:
    """One row's fate: ``message`` is empty for a registered row."""

    row: int
    name: str
    event: str
    message: str = ""
    column: str = ""


@dataclass
class ImportOutcome:
    """The report shown to the unit contact.

    ``written`` is true when entries were (or will be, once the caller commits) kept; in
    all-or-nothing mode any rejected row means nothing is written.
    """

    file_error: str | None = None
    registered: list[RowOutcome] = field(default_factory=list)
    rejected: list[RowOutcome] = field(default_factory=list)
    written: bool = False

    @property
    def total(self) -> int:
        """Rows looked at."""
        return len(self.registered) + len({r.row for r in self.rejected})


def _values(row: RegistrationRow, unit: Unit) -> services.ProfileValues:
    return services.ProfileValues(
        name=row.name,
        gender=row.gender,
        id_type=row.id_type,
        id_number=row.id_number,
        birth_date=row.birth_date,
        phone=row.phone,
        email=row.email,
        unit_id=unit.id,
        status=row.status,
        education=row.education,
        current_level=row.current_level,
        level_certificate_number=row.certificate_number,
        level_certified_on=row.certified_on,
        years_in_occupation=row.years_in_occupation or 0,
        household_region=row.household_region,
        social_insurance_region=row.social_insurance_region,
        titles=row.titles,
    )


def import_workbook(
    data: bytes,
    *,
    contest: Contest,
    unit: Unit,
    actor: User,
    now: datetime,
    valid_only: bool,
    max_rows: int = 5000,
) -> ImportOutcome:
    """Register the people of ``unit`` listed in the workbook ``data`` into ``contest``'s events.

    Each entry (a person, or a team's rows grouped by 团队名称) is written inside its own savepoint,
    so a row refused by the database-level checks (already registered, ID already used by someone
    else's profile …) leaves nothing behind. Existing profiles are found by ID number and reused.
    When ``valid_only`` is false and any row is rejected, ``written`` is false and the caller must
    roll back. Never raises for the file's content; a file that cannot be read at all gives
    ``file_error``.
    """
    events = {event.title: event for event in contest.events}
    report = parse_workbook(
        data,
        today=now.date(),
        event_titles=list(events),
        max_rows=max_rows,
        team_sizes={title: event.team_size for title, event in events.items() if event.team_size > 1},
    )
    outcome = ImportOutcome(file_error=report.file_error)
    if report.file_error:
        return outcome
    by_row = {row.row: row for row in report.rows}
    for problem in report.problems:
        row = by_row.get(problem.row)
        outcome.rejected.append(
            RowOutcome(
                problem.row,
                report.names.get(problem.row, ""),
                row.event_title if row else "",
                problem.message,
                problem.column,
            )
        )
    groups: dict[tuple[str, str], list[RegistrationRow]] = {}
    for row in report.ok_rows:
        key = (row.event_title, row.team_name or f"row-{row.row}")
        groups.setdefault(key, []).append(row)
    for (title, _key), rows in groups.items():
        event = events[title]
        savepoint = db.session.begin_nested()
        try:
            competitors = []
            for row in rows:
                competitor = services.find_competitor(row.id_type, row.id_number)
                if competitor is None:
                    competitor = services.save_competitor(None, _values(row, unit), actor=actor, now=now)
                competitors.append(competitor)
            services.register(
                event,
                competitors,
                channel=RegistrationChannel.UNIT,
                actor=actor,
                now=now,
                unit_id=unit.id,
                team_name=rows[0].team_name,
            )
        except DomainError as error:
            savepoint.rollback()
            outcome.rejected += [RowOutcome(row.row, row.name, title, error.text) for row in rows]
        else:
            savepoint.commit()
            outcome.registered += [RowOutcome(row.row, row.name, title) for row in rows]
    outcome.rejected.sort(key=lambda r: r.row)
    outcome.written = bool(outcome.registered) and (valid_only or not outcome.rejected)
    if outcome.written:
        record(
            "registration.import",
            actor=actor,
            now=now,
            object_type="contest",
            object_id=contest.id,
            contest_id=contest.id,
            summary=fmt(
                N_("%(name)s 批量报名：导入 %(n)s 行，拒绝 %(n2)s 行"),
                name=unit.name,
                n=len(outcome.registered),
                n2=len(outcome.rejected),
            ),
            after={"registered": len(outcome.registered), "rejected": [r.row for r in outcome.rejected]},
        )
    return outcome
