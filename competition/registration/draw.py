"""The draw (抽签): competitor numbers (参赛号/检录号) and stations (工位号), random but reproducible.

Pure: standard library only. The caller supplies the seed (a strong random secret generated outside
this module, e.g. ``secrets.token_hex(16)``) and publishes :func:`seed_commitment` before the draw;
after the draw the seed is revealed, and anyone can check the commitment and re-run the draw.

How the draw works, exactly (``DRAW_VERSION = 1``; CPython ≥ 3.11, whose ``random.Random`` seeding
from an ``int`` and ``shuffle`` are stable)::

    import hashlib, random
    seed = "the revealed seed".encode("utf-8")           # bytes seeds are used as they are
    assert hashlib.sha256(seed).hexdigest() == commitment
    rng = random.Random(int.from_bytes(hashlib.sha256(b"competition-draw-v1:" + seed).digest(), "big"))
    order = sorted(entry_keys)                            # code-point order; input order is irrelevant
    rng.shuffle(order)                                    # order[i] gets number first_number + i
    stations = list(range(1, S + 1))                      # S = options.stations or len(order)
    for attempt in range(2000):                           # MAX_SHUFFLES
        rng.shuffle(stations)                             # order[i] gets station stations[i]
        if not separate_units or no two entries of one unit have station numbers differing by 1:
            break

The commitment is SHA-256 of the seed, but the generator is seeded from SHA-256 of a prefixed seed,
so the published commitment does not itself reveal the draw; the seed needs ≥ 128 bits of entropy so
that it cannot be guessed from the commitment. Accepting the first shuffle that keeps units apart
makes every such arrangement equally likely.

If 2000 shuffles find no arrangement that keeps units apart (only when the constraint is tight),
the stations are placed by a constructive pass that continues with the same ``rng``: stations are
filled from 1 to S; at each station the candidates are "leave empty" (weight = empty stations still
to leave) and each unit other than the previous station's (weight = its entries left), restricted
to choices after which an arrangement still exists (see :func:`separation_feasible`); one candidate
is picked with ``rng.randrange(total weight)`` in the order (units by key, then "empty"); a picked
unit's entry is ``rng.randrange`` among its remaining entries in number order. The result says
which path was taken (:attr:`DrawResult.constructive`, :attr:`DrawResult.shuffles`).

Decision on an impossible constraint: when a unit has more entries than ⌈S/2⌉ no arrangement keeps
it off adjacent stations, and :func:`draw` raises :class:`DomainError` (switch the option off or add
stations) rather than silently breaking it. Adjacent means station numbers differing by 1.
A team draws as one entry: one number, one station; its members get ``number-1``, ``number-2``, ….
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from competition.errors import N_, DomainError, InvariantError

__all__ = [
    "DRAW_DOMAIN",
    "DRAW_VERSION",
    "MAX_SHUFFLES",
    "DrawAssignment",
    "DrawEntry",
    "DrawOptions",
    "DrawResult",
    "adjacent_same_unit",
    "draw",
    "draw_rng",
    "seed_commitment",
    "separation_feasible",
]

DRAW_VERSION = 1
DRAW_DOMAIN = b"competition-draw-v1:"
MAX_SHUFFLES = 2000


@dataclass(frozen=True, slots=True)
class DrawEntry:
    """One entry in the draw: a competitor, or a team drawing as one (``team_size`` ≥ 1 members).

    ``key`` is unique in the draw (e.g. the registration id as text); ``unit_key`` names the employer
    or school whose entries are kept apart.
    """

    key: str
    unit_key: str
    team_size: int = 1


@dataclass(frozen=True, slots=True)
class DrawOptions:
    """How numbers look and where stations go.

    Numbers are ``f"{number_prefix}{n:0{number_width}d}"`` for n = ``first_number`` … (e.g. ``A001``).
    ``stations``: how many stations there are (numbered 1…S); ``None`` means one per entry.
    ``separate_units``: keep entries of one unit off adjacent stations.
    Raises :class:`DomainError` naming the field for a width outside 1–9, a negative first number or
    fewer than one station.
    """

    number_prefix: str = ""
    number_width: int = 3
    first_number: int = 1
    stations: int | None = None
    separate_units: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.number_width <= 9:
            raise DomainError(N_("编号位数应为 1–9"), field="number_width")
        if self.first_number < 0:
            raise DomainError(N_("起始编号不能为负数"), field="first_number")
        if self.stations is not None and self.stations < 1:
            raise DomainError(N_("工位数至少为 1"), field="stations")


@dataclass(frozen=True, slots=True)
class DrawAssignment:
    """What one entry drew: ``sequence`` (int) formatted as ``number``, a ``station`` (1…S), and the
    members' numbers (``(number,)`` for a single competitor, ``number-1`` … for a team)."""

    entry_key: str
    unit_key: str
    sequence: int
    number: str
    station: int
    member_numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DrawResult:
    """The draw: ``assignments`` in number order; ``commitment`` = :func:`seed_commitment` of the seed;
    ``stations`` = S; ``shuffles`` = station shuffles made; ``constructive`` = True when the stations
    came from the constructive pass after :data:`MAX_SHUFFLES` rejected shuffles."""

    commitment: str
    assignments: tuple[DrawAssignment, ...]
    stations: int
    shuffles: int
    constructive: bool


def _seed_bytes(seed: str | bytes) -> bytes:
    data = seed.encode("utf-8") if isinstance(seed, str) else bytes(seed)
    if not data:
        raise DomainError(N_("抽签种子不能为空"), field="seed")
    return data


def seed_commitment(seed: str | bytes) -> str:
    """SHA-256 of the seed (``str`` encoded as UTF-8), 64 lower-case hex digits, published before the draw.

    Raises :class:`DomainError` for an empty seed.
    """
    return hashlib.sha256(_seed_bytes(seed)).hexdigest()


def draw_rng(seed: str | bytes) -> random.Random:
    """The draw's generator: ``random.Random(int.from_bytes(sha256(DRAW_DOMAIN + seed).digest(), "big"))``.

    Raises :class:`DomainError` for an empty seed.
    """
    digest = hashlib.sha256(DRAW_DOMAIN + _seed_bytes(seed)).digest()
    return random.Random(int.from_bytes(digest, "big"))


def separation_feasible(unit_counts: Iterable[int], stations: int, blocked_count: int = 0) -> bool:
    """Whether entries can sit on a row of ``stations`` stations with no unit on adjacent stations.

    ``unit_counts``: entries per unit (other than the blocked one); ``blocked_count``: entries of a
    unit that may not take the first station (its entry sits just before the row). Feasible exactly
    when the entries fit, every unit has at most ⌈S/2⌉ entries and the blocked unit at most ⌊S/2⌋:
    a unit then takes every other station and the rest fill the gaps.
    """
    counts = list(unit_counts)
    total = sum(counts) + blocked_count
    if total > stations or blocked_count > stations // 2:
        return False
    return all(c <= (stations + 1) // 2 for c in counts)


def adjacent_same_unit(assignments: Sequence[DrawAssignment]) -> list[tuple[str, str]]:
    """Pairs of entry keys of one unit on stations differing by 1 (empty when the separation holds)."""
    by_station = {a.station: a for a in assignments}
    return [
        (a.entry_key, b.entry_key)
        for a in assignments
        if (b := by_station.get(a.station + 1)) is not None and b.unit_key == a.unit_key
    ]


def draw(seed: str | bytes, entries: Sequence[DrawEntry], options: DrawOptions | None = None) -> DrawResult:
    """Assign numbers and stations to ``entries`` at random, reproducibly from ``seed``.

    The result depends only on the seed, the set of entries and the options (see the module docstring
    for the exact procedure). Numbers are consecutive from ``first_number`` in drawn order; stations are
    distinct, from 1…S.

    Raises :class:`DomainError` for an empty seed, a duplicate or empty entry key, a team size below 1,
    more entries than stations, numbers that do not fit ``number_width``, or (with
    ``separate_units``) a unit with more entries than ⌈S/2⌉, naming the unit.
    """
    options = options or DrawOptions()
    commitment = seed_commitment(seed)
    _validate(entries)
    n = len(entries)
    stations = options.stations if options.stations is not None else n
    if n > stations:
        raise DomainError(
            N_("参赛队伍（%(n)s）多于工位（%(stations)s）"), n=n, stations=stations, field="stations"
        )
    last = options.first_number + n - 1
    if n and len(str(last)) > options.number_width:
        raise DomainError(
            N_("编号 %(last)s 超过 %(number_width)s 位"),
            last=last,
            number_width=options.number_width,
            field="number_width",
        )
    if options.separate_units:
        _require_separable(entries, stations)
    if n == 0:
        return DrawResult(commitment, (), stations, 0, False)

    rng = draw_rng(seed)
    order = sorted(entries, key=lambda e: e.key)
    rng.shuffle(order)
    units = [e.unit_key for e in order]

    station_of: list[int] | None = None
    places = list(range(1, stations + 1))
    shuffles = 0
    while shuffles < MAX_SHUFFLES:
        rng.shuffle(places)
        shuffles += 1
        if not options.separate_units or _separated(units, places):
            station_of = places[:n]
            break
    constructive = station_of is None
    if station_of is None:
        station_of = _constructive(units, stations, rng)

    assignments = []
    for i, entry in enumerate(order):
        sequence = options.first_number + i
        number = f"{options.number_prefix}{sequence:0{options.number_width}d}"
        members = (
            (number,)
            if entry.team_size == 1
            else tuple(f"{number}-{j}" for j in range(1, entry.team_size + 1))
        )
        assignments.append(
            DrawAssignment(entry.key, entry.unit_key, sequence, number, station_of[i], members)
        )
    result = DrawResult(commitment, tuple(assignments), stations, shuffles, constructive)
    if options.separate_units and adjacent_same_unit(result.assignments):
        raise InvariantError("draw broke unit separation although it was feasible")
    return result


def _validate(entries: Sequence[DrawEntry]) -> None:
    seen: set[str] = set()
    for entry in entries:
        if not entry.key:
            raise DomainError(N_("抽签条目缺少编号"), field="entries")
        if entry.key in seen:
            raise DomainError(N_("抽签条目“%(key)s”重复"), key=entry.key, field="entries")
        if entry.team_size < 1:
            raise DomainError(N_("“%(key)s”的队伍人数应至少为 1"), key=entry.key, field="entries")
        seen.add(entry.key)


def _require_separable(entries: Sequence[DrawEntry], stations: int) -> None:
    counts = Counter(e.unit_key for e in entries)
    if not counts:
        return
    unit, most = max(sorted(counts.items()), key=lambda item: item[1])
    if not separation_feasible(counts.values(), stations):
        raise DomainError(
            N_(
                "无法使同一单位的选手不相邻：单位“%(unit)s”有 %(most)s 个参赛条目，而 %(stations)s 个工位中最多只能安排 %"
                "(stations2)s 个互不相邻的工位；请增加工位或关闭“同单位不相邻”"
            ),
            unit=unit,
            most=most,
            stations=stations,
            stations2=(stations + 1) // 2,
            field="stations",
        )


def _separated(units: Sequence[str], places: Sequence[int]) -> bool:
    unit_at = {places[i]: unit for i, unit in enumerate(units)}
    return all(unit_at.get(station + 1) != unit for station, unit in unit_at.items())


def _constructive(units: Sequence[str], stations: int, rng: random.Random) -> list[int]:
    remaining: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        remaining.setdefault(unit, []).append(index)
    station_of = [0] * len(units)
    previous: str | None = None
    left = len(units)
    for station in range(1, stations + 1):
        rest = stations - station  # stations after this one
        # separation_feasible(others, rest, count - 1) for each unit, using the two largest counts.
        ranked = sorted(((len(v), u) for u, v in remaining.items()), reverse=True)
        top, top_unit = ranked[0] if ranked else (0, None)
        second = ranked[1][0] if len(ranked) > 1 else 0
        candidates: list[tuple[str | None, int]] = []
        for unit in sorted(remaining):
            count = len(remaining[unit])
            largest_other = second if unit == top_unit else top
            if (
                unit != previous
                and left - 1 <= rest
                and count - 1 <= rest // 2
                and largest_other <= (rest + 1) // 2
            ):
                candidates.append((unit, count))
        empties = stations - station + 1 - left
        if empties > 0 and separation_feasible((len(v) for v in remaining.values()), rest):
            candidates.append((None, empties))
        if not candidates:
            raise InvariantError("constructive draw reached a dead end")
        chosen = _weighted_pick(candidates, rng)
        if chosen is None:
            previous = None
            continue
        pool = remaining[chosen]
        station_of[pool.pop(rng.randrange(len(pool)))] = station
        if not pool:
            del remaining[chosen]
        previous = chosen
        left -= 1
    return station_of


def _weighted_pick(candidates: Sequence[tuple[str | None, int]], rng: random.Random) -> str | None:
    pick = rng.randrange(sum(weight for _, weight in candidates))
    for candidate, weight in candidates:
        if pick < weight:
            return candidate
        pick -= weight
    raise InvariantError("weighted pick out of range")
