"""The HTTP application: GraphQL at /graphql, a health check at /health."""

from __future__ import annotations

from fastapi import FastAPI
from strawberry.fastapi import GraphQLRouter

from api.context import Context
from api.schema import graphql_schema
from creditkb import __version__
from creditkb.settings import Settings
from creditkb.stores.port import Store


def create_app(store: Store, settings: Settings) -> FastAPI:
    app = FastAPI(title="creditkb", version=__version__)

    async def context() -> Context:
        return Context(store=store, settings=settings)

    app.include_router(GraphQLRouter(graphql_schema, context_getter=context), prefix="/graphql")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__, "store": type(store).__name__,
                "nodes": store.count_nodes()}

    return app
