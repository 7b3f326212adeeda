"""Models of the certification app, one module per area (see each module's docstring)."""

from certification.models.accounts import EmailAddress, Preference
from certification.models.analysis import ItemAnalysisSnapshot
from certification.models.applications import (
    Application,
    ApplicationAttachment,
    EligibilityWaiver,
    Notification,
    TrainingRelation,
)
from certification.models.audit import AuditEvent, AuditEventQuerySet
from certification.models.certificates import (
    Certificate,
    CredentialStatusIndex,
    CredentialStatusList,
    IssuerKey,
    _certificate_code,
)
from certification.models.decisions import Appeal, Decision
from certification.models.exams import (
    Accommodation,
    Answer,
    AnswerEvent,
    Attempt,
    AttemptItem,
    Exam,
    ExamItem,
    ExamSection,
    ManualGrade,
    PracticalSubmission,
)
from certification.models.integrity import IntegrityEvent
from certification.models.interviews import Interview, InterviewRating, InterviewSlot
from certification.models.learning import (
    Enrolment,
    ItemStatistic,
    LessonProgress,
    PracticeResponse,
    ReviewCard,
    StudyPlanSnapshot,
)
from certification.models.mentoring import MentorMessage, Mentorship, MentorThread
from certification.models.programme import (
    AngoffEstimate,
    AngoffStudy,
    Blueprint,
    BlueprintComponent,
    Certification,
    EligibilityRule,
)
from certification.models.sessions import LiveSession, SessionRegistration
from certification.models.sittings import ExamSitting, SittingBooking

__all__ = [
    "Accommodation",
    "AngoffEstimate",
    "AngoffStudy",
    "Answer",
    "AnswerEvent",
    "Appeal",
    "Application",
    "ApplicationAttachment",
    "Attempt",
    "AttemptItem",
    "AuditEvent",
    "AuditEventQuerySet",
    "Blueprint",
    "BlueprintComponent",
    "Certificate",
    "Certification",
    "CredentialStatusIndex",
    "CredentialStatusList",
    "Decision",
    "EligibilityRule",
    "EligibilityWaiver",
    "EmailAddress",
    "Enrolment",
    "Exam",
    "ExamItem",
    "ExamSection",
    "ExamSitting",
    "IntegrityEvent",
    "Interview",
    "InterviewRating",
    "InterviewSlot",
    "IssuerKey",
    "ItemAnalysisSnapshot",
    "ItemStatistic",
    "LessonProgress",
    "LiveSession",
    "ManualGrade",
    "MentorMessage",
    "MentorThread",
    "Mentorship",
    "Notification",
    "PracticalSubmission",
    "PracticeResponse",
    "Preference",
    "ReviewCard",
    "SessionRegistration",
    "SittingBooking",
    "StudyPlanSnapshot",
    "TrainingRelation",
    "_certificate_code",
]
