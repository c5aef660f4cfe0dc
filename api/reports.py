"""Credit reports over GraphQL (issue 18): ``creditReport`` answers the report of a subject
in the key's scope (masked by the key's role, :mod:`queries.reports`) and records it as
issued, ``verifyReport`` tells whether a printed report is genuine and still current.

An issued report is a ``CreditReport`` record written through the loaders' write path
(:func:`issue`), so it is a load with its provenance, undoable; the same question with
the same answer is issued once (its number is derived from both)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from loaders.write import write_records
from queries.reports import CreditReport, Viewer, credit_report
from api.types import answer_type
from queries.reports.issued import Verification, report_row, verify_report

# (api.query imports this module for its Query class: its helpers are imported in the
# resolvers)

__all__ = ["ReportsQuery", "issue", "CreditReportAnswer", "ReportVerification"]


class _AlreadyIssued(Exception):
    """Raised by the write's guard when another request issued the same report first."""


def issue(store, secret: str, report: CreditReport, *, agency: str | None, source: str,
          today: dt.date) -> bool:
    """Record ``report`` as issued on ``today`` (a ``credit_reports`` load); False when it
    was already (by an earlier call, or by another request meanwhile)."""
    if report.issued:
        return False

    def new_only(existing) -> None:
        if existing:
            raise _AlreadyIssued()

    try:
        write_records(store, secret, "credit_reports", [report_row(report, today)],
                      agency=agency, source=source, guard=new_only)
    except _AlreadyIssued:
        return False
    return True


@strawberry.type(description="A credit report: its number, the store version it was built "
                             "from, the day it describes, the SHA-256 of its canonical JSON, "
                             "and the report itself (canonical JSON, and as HTML)")
class CreditReportAnswer:
    number: str
    subject_id: strawberry.ID
    region: str
    as_of: dt.date
    store_version: str
    sha256: str = strawberry.field(description="SHA-256 of `json`, lower-case hex")
    content_sha256: str = strawberry.field(description="SHA-256 of the sections alone")
    json: str = strawberry.field(description="The report as canonical JSON (sorted keys, ISO "
                                             "dates): the bytes `sha256` is taken of")
    verify_path: str = strawberry.field(description="Where a printed copy is checked")
    _report: strawberry.Private[CreditReport]

    @strawberry.field(description="The report as one HTML page, its labels in the "
                                  "request's language (Accept-Language or ?lang=; Chinese "
                                  "by default); the data is the same in either")
    async def html(self) -> str:
        from api.context import blocking
        from api.report_render import render_html

        # off the event loop, in the request's language (blocking copies the context)
        return await blocking(render_html, self._report)


ReportVerification = answer_type(
    Verification, "Whether a printed report is genuine (issued with that SHA-256) and still "
                   "current (the store gives the same report today)")


def answer_out(r: CreditReport) -> CreditReportAnswer:
    from api.report_render import verify_path

    head = r.doc["report"]
    return CreditReportAnswer(
        number=r.number, subject_id=r.doc["subject"]["id"], region=head["region"],
        as_of=dt.date.fromisoformat(head["as_of"]), store_version=str(head["store_version"]),
        sha256=r.sha256, content_sha256=r.content_sha256, json=r.json,
        verify_path=verify_path(r), _report=r)


@strawberry.type
class ReportsQuery:
    @strawberry.field(description="The credit report of a subject for the regulator of "
                                  "`region` (default: the key's) on `asOf` (default today): "
                                  "identity masked by the key's role, grades recognised "
                                  "there and why, lists, penalties with publication and "
                                  "repair state, commitments, events, measures with their "
                                  "paths and strength, objections, the nearest related "
                                  "parties and the score's entries. Recorded as issued (a "
                                  "CreditReport record) so that verifyReport finds it.")
    async def credit_report(self, info: Info, subject_id: strawberry.ID,
                            region: str | None = None,
                            as_of: dt.date | None = None) -> CreditReportAnswer:
        from api.context import writing
        from api.query import day_of, enter, subject_in_region

        ctx = enter(info)
        uid, region = await subject_in_region(ctx, subject_id, region)
        viewer = Viewer(ctx.key.region, ctx.key.role, ctx.key.agency)
        r = await ctx.call(credit_report, ctx.store, uid, region, day_of(ctx, as_of), viewer)
        if await writing(ctx.deadline, issue, ctx.store, ctx.settings.secret, r,
                         agency=ctx.key.agency, source="graphql:creditReport", today=ctx.today):
            ctx.audit.written.add(f"CreditReport:{r.number}")
        return answer_out(r)

    @strawberry.field(description="Whether a printed report (its number and the SHA-256 "
                                  "printed on it) is genuine and still current")
    async def verify_report(self, info: Info, number: str, sha256: str) -> ReportVerification:
        from api.query import enter
        from api.types import mirror

        ctx = enter(info)
        v = await ctx.call(verify_report, ctx.store, number, sha256)
        return mirror(ReportVerification, v)
