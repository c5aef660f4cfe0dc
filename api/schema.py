"""The GraphQL schema: Query, Mutation and Subscription with the safety limits of
:mod:`api.limits`.  Resolvers call queries/ only (see api/query.py)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    AddValidationRules, MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter,
    ValidationCache,
)

from api.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from api.mutation import Mutation
from api.query import Query
from api.subscription import Subscription
from api.types import RECORD_TYPES, SUBJECT_TYPES


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Errors are classified and logged by api.errors (a bug's traceback goes to the
        server log there); user errors are not worth a traceback each."""


# The limits' validation rules are built once, so that the validation cache (keyed by the
# document and the rules) serves every request; the extensions themselves are made fresh
# for each request.
_LIMIT_RULES = (QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules
                + MaxAliasesLimiter(MAX_ALIASES).validation_rules)

graphql_schema = Schema(
    query=Query, mutation=Mutation, subscription=Subscription,
    types=[*SUBJECT_TYPES, *RECORD_TYPES.values()],
    extensions=[lambda: MaxTokensLimiter(MAX_TOKENS), lambda: ParserCache(maxsize=512),
                lambda: AddValidationRules(list(_LIMIT_RULES)),
                lambda: ValidationCache(maxsize=512)],
)
