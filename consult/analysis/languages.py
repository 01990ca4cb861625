"""Insights by language: who takes part in which language, and each group's language make-up.

A participant's language is the account's preferred language (the interface language it chose
or registered in); without one, the language most of their statements are written in; else
unknown. Participants are the people who voted or posted in the consultation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from consult.analysis import adapters
from consult.analysis.opinion_map import group_styles
from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.languages.codes import LANGUAGES, is_language
from consult.languages.models import StatementTranslation
from consult.statements.models import Statement, StatementStatus
from consult.votes.models import Vote
from debate.result import AnalysisResult

UNKNOWN = "unknown"


@dataclass(frozen=True)
class LanguageRow:
    """One language's participants and statements."""

    language: str
    participants: int
    share: int  # % of participants
    statements: int


@dataclass(frozen=True)
class GroupLanguages:
    """One opinion group's members by language."""

    label: str
    colour: str
    size: int
    by_language: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LanguageInsights:
    """The Languages section of the insights page."""

    rows: list[LanguageRow]
    groups: list[GroupLanguages]
    translated: int  # visible statements with at least one translation
    visible: int


def participant_languages(consultation_id: int) -> dict[int, str]:
    """Each participant's language by user id (the rule in the module docstring)."""
    voters = set(
        db.session.scalars(
            select(Vote.user_id).where(Vote.consultation_id == consultation_id).distinct()
        )
    )
    written: dict[int, Counter[str]] = defaultdict(Counter)
    rows = db.session.execute(
        select(Statement.author_id, Statement.language, func.count(Statement.id))
        .where(Statement.consultation_id == consultation_id, Statement.author_id.is_not(None))
        .group_by(Statement.author_id, Statement.language)
    )
    for author_id, language, n in rows:
        if author_id is None:
            continue
        if language is not None and is_language(language):
            written[author_id][language] += n
        voters.add(author_id)
    locales: dict[int, str | None] = {
        user_id: locale
        for user_id, locale in db.session.execute(
            select(User.id, User.locale).where(User.id.in_(voters))
        )
    }
    found = {}
    for user_id in voters:
        locale = locales.get(user_id)
        if is_language(locale):
            found[user_id] = str(locale)
        elif written.get(user_id):
            found[user_id] = written[user_id].most_common(1)[0][0]
        else:
            found[user_id] = UNKNOWN
    return found


def language_insights(
    consultation: Consultation, result: AnalysisResult | None
) -> LanguageInsights:
    """Participation and group composition by language (five queries)."""
    people = participant_languages(consultation.id)
    total = len(people) or 1
    per_language = Counter(people.values())
    statements: Counter[str] = Counter()
    for language, n in db.session.execute(
        select(Statement.language, func.count(Statement.id))
        .where(
            Statement.consultation_id == consultation.id,
            Statement.status == StatementStatus.visible,
        )
        .group_by(Statement.language)
    ):
        statements[language if language is not None and is_language(language) else UNKNOWN] += n
    order = [*LANGUAGES, UNKNOWN]
    rows = [
        LanguageRow(
            language=code,
            participants=per_language.get(code, 0),
            share=round(100 * per_language.get(code, 0) / total),
            statements=statements.get(code, 0),
        )
        for code in order
        if per_language.get(code) or statements.get(code)
    ]
    groups: list[GroupLanguages] = []
    if result is not None and result.groups:
        users = list(people)
        pids = dict(zip(adapters.participant_ids(consultation.id, users), users, strict=True))
        styles = group_styles(result)
        members: dict[int, Counter[str]] = defaultdict(Counter)
        for pid, group_id in result.participants.items():
            user_id = pids.get(pid)
            if user_id is not None and group_id is not None and group_id >= 0:
                members[group_id][people[user_id]] += 1
        for group in result.groups:
            style = styles.of(group.id)
            groups.append(
                GroupLanguages(
                    label=style.label,
                    colour=style.colour,
                    size=group.size,
                    by_language={code: members[group.id].get(code, 0) for code in order},
                )
            )
    visible = sum(statements.values())
    translated = _translated_count(consultation.id)
    return LanguageInsights(rows=rows, groups=groups, translated=translated, visible=visible)


def _translated_count(consultation_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(func.distinct(StatementTranslation.statement_id)))
            .join(Statement, Statement.id == StatementTranslation.statement_id)
            .where(
                Statement.consultation_id == consultation_id,
                Statement.status == StatementStatus.visible,
            )
        )
        or 0
    )
