"""The GraphQL schema. Type descriptions come from graph_model/schema.yaml; resolvers call
queries/ only."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from creditkb.stores.port import Node
from graph_model.schema import schema
from queries.subjects import get_subject

_LABELS = schema().labels


@strawberry.interface(description="A subject of credit supervision: an enterprise, person, vehicle or vessel.")
class Subject:
    id: strawberry.ID = strawberry.field(description="Node id: Label:key")
    key: str = strawberry.field(description="The identifier (for a person, a keyed hash)")
    name: str | None = strawberry.field(description="Name, where the subject has one")
    region_code: str | None = strawberry.field(description="Region of registration or base")
    properties: JSON = strawberry.field(description="All stored properties")


def _subject_type(label: str):
    cls = type(label, (Subject,), {"__annotations__": {}})
    return strawberry.type(cls, description=_LABELS[label].doc)


Enterprise = _subject_type("Enterprise")
Person = _subject_type("Person")
Vehicle = _subject_type("Vehicle")
Vessel = _subject_type("Vessel")
SUBJECT_TYPES = {"Enterprise": Enterprise, "Person": Person, "Vehicle": Vehicle, "Vessel": Vessel}


def to_subject(node: Node) -> Subject:
    props = dict(node.props)
    name = props.get("name") or props.get("plate")
    return SUBJECT_TYPES[node.label](id=strawberry.ID(node.uid), key=node.key, name=name,
                                     region_code=props.get("region_code"), properties=props)


@strawberry.type
class Query:
    @strawberry.field(description="A subject by node id (Label:key) or by its USCC, plate, "
                                  "vessel identification number or resident ID number.")
    def subject(self, info: Info, id: strawberry.ID) -> Subject | None:
        ctx = info.context
        node = get_subject(ctx.store, str(id), ctx.settings.secret)
        if node is None or node.label not in SUBJECT_TYPES:
            return None
        return to_subject(node)


graphql_schema = strawberry.Schema(query=Query, types=list(SUBJECT_TYPES.values()))
