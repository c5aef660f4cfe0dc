"""The GraphQL schema: Query, Mutation and Subscription with the safety limits of
:mod:`api.limits`, the audit of every operation (:mod:`api.audit`) and one ``Date`` scalar
that holds every date argument to the plausible window of :mod:`queries.dates`.
Resolvers call queries/ only (see api/query.py)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.extensions import (
    AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter,
    SchemaExtension, ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from api.audit import Audit
from api.context import RequestContext
from api.errors import stamp
from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.mutation import Mutation
from api.query import Query
from api.subscription import Subscription
from api.types import RECORD_TYPES, SUBJECT_TYPES
from queries.dates import parse_plausible


def _parse_date(value) -> dt.date:
    # the widest window (a term may end 100 years ahead); rules narrow it where they need
    if not isinstance(value, str):
        raise ValueError(f"a Date is written YYYY-MM-DD, not {value!r}")
    return parse_plausible(value, "date", "term")


Date = strawberry.scalar(
    name="Date",
    description="A day, YYYY-MM-DD, from CREDITKB_DATE_EARLIEST (1949-10-01) to 100 years "
                "ahead; a day a question is asked about, or an event's, at most "
                "CREDITKB_DATE_FUTURE_YEARS (10) ahead",
    serialize=lambda d: d.isoformat(), parse_value=_parse_date)


class Notes(SchemaExtension):
    """What an answer tells beside its data (a resident ID number found and masked in a
    mutation's text): the answer's ``extensions.notes``."""

    def get_results(self) -> dict:
        notes = getattr(self.execution_context.context, "findings", None)
        return {"notes": list(notes)} if notes else {}


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Every error gets its ``extensions.code`` and the message a client may see, on
        every transport (an HTTP answer and a WebSocket message alike); a bug's traceback
        goes to the server log (api.errors), user errors are not worth one each."""
        for error in errors:
            stamp(error)

    async def stream(self, query, variable_values=None, context_value=None, root_value=None,
                     operation_name=None, operation_extensions=None,
                     allowed_operation_types=None):
        """Each operation sent over a WebSocket connection runs with a context of its own
        (its DataLoaders, audit trail and deadline; the connection's key checked again)."""
        if isinstance(context_value, RequestContext) and context_value.connection:
            context_value = context_value.for_operation()
        return await super().stream(query, variable_values, context_value, root_value,
                                    operation_name, operation_extensions,
                                    allowed_operation_types)


# The limits' validation rules are built once, so that the validation cache (keyed by the
# document and the rules) serves every request; the extensions themselves are made fresh
# for each request.
_LIMIT_RULES = (QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules
                + MaxAliasesLimiter(MAX_ALIASES).validation_rules)

graphql_schema = Schema(
    query=Query, mutation=Mutation, subscription=Subscription,
    types=[*SUBJECT_TYPES, *RECORD_TYPES.values()],
    config=StrawberryConfig(scalar_map={dt.date: Date}),
    extensions=[lambda: MaxTokensLimiter(MAX_TOKENS), lambda: ParserCache(maxsize=512),
                lambda: AddValidationRules(list(_LIMIT_RULES)),
                lambda: ValidationCache(maxsize=512), Audit, Notes],
)
