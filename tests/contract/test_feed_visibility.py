"""What the live feed decides a key may hear (queries.feed.subjects_visibility), on every
adapter: the store's record facets (``Store.record_facets``) are exactly the distinct
label and properties of a subject's records, and the visibility judged from them is the
one the reads decide (``check_subject``) for every subject of the demo data, for keys of
several regions: own, shared by an agreement or nationwide, linked, and none."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.access.visibility import SUBJECT_LABELS, Vis, check_subject, in_force, key_regions
from queries.feed import VISIBILITY_PROPS, subjects_visibility
from queries.rules.jurisdiction import agreements_covering, jurisdictions
from queries.rules.scales import scales
from tests.support.api import SECRET
from tests.support.demo import demo_fixture

DAY = dt.date(2026, 6, 1)
#: (agency, region) of keys: a city, its partner city, another province's city, a
#: province, a city the demo has nothing of
KEYS = [("苏州市交通运输局", "320500"), ("无锡市交通运输局", "320200"),
        ("杭州市交通运输局", "330100"), ("江苏省交通运输厅", "320000"),
        ("福州市交通运输局", "350100")]
MISSING = "Enterprise:91350100MA0000000X"


demo = demo_fixture("feedvis", SECRET)


def subjects(store) -> list[str]:
    return sorted(n.uid for label in SUBJECT_LABELS for n in store.iter_nodes(label))


def test_record_facets_are_the_distinct_label_and_properties_of_a_subjects_records(demo):
    uids = subjects(demo) + [MISSING]
    props = (*VISIBILITY_PROPS, "fine")  # a number too
    expected = {}
    for subject, records in demo.records_about(uids).items():
        if records:
            expected[subject] = {(r.label, *(r.props.get(p) for p in props)) for r in records}
    assert demo.record_facets(uids, props) == expected
    assert MISSING not in expected and len(expected) > 10
    # a subject's many records come as their few facets
    assert sum(map(len, expected.values())) < sum(map(len, demo.records_about(uids).values()))
    assert demo.record_facets([], props) == {}


@pytest.mark.parametrize("agency,region", KEYS)
def test_the_feed_judges_every_subject_as_the_reads_do(demo, agency, region):
    jur = jurisdictions(demo)
    regions = key_regions(region, agency, jur, DAY)
    agreements = in_force(agreements_covering(demo, list(regions)), DAY)
    uids = subjects(demo) + [MISSING]
    reads = {u: check_subject(demo, u, regions, DAY, scales(), agreements, jur).vis for u in uids}
    assert subjects_visibility(demo, uids, regions, agreements, DAY, scales(), jur) == reads
    assert reads[MISSING] is Vis.NONE
    seen = set(reads.values())
    if region == "350100":  # nothing of Fuzhou's: only what binds nationwide, and its links
        assert Vis.OWN not in seen and Vis.NONE in seen
    else:
        assert {Vis.OWN, Vis.NONE} <= seen


def test_the_demo_exercises_every_way_of_seeing(demo):
    """The cases above are not all of one kind: across the keys, subjects are seen as own,
    shared (by an agreement or nationwide) and linked, and some not at all."""
    jur = jurisdictions(demo)
    seen = set()
    for agency, region in KEYS:
        regions = key_regions(region, agency, jur, DAY)
        agreements = in_force(agreements_covering(demo, list(regions)), DAY)
        seen |= set(subjects_visibility(demo, subjects(demo), regions, agreements, DAY,
                                        scales(), jur).values())
    assert seen == {Vis.OWN, Vis.SHARED, Vis.LINKED, Vis.NONE}

