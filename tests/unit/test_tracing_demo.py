"""The worked examples of the tracing docstrings, on the demo data (creditkb/demo), so the
examples stay true.  The demo is loaded once per store (embedded, and Neo4j when a
server runs), so both give the same answers."""

from __future__ import annotations

import pytest

from queries.search.subjects import subject_uid
from queries.tracing.clusters import clusters
from queries.tracing.paths import paths
from queries.tracing.related import related
from queries.tracing.shared_identifiers import shared_identifier_rings, shared_identifiers
from queries.tracing.successors import successor_shells, successors
from tests.support.demo import load_demo
from tests.support.stores import KINDS

SECRET = "test-secret"
AS_OF = "2026-10-31"
HENGTONG = "Enterprise:91320506MA1MKT3P0P"  # 苏州恒通危险品运输有限公司: 严重失信, grade D
SHUNDA = "Enterprise:91320583MA1N2Q7D2B"  # 昆山顺达物流有限公司: same legal representative


@pytest.fixture(scope="module", params=KINDS)
def demo(request, tmp_path_factory, empty_store):
    store = load_demo(empty_store(request.param, tmp_path_factory.mktemp("demo") / "store"), SECRET)
    yield store
    store.close()


def test_related_around_the_seriously_dishonest_firm(demo):
    r = related(demo, HENGTONG, depth=2, as_of=AS_OF)
    near = {x.name.split(" ")[0] for x in r.items if x.distance == 1}
    assert near == {"张建国", "钱敏", "周勇", "苏E6K137", "苏E8G520"}
    [sister] = [x for x in r.items if x.distance == 2]
    assert sister.uid == SHUNDA and sister.name == "昆山顺达物流有限公司"
    assert sister.path[-1].text == ("张建国 (320402********0353) is the legal representative of "
                                    "昆山顺达物流有限公司")
    assert dict(sister.status.grades) == {"道路运输经营者信用评价": "B",
                                          "苏州市道路运输企业分类分级评价": "A"}
    driver = next(x for x in r.items if x.name.startswith("周勇"))
    assert driver.status.lists == ("重点监管",)
    assert r.total == 6 and not r.cut


def test_paths_from_the_sister_firms_driver(demo):
    li_ming = subject_uid("341221199604163111", SECRET)
    p = paths(demo, li_ming, HENGTONG, as_of=AS_OF)
    assert p.length == 3 and len(p.connections) == 1
    assert [s.text for s in p.connections[0].steps] == [
        "李明 (341221********3111) is employed by 昆山顺达物流有限公司",
        "张建国 (320402********0353) is the legal representative of 昆山顺达物流有限公司",
        "张建国 (320402********0353) is the legal representative of 苏州恒通危险品运输有限公司",
    ]


def test_shared_identifiers_clusters_and_shells_on_the_demo(demo):
    s = shared_identifiers(demo, HENGTONG, as_of=AS_OF)
    assert [(x.name, x.via) for x in s.linked] == [
        ("昆山顺达物流有限公司", (("legal_representative", "张建国 (320402********0353)"),))]
    rings = shared_identifier_rings(demo, as_of=AS_OF)
    assert [x.summary for x in rings.rings] == [
        "2 firms share 1 legal representative: 苏州恒通危险品运输有限公司, 昆山顺达物流有限公司"]
    c = clusters(demo, as_of=AS_OF, min_size=1)
    assert c.dishonest == 2 and [x.summary for x in c.clusters] == [
        "1 dishonest subject (1 Enterprise): 苏州恒通危险品运输有限公司 (on 严重失信 list, grade D)",
        "1 dishonest subject (1 Enterprise): 济南泉城危险品运输有限公司 (on 严重失信 list)"]
    assert successors(demo, HENGTONG, as_of=AS_OF) == ()
    assert successor_shells(demo, as_of=AS_OF).total == 0
