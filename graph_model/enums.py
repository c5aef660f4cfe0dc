"""The schema's closed value sets as types.

Each is a :class:`enum.StrEnum` made from ``values`` in ``graph_model/schema.yaml``, so a
value set is written once, as data, and code names its members instead of spelling the
strings again; a member is its string (``ListKind.严重失信 == "严重失信"``), so it goes into
store filters and comparisons as it is.

Examples
--------
>>> ListKind.严重失信 in ListKind
True
>>> [k.value for k in Severity]
['一般', '严重']
>>> SubjectKind("车辆").label
'Vehicle'
"""

from __future__ import annotations

from enum import StrEnum

from graph_model.schema import schema

__all__ = ["value_set", "ListKind", "Severity", "PenaltyStatus", "EnterpriseStatus",
           "CommitmentStatus", "RepairMode", "PlateColor", "RegionLevel", "AgencyLevel",
           "SubjectKind", "AccidentLevel", "Liability", "InspectionKind", "InspectionResult",
           "AlarmOutcome", "PortOperation", "ComplaintFinding", "ObjectionStatus"]


def value_set(name: str, label: str, prop: str) -> type[StrEnum]:
    """A StrEnum named ``name`` of the values of ``label.prop``, in the schema's order."""
    values = schema().label(label).properties[prop].values
    if values is None:
        raise KeyError(f"{label}.{prop} has no value set in the schema")
    return StrEnum(name, [(v, v) for v in values], module=__name__)


ListKind = value_set("ListKind", "ListEntry", "list_kind")
Severity = value_set("Severity", "Penalty", "severity")
PenaltyStatus = value_set("PenaltyStatus", "Penalty", "status")
EnterpriseStatus = value_set("EnterpriseStatus", "Enterprise", "status")
CommitmentStatus = value_set("CommitmentStatus", "Commitment", "status")
RepairMode = value_set("RepairMode", "Repair", "mode")
PlateColor = value_set("PlateColor", "Vehicle", "plate_color")
RegionLevel = value_set("RegionLevel", "Region", "level")
AgencyLevel = value_set("AgencyLevel", "Agency", "level")
AccidentLevel = value_set("AccidentLevel", "Accident", "level")
Liability = value_set("Liability", "Accident", "liability")
InspectionKind = value_set("InspectionKind", "Inspection", "kind")
InspectionResult = value_set("InspectionResult", "Inspection", "result")
AlarmOutcome = value_set("AlarmOutcome", "MonitoringAlarm", "outcome")
PortOperation = value_set("PortOperation", "PortCall", "operation")
ComplaintFinding = value_set("ComplaintFinding", "Complaint", "finding")
ObjectionStatus = value_set("ObjectionStatus", "Objection", "status")


class _SubjectKind(StrEnum):
    @property
    def label(self) -> str:
        """The schema label the word stands for (``企业`` -> ``Enterprise``)."""
        return schema().subject_kinds[self.value]


SubjectKind = _SubjectKind("SubjectKind", [(w, w) for w in schema().subject_kinds],
                           module=__name__)
