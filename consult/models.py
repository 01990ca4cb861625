"""Import every model so that Alembic and the app see the whole schema."""

from consult.analysis.models import AnalysisResult
from consult.auth.models import ApiToken, Role, User
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    Holiday,
    MemberRole,
    ModerationMode,
)
from consult.jobs.models import Job, JobStatus
from consult.moderation.models import AuditEntry, Flag, FlagReason, ReasonTemplate, UserBlock
from consult.responses.models import Decision, Notification, Response, ResponseItem
from consult.statements.models import Relation, Statement, StatementKind, StatementLink
from consult.votes.models import Vote, VoteValue

__all__ = [
    "AnalysisResult",
    "ApiToken",
    "AuditEntry",
    "Consultation",
    "ConsultationMember",
    "ConsultationStatus",
    "Decision",
    "Flag",
    "FlagReason",
    "Holiday",
    "Job",
    "JobStatus",
    "MemberRole",
    "ModerationMode",
    "Notification",
    "ReasonTemplate",
    "Relation",
    "Response",
    "ResponseItem",
    "Role",
    "Statement",
    "StatementKind",
    "StatementLink",
    "User",
    "UserBlock",
    "Vote",
    "VoteValue",
]
