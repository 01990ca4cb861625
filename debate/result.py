"""The analysis of a consultation as typed, frozen data: what :func:`debate.analysis.analyse`
returns, read and written as its JSON document (API.md section 4, docs/analysis.md).

:meth:`AnalysisResult.from_json` checks a document and builds the dataclasses; a malformed one
(a wrong type, a statement entry without its id) raises :class:`~debate.errors.DebateError`
naming the place, e.g. ``groups[0].representative[2].agree: expected a number, got 'high'``.
:meth:`AnalysisResult.to_json` gives the document back: ``from_json(d).to_json() == d`` for
every document ``analyse`` produces. Keys a reader does not know (added by a newer analysis)
are kept in each record's ``extra`` and written back unchanged; keys a document lacks take
their empty default (an older document still reads).

>>> from debate import VoteMatrix, analyse
>>> document = analyse(VoteMatrix.from_dense([[1, 1, -1, 1]] * 9 + [[-1, -1, 1, 1]] * 7))
>>> result = AnalysisResult.from_json(document)
>>> result.k, [g.size for g in result.groups], result.consensus.agree[0].statement
(2, [9, 7], '3')
>>> result.to_json() == document
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

from debate.errors import DebateError

__all__ = [
    "AnalysisResult",
    "Consensus",
    "ConsensusStatement",
    "Counts",
    "Crux",
    "DivisiveStatement",
    "Excluded",
    "Group",
    "GroupVotes",
    "OpinionMap",
    "Pca",
    "RepresentativeStatement",
    "StatementStats",
    "UncertainStatement",
    "group_label",
]

#: Letters of the opinion groups as people read them: A, B, C...
GROUP_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

Extra = Mapping[str, Any]


def group_label(group: int | str | None) -> str:
    """Name an opinion group for people: ``0`` is ``"A"``; past Z, the 1-based number.

    Parameters
    ----------
    group : int, str or None
        A group id (a string of digits is read as its number).

    Returns
    -------
    str
        The letter, the number as text, or ``""`` for no group (an unclustered participant).

    Examples
    --------
    >>> group_label(0), group_label("2"), group_label(30), group_label(None)
    ('A', 'C', '31', '')
    """
    if group is None:
        return ""
    if isinstance(group, str):
        if not group.isdigit():
            return group
        group = int(group)
    return GROUP_LETTERS[group] if 0 <= group < len(GROUP_LETTERS) else str(group + 1)


# --------------------------------------------------------------------------------------------
# Reading a document


class _Reader:
    """Reads the fields of one JSON object, with the path used in error messages."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise DebateError(f"{where or 'the analysis'}: expected an object, got {_shown(data)}")
        self.data: dict[str, Any] = data
        self.where = where
        self.known: set[str] = set()

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str) -> Any:
        self.known.add(key)
        return self.data.get(key)

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            raise DebateError(f"{self._at(key)}: expected a string, got {_shown(value)}")
        return value

    def number(self, key: str, default: float = 0.0) -> float:
        value = self._get(key)
        return default if value is None else _number(value, self._at(key))

    def optional_number(self, key: str) -> float | None:
        value = self._get(key)
        return None if value is None else _number(value, self._at(key))

    def integer(self, key: str, default: int = 0) -> int:
        value = self._get(key)
        return default if value is None else _integer(value, self._at(key))

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise DebateError(f"{self._at(key)}: expected true or false, got {_shown(value)}")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        """An object field (an absent one is empty); JSON objects have string keys."""
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise DebateError(f"{self._at(key)}: expected an object, got {_shown(value)}")
        return value

    def optional_mapping(self, key: str) -> dict[str, Any] | None:
        """An object field that may be absent (None), kept as plain JSON."""
        return self.mapping(key) if self.data.get(key) is not None else self._get(key)

    def items(self, key: str) -> list[tuple[str, Any]]:
        """The entries of an object field (an absent one is empty)."""
        return [(str(k), v) for k, v in self.mapping(key).items()]

    def rows(self, key: str) -> list[tuple[str, Any]]:
        """The elements of a list field with their paths (an absent one is empty)."""
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DebateError(f"{self._at(key)}: expected a list, got {_shown(value)}")
        return [(f"{self._at(key)}[{i}]", v) for i, v in enumerate(value)]

    def point(self, key: str) -> tuple[float, ...]:
        """A list of numbers (an absent one is empty)."""
        value = self._get(key)
        return () if value is None else _point(value, self._at(key))

    def texts(self, key: str) -> list[str]:
        """A list of ids (an absent one is empty); numbers are read as their text."""
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise DebateError(f"{self._at(key)}: expected a list, got {_shown(value)}")
        return [str(v) for v in value]

    def numbers(self, key: str) -> dict[str, float]:
        """An object of numbers (statement or group id -> score)."""
        return {k: _number(v, f"{self._at(key)}.{k}") for k, v in self.items(key)}

    def child(self, key: str) -> _Reader:
        value = self._get(key)
        return _Reader({} if value is None else value, self._at(key))

    def extra(self) -> dict[str, Any]:
        """The fields this reader did not ask for (kept, and written back)."""
        return {k: v for k, v in self.data.items() if k not in self.known}


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DebateError(f"{where}: expected a number, got {_shown(value)}")
    return float(value)


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DebateError(f"{where}: expected an integer, got {_shown(value)}")
    return value


def _point(value: object, where: str) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise DebateError(f"{where}: expected a list of numbers, got {_shown(value)}")
    return tuple(_number(x, f"{where}[{i}]") for i, x in enumerate(value))


def _points(items: Mapping[str, Any], where: str) -> dict[str, tuple[float, ...]]:
    """Positions by id. A map holds one per participant (hundreds of thousands): the common
    case, two floats, takes a fast path; anything else is checked element by element."""
    points: dict[str, tuple[float, ...]] = {}
    for key, value in items.items():
        if type(value) is list and len(value) == 2:
            x, y = value
            if type(x) is float and type(y) is float:
                points[key] = (x, y)
                continue
        points[str(key)] = _point(value, f"{where}.{key}")
    return points


class _Record:
    """A record read from and written to its JSON object field by field, in field order: each
    dataclass field but ``extra`` is the key of its name (``pass_`` is ``"pass"``), read with the
    check of its type; keys the reader does not know go to ``extra`` and are written back last."""

    __slots__ = ()
    extra: Extra

    @classmethod
    def from_json(cls, data: object, where: str) -> Self:
        return cls.from_reader(_Reader(data, where))

    @classmethod
    def from_reader(cls, r: _Reader) -> Self:
        build: Callable[..., Self] = cls
        values = {name: read(r, key) for name, key, read, _ in _fields_of(cls)}
        return build(**values, extra=r.extra())

    def to_json(self) -> dict[str, Any]:
        fields_ = _fields_of(type(self))
        return {
            **{key: write(getattr(self, name)) for name, key, _, write in fields_},
            **self.extra,
        }


_Reads = Callable[[_Reader, str], Any]
_Writes = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


#: How a field of each type is read and written (nested records: see :func:`_fields_of`).
_BY_TYPE: dict[str, tuple[_Reads, _Writes]] = {
    "int": (lambda r, key: r.integer(key), _same),
    "float": (lambda r, key: r.number(key), _same),
    "bool": (lambda r, key: r.flag(key), _same),
    "tuple[float, ...]": (lambda r, key: r.point(key), list),
    "Mapping[str, float]": (lambda r, key: r.numbers(key), dict),
    "Mapping[str, tuple[float, ...]]": (
        lambda r, key: _points(r.mapping(key), r._at(key)),
        lambda m: {k: list(v) for k, v in m.items()},
    ),
}

_FIELDS: dict[type, tuple[tuple[str, str, _Reads, _Writes], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, str, _Reads, _Writes], ...]:
    """(field name, JSON key, reader, writer) of a record's fields but ``extra``, made once."""
    known = _FIELDS.get(cls)
    if known is not None:
        return known
    made: list[tuple[str, str, _Reads, _Writes]] = []
    for f in fields(cls):
        if f.name == "extra":
            continue
        kind = str(f.type)
        if kind == "str":
            default = f.default if isinstance(f.default, str) else None
            made.append((f.name, f.name.rstrip("_"), _text_reader(default), _same))
        elif kind in _BY_TYPE:
            made.append((f.name, f.name.rstrip("_"), *_BY_TYPE[kind]))
        else:  # tuple[Record, ...]
            record = globals()[kind.removeprefix("tuple[").removesuffix(", ...]")]
            made.append((f.name, f.name.rstrip("_"), _rows_reader(record), _rows_writer))
    _FIELDS[cls] = tuple(made)
    return _FIELDS[cls]


def _text_reader(default: str | None) -> _Reads:
    return lambda r, key: r.text(key, default)


def _rows_reader(record: type[_Record]) -> _Reads:
    return lambda r, key: tuple(record.from_json(v, w) for w, v in r.rows(key))


def _rows_writer(records: tuple[_Record, ...]) -> list[dict[str, Any]]:
    return [record.to_json() for record in records]


# --------------------------------------------------------------------------------------------
# The records


@dataclass(frozen=True, slots=True)
class RepresentativeStatement(_Record):
    """A statement that sets a group apart (Pol.is repness): the group's shares and the test.

    ``direction`` is ``"agree"`` or ``"disagree"``; ``agree``/``disagree``/``pass_`` are the
    group's shares of those who saw it; ``repness`` is the ratio of the group's probability of
    that answer to everyone else's, ``repness_test`` its two-proportion z statistic; ``p_success``
    and ``p_test`` the group's smoothed probability and its z statistic, from ``n_success`` of
    ``n_trials`` votes; ``best_agree`` marks the group's best agreed statement.
    """

    statement: str
    direction: str = "agree"
    agree: float = 0.0
    disagree: float = 0.0
    pass_: float = 0.0
    repness: float = 0.0
    repness_test: float = 0.0
    p_success: float = 0.0
    p_test: float = 0.0
    n_success: int = 0
    n_trials: int = 0
    best_agree: bool = False
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Group(_Record):
    """An opinion group: its id, size, centre on the opinion map, representative statements."""

    id: int
    size: int = 0
    center: tuple[float, ...] = ()
    representative: tuple[RepresentativeStatement, ...] = ()
    extra: Extra = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The group's letter (A, B, ...)."""
        return group_label(self.id)


@dataclass(frozen=True, slots=True)
class ConsensusStatement(_Record):
    """A statement a large majority agrees (or disagrees) with, and the test that says so."""

    statement: str
    agree: float = 0.0
    disagree: float = 0.0
    pass_: float = 0.0
    p_success: float = 0.0
    p_test: float = 0.0
    n_success: int = 0
    n_trials: int = 0
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Consensus(_Record):
    """Majority consensus: the statements most agree with, and those most disagree with."""

    agree: tuple[ConsensusStatement, ...] = ()
    disagree: tuple[ConsensusStatement, ...] = ()
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DivisiveStatement(_Record):
    """A statement on which the groups differ: ``spread`` of their agreement, and each group's
    agreement (``agree``: group id -> probability)."""

    statement: str
    spread: float = 0.0
    agree: Mapping[str, float] = field(default_factory=dict)
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UncertainStatement(_Record):
    """A statement many pass on: the share of passes, ``n_pass`` of ``n_trials`` votes."""

    statement: str
    pass_: float = 0.0
    n_pass: int = 0
    n_trials: int = 0
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Crux(_Record):
    """A statement whose votes best predict a participant's group (``score`` 0 to 1)."""

    statement: str
    score: float = 0.0
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupVotes(_Record):
    """How one group voted on one statement: counts of agree, disagree, pass, and who saw it."""

    agree: int = 0
    disagree: int = 0
    pass_: int = 0
    seen: int = 0
    extra: Extra = field(default_factory=dict)

    @property
    def shares(self) -> tuple[float, float, float]:
        """(agree, disagree, pass) as shares of those who saw it (zeros when nobody did)."""
        if not self.seen:
            return (0.0, 0.0, 0.0)
        return (self.agree / self.seen, self.disagree / self.seen, self.pass_ / self.seen)


@dataclass(frozen=True, slots=True)
class StatementStats(_Record):
    """One statement's votes, overall and per group (``groups[g]`` for group ``g``), whether it
    was moderated out or is a meta statement, its routing ``priority``, its ``extremity`` on the
    opinion map and its ``projection`` there (Pol.is's ``comment-projection``)."""

    agree: int = 0
    disagree: int = 0
    pass_: int = 0
    seen: int = 0
    moderated: bool = False
    meta: bool = False
    priority: float = 0.0
    extremity: float = 0.0
    projection: tuple[float, ...] = ()
    groups: tuple[GroupVotes, ...] = ()
    extra: Extra = field(default_factory=dict)

    @property
    def overall(self) -> GroupVotes:
        """Everyone's votes, as a :class:`GroupVotes`."""
        return GroupVotes(self.agree, self.disagree, self.pass_, self.seen)


@dataclass(frozen=True, slots=True)
class OpinionMap(_Record):
    """Positions on the opinion map: clustered participants, group centres, statements."""

    participants: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    groups: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    statements: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    extra: Extra = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Excluded:
    """What the analysis left out.

    ``statements``: the ids of the moderated-out statements (as :func:`~debate.analysis.analyse`
    reports them), or their number (the web app replaces the list by the count of statements
    moderation left out: hidden, merged and awaiting approval); ``meta``: the meta statements'
    ids (left out of the map and the statistics); ``participants``: unclustered
    participants (the analysis) or participants whose votes were left out (the web app).
    """

    statements: tuple[str, ...] | int = ()
    meta: tuple[str, ...] | None = None
    participants: int = 0
    extra: Extra = field(default_factory=dict)

    @property
    def n_statements(self) -> int:
        """How many statements were left out, whichever form ``statements`` has."""
        return self.statements if isinstance(self.statements, int) else len(self.statements)

    @classmethod
    def from_json(cls, r: _Reader) -> Excluded:
        raw = r._get("statements")
        statements: tuple[str, ...] | int
        if raw is None:
            statements = ()
        elif isinstance(raw, list):
            statements = tuple(str(s) for s in raw)
        else:
            statements = _integer(raw, r._at("statements"))
        return cls(
            statements=statements,
            meta=None if r.data.get("meta") is None else tuple(r.texts("meta")),
            participants=r.integer("participants"),
            extra=r.extra(),
        )

    def to_json(self) -> dict[str, Any]:
        statements = self.statements
        return {
            "statements": statements if isinstance(statements, int) else list(statements),
            **({} if self.meta is None else {"meta": list(self.meta)}),
            "participants": self.participants,
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class Pca:
    """Pol.is's principal components: over ``statements`` (the ones with votes), the ``center``
    of the votes (agree +1) and two ``components`` (one weight per statement each)."""

    statements: tuple[str, ...] = ()
    center: tuple[float, ...] = ()
    components: tuple[tuple[float, ...], ...] = ()
    extra: Extra = field(default_factory=dict)

    @classmethod
    def from_json(cls, r: _Reader) -> Pca:
        raw = r._get("components")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise DebateError(f"{r._at('components')}: expected a list, got {_shown(raw)}")
        return cls(
            statements=tuple(r.texts("statements")),
            center=r.point("center"),
            components=tuple(_point(c, f"{r._at('components')}[{i}]") for i, c in enumerate(raw)),
            extra=r.extra(),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "statements": list(self.statements),
            "center": list(self.center),
            "components": [list(c) for c in self.components],
            **self.extra,
        }


@dataclass(frozen=True, slots=True)
class Counts(_Record):
    """How much was analysed: participants, statements, votes, and clustered participants."""

    participants: int = 0
    statements: int = 0
    votes: int = 0
    clustered: int = 0
    extra: Extra = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The whole result


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """The analysis of a consultation (every field is documented in docs/analysis.md).

    Statement and participant ids are strings; score mappings are keyed by statement id.

    Examples
    --------
    >>> result = AnalysisResult.from_json({"k": 1, "participants": {"p1": 0, "p2": None}})
    >>> result.k, result.participants["p2"], result.controversy, result.groups
    (1, None, None, ())
    >>> AnalysisResult.from_json({"groups": [{"id": "one"}]})
    Traceback (most recent call last):
    ...
    debate.errors.DebateError: groups[0].id: expected an integer, got 'one'
    >>> AnalysisResult.from_json([])
    Traceback (most recent call last):
    ...
    debate.errors.DebateError: the analysis: expected an object, got []
    """

    participants: Mapping[str, int | None] = field(default_factory=dict)
    groups: tuple[Group, ...] = ()
    consensus: Consensus = field(default_factory=Consensus)
    group_informed_consensus: Mapping[str, float] = field(default_factory=dict)
    divisive: tuple[DivisiveStatement, ...] = ()
    uncertain: tuple[UncertainStatement, ...] = ()
    bridging: Mapping[str, float] = field(default_factory=dict)
    strength: Mapping[str, float] = field(default_factory=dict)
    cruxes: tuple[Crux, ...] = ()
    controversy: float | None = None
    k: int = 0
    seed: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)
    map: OpinionMap = field(default_factory=OpinionMap)
    statements: Mapping[str, StatementStats] = field(default_factory=dict)
    priority: Mapping[str, float] = field(default_factory=dict)
    silhouettes: Mapping[str, float] = field(default_factory=dict)
    excluded: Excluded = field(default_factory=Excluded)
    counts: Counts = field(default_factory=Counts)
    pca: Pca = field(default_factory=Pca)
    given_groups: Mapping[str, Any] | None = None
    replay: Mapping[str, Any] | None = None
    extra: Extra = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object) -> AnalysisResult:
        """Read an analysis document; raise DebateError naming the place if it is malformed."""
        r = _Reader(data, "")
        participants: dict[str, int | None] = {}
        for pid, group in r.mapping("participants").items():
            if group is not None and type(group) is not int:
                group = _integer(group, f"participants.{pid}")
            participants[str(pid)] = group
        return cls(
            participants=participants,
            groups=tuple(Group.from_json(v, w) for w, v in r.rows("groups")),
            consensus=Consensus.from_reader(r.child("consensus")),
            group_informed_consensus=r.numbers("group_informed_consensus"),
            divisive=tuple(DivisiveStatement.from_json(v, w) for w, v in r.rows("divisive")),
            uncertain=tuple(UncertainStatement.from_json(v, w) for w, v in r.rows("uncertain")),
            bridging=r.numbers("bridging"),
            strength=r.numbers("strength"),
            cruxes=tuple(Crux.from_json(v, w) for w, v in r.rows("cruxes")),
            controversy=r.optional_number("controversy"),
            k=r.integer("k"),
            seed=r.integer("seed"),
            timings=r.numbers("timings"),
            map=OpinionMap.from_reader(r.child("map")),
            statements={
                sid: StatementStats.from_json(v, f"statements.{sid}")
                for sid, v in r.items("statements")
            },
            priority=r.numbers("priority"),
            silhouettes=r.numbers("silhouettes"),
            excluded=Excluded.from_json(r.child("excluded")),
            counts=Counts.from_reader(r.child("counts")),
            pca=Pca.from_json(r.child("pca")),
            given_groups=r.optional_mapping("given_groups"),
            replay=r.optional_mapping("replay"),
            extra=r.extra(),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document (plain dicts, lists, strings, numbers, booleans and None)."""
        return {
            "participants": dict(self.participants),
            "groups": [g.to_json() for g in self.groups],
            "consensus": self.consensus.to_json(),
            "group_informed_consensus": dict(self.group_informed_consensus),
            "divisive": [d.to_json() for d in self.divisive],
            "uncertain": [u.to_json() for u in self.uncertain],
            "bridging": dict(self.bridging),
            "strength": dict(self.strength),
            "cruxes": [c.to_json() for c in self.cruxes],
            "controversy": self.controversy,
            "k": self.k,
            "seed": self.seed,
            "timings": dict(self.timings),
            "map": self.map.to_json(),
            "statements": {sid: s.to_json() for sid, s in self.statements.items()},
            "priority": dict(self.priority),
            "silhouettes": dict(self.silhouettes),
            "excluded": self.excluded.to_json(),
            "counts": self.counts.to_json(),
            "pca": self.pca.to_json(),
            **({} if self.given_groups is None else {"given_groups": dict(self.given_groups)}),
            **({} if self.replay is None else {"replay": dict(self.replay)}),
            **self.extra,
        }

    @property
    def n_clustered(self) -> int:
        """How many participants are in an opinion group."""
        return sum(1 for g in self.participants.values() if g is not None)

    def group_of(self, participant: str) -> int | None:
        """The opinion group of a participant (None: not clustered, or unknown)."""
        return self.participants.get(participant)
