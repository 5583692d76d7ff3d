"""The choice sets of the API under the names its OpenAPI schema gives them.

In the project package because it names the choice sets of every app: no app may import it (layers,
``.importlinter``).

``SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]`` (settings) maps "<name>Enum" to this module's "<name>", so two
fields called ``status`` of different models get two readable enum names instead of hashed ones. A test
(``tests/fuzz/test_schema_names.py``) checks that every choice set of the apps' models is here."""

from apps.claims import models as claims
from apps.claims.api import serializers as claims_serializers
from apps.complaints import models as complaints
from apps.core.api import serializers as core_serializers
from apps.core.models import calendar, deadlines
from apps.credit import models as credit
from apps.exchange import models as exchange
from apps.imports import models as imports
from apps.inspections import models as inspections
from apps.leads import models as leads
from apps.parties import models as parties
from apps.policies import models as policies
from apps.rescissions import models as rescissions
from apps.rescissions import notices
from apps.ridehailing import models as ridehailing
from apps.vehicles import models as vehicles
from apps.vehicles import usage

BatchEventKind = exchange.BatchEvent.Kind
BatchState = exchange.Batch.State
CancellationGround = policies.CancellationGround
ClaimDecision = claims.Claim.Decision
ClaimSize = claims.Claim.Size
ClaimSource = claims.Claim.Source
ClaimStatus = claims.Claim.Status
ComplaintCategory = complaints.Category
ComplaintChannel = complaints.Channel
ComplaintEventKind = complaints.ComplaintEvent.Kind
ComplaintFinding = complaints.Finding
ComplaintHandlingExtensionStep = complaints.HandlingExtension.Step
ComplaintHandlingPeriodKind = complaints.HandlingPeriod.Kind
ComplaintHotline = complaints.Hotline
ComplaintStatus = complaints.Status
CoverageKind = policies.CoverageKind
CoverageStandardStatus = policies.CoverageStandard.Status
CreditActionGround = credit.ActionGround
CreditActionKind = credit.ActionKind
CreditEvent = credit.CreditEvent
CreditProposalStatus = credit.CreditProposal.Status
CreditSeverity = credit.Severity
CreditSource = credit.CreditSource
CreditSubjectKind = credit.SubjectKind
DeadlineStatus = deadlines.Deadline.Status
DeadlineUnit = deadlines.Deadline.Unit
EndorsementPremiumMode = policies.PremiumMode
FocusedCheckResult = claims.FocusedCheck.Result
FocusedCheckSubjectKind = claims.FocusedCheck.SubjectKind
ImportJobFormat = imports.ImportJob.Format
ImportJobMode = imports.ImportJob.Mode
ImportJobStatus = imports.ImportJob.Status
InspectionConclusion = inspections.Conclusion
InspectionNoticeResult = inspections.RectificationResult
InspectionNoticeStatus = inspections.NoticeStatus
InspectionStatus = inspections.InspectionStatus
InsurerWorklistItemAnswer = leads.InsurerWorklistItem.Answer
InsurerWorklistItemKind = leads.InsurerWorklistItem.Kind
InsurerWorklistItemState = leads.InsurerWorklistItem.State
LawfulListRunState = leads.LawfulListRun.State
LeadAttachmentStage = leads.LeadAttachment.Stage
LeadDirection = leads.Direction
LeadDisposal = leads.Disposal
LeadFinding = leads.Finding
LeadOutcome = leads.Outcome
LeadSource = leads.Source
LeadStatus = leads.Status
OperatingPermitKind = vehicles.OperatingPermit.Kind
OrganizationKeyPurpose = exchange.OrganizationKey.Purpose
OrganizationKeyCustody = exchange.OrganizationKey.Custody
ExchangeProfileSuite = exchange.ExchangeProfile.Suite
LogEntryKind = exchange.LogEntry.Kind
TreeHeadTrigger = exchange.TreeHead.Trigger
OrganizationKind = parties.OrganizationKind
PolicyKind = policies.PolicyKind
PolicyLifecyclePath = policies.LifecyclePath
PolicyStatus = policies.Policy.Status
RescissionDecision = rescissions.Decision
RescissionEventKind = rescissions.EventKind
RescissionFault = rescissions.Fault
RescissionNoticeKind = notices.NoticeKind
RescissionPath = rescissions.Path
RescissionStatus = rescissions.Status
RescissionTrigger = rescissions.Trigger
RiskModelRunState = leads.RiskModelRun.State
Role = parties.Role
ScreeningFindingKind = leads.ScreeningFinding.Kind
ScreeningFindingReview = leads.ScreeningFinding.Review
SupervisoryActionStatus = credit.SupervisoryAction.Status
UrgingItemStatus = credit.UrgingItem.Status
UsageClass = usage.UsageClass
UsageNature = usage.UsageNature
VehicleStatus = vehicles.Vehicle.Status
WorkCalendarYearSource = calendar.WorkCalendarYear.Source

# choice sets of API serializers, not of models
BatchRowOutcome = core_serializers.BATCH_ROW_OUTCOMES  # rows of a batch push
FocusedCheckVerdict = claims_serializers.FOCUSED_CHECK_VERDICTS
RideHailingDeliverySource = ridehailing.Delivery.Source
RideHailingFeedKind = ridehailing.Feed.Kind
RideHailingInterface = ridehailing.Interface
RideHailingOutcome = ridehailing.Outcome
