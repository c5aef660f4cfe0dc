"""The "to do" answers of the dashboard (issue 15, item 5) that follow-up does not give
already: the objections waiting in a region.  Parse, call queries/, convert."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.types import RECORD_TYPES, record_out
from queries.todo import objections_waiting

Objection = RECORD_TYPES["Objection"]


@strawberry.type
class TodoQuery:
    @strawberry.field(description="Objections handled by the agencies of `region` (default "
                                  "the key's) that wait for an answer (status 受理 or 核查中), "
                                  "oldest filed first")
    async def objections_waiting(self, info: Info, region: str | None = None
                                 ) -> list[Objection]:
        from api.query import enter
        from queries.access.visibility import record_personal_clear

        ctx = enter(info)
        ctx.require_role("regulator", what="objectionsWaiting")
        region = ctx.check_region(region)
        found = await ctx.call(objections_waiting, ctx.store, region)
        ctx.audit.read.update(n.uid for n in found)
        return [record_out(n, record_personal_clear(n, ctx.key.region, ctx.key.role))
                for n in found]
