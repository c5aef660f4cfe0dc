"""Credit reports (issue 18): one verifiable report per subject, assembled from the answers
the rules give (:mod:`queries.reports.report`), canonical JSON and its hash
(:mod:`queries.reports.canonical`), the record an issued report leaves and its
verification (:mod:`queries.reports.issued`), and the public lookup of a firm (#14,
:mod:`queries.reports.public`)."""

from queries.reports.canonical import canonical_json, sha256_hex
from queries.reports.report import HIDDEN, CreditReport, Viewer, credit_report, report_body

__all__ = ["Viewer", "CreditReport", "credit_report", "report_body", "canonical_json",
           "sha256_hex", "HIDDEN"]
