"""GraphQL types of list admission (:mod:`queries.rules.admission`, issue 14) and their
conversion: ``listAdmission`` and ``admissionReview``.  Subjects named in a review are shown
only when the key may see them."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.answers import RuleBasis, _subject, basis_out
from api.types import Subject, mirror
from queries.rules.admission import admission_lists

#: The lists that admit by rule (queries/data/admission.yaml), as a GraphQL enum.
AdmissionListKind = strawberry.enum(
    Enum("AdmissionListKind", {code: code for code in admission_lists()}, module=__name__),
    description="Lists that admit by rule: GREEN_FAST_LANE (#18 绿色快航, 守信激励), "
                "VEHICLE_WHITELIST (#10 布控拦截白名单), XINYIPI_WHITELIST (#5 信易批白名单)")


@strawberry.enum(description="Whether a subject qualifies for a list")
class AdmissionDecision(Enum):
    ADMIT = "ADMIT"
    REFUSE = "REFUSE"


@strawberry.type(description="One condition of a list and whether it is met, with the records "
                             "that show it met or break it (node ids)")
class AdmissionConditionResult:
    code: str
    name: str
    met: bool
    detail: str
    evidence: list[strawberry.ID] = strawberry.field(
        description="Records that show the condition met (the calls counted, the interceptions)")
    breaking: list[strawberry.ID] = strawberry.field(
        description="Records that break it (the detention, the penalty, the open listing)")
    basis: RuleBasis


@strawberry.type(description="Whether a subject qualifies for a list on a day: ADMIT when every "
                             "condition is met. A proposal: a regulator lists or removes with "
                             "addListEntry / removeListEntry")
class ListAdmission:
    subject_id: strawberry.ID
    list: AdmissionListKind
    list_name: str
    list_kind: str = strawberry.field(description="The list kind (名单类型) an entry has")
    as_of: dt.date
    decision: AdmissionDecision
    conditions: list[AdmissionConditionResult]
    entry_id: strawberry.ID | None = strawberry.field(
        description="The subject's open entry of the list kind, if listed")
    basis: RuleBasis

    @strawberry.field(description="The subject (null when outside the key's scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await _subject(info, self.subject_id)


@strawberry.type(description="A region's proposals for a list on a day: subjects that qualify "
                             "and are not listed, listed ones that no longer qualify")
class AdmissionReview:
    region: str
    list: AdmissionListKind
    as_of: dt.date
    admit: list[ListAdmission] = strawberry.field(description="Propose addListEntry")
    remove: list[ListAdmission] = strawberry.field(description="Propose removeListEntry")
    checked: int = strawberry.field(description="Candidates checked")


def admission_out(a) -> ListAdmission:
    return ListAdmission(
        subject_id=a.subject, list=AdmissionListKind(a.list), list_name=a.list_name,
        list_kind=a.list_kind, as_of=a.as_of, decision=AdmissionDecision(a.decision),
        conditions=[mirror(AdmissionConditionResult, c, basis=basis_out(c.basis))
                    for c in a.conditions],
        entry_id=a.entry, basis=basis_out(a.basis))


def review_out(r, shown: set[str]) -> AdmissionReview:
    """The review with the subjects the key may see (``shown``)."""
    return AdmissionReview(region=r.region, list=AdmissionListKind(r.list), as_of=r.as_of,
                           admit=[admission_out(a) for a in r.admit if a.subject in shown],
                           remove=[admission_out(a) for a in r.remove if a.subject in shown],
                           checked=r.checked)
