"""Import every model so that Alembic and the app see the whole schema."""

from consult.analysis.models import AnalysisState, CachedAnalysis
from consult.audit.models import AuditEntry
from consult.auth.models import ApiToken, RecoveryCode, Role, User, UserBlock
from consult.auth.sessions import LoginSession
from consult.consultations.models import (
    Consultation,
    ConsultationMember,
    ConsultationStatus,
    Holiday,
    MemberRole,
    ModerationMode,
)
from consult.jobs.models import Job, JobStatus
from consult.languages.models import ConsultationText, StatementTranslation
from consult.moderation.models import Flag, FlagReason, ReasonTemplate
from consult.notifications.models import Notification
from consult.responses.models import Decision, Response, ResponseItem
from consult.statements.models import Relation, Statement, StatementKind, StatementLink
from consult.votes.models import Vote, VoteValue

__all__ = [
    "AnalysisState",
    "CachedAnalysis",
    "ApiToken",
    "AuditEntry",
    "Consultation",
    "ConsultationText",
    "ConsultationMember",
    "ConsultationStatus",
    "Decision",
    "Flag",
    "FlagReason",
    "Holiday",
    "Job",
    "JobStatus",
    "Job",
    "JobStatus",
    "LoginSession",
    "MemberRole",
    "ModerationMode",
    "Notification",
    "ReasonTemplate",
    "RecoveryCode",
    "Relation",
    "Response",
    "ResponseItem",
    "Role",
    "Statement",
    "StatementKind",
    "StatementLink",
    "StatementTranslation",
    "User",
    "UserBlock",
    "Vote",
    "VoteValue",
]
