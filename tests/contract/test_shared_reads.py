"""``loaders.reads.SharedReads``: a chunk's checks read the records its rows name once
(a repair's penalty: whether it is stored, whether it was revoked, what the repair rules
read of it), and get, on every adapter, exactly the answers the store gives."""

from __future__ import annotations

from loaders.reads import SharedReads
from queries.rules.repair import PENALTY_REF_PROPS
from tests.support.api import SECRET
from tests.support.demo import demo_fixture

MISSING = "Penalty:不存在〔2024〕1号"


demo = demo_fixture("sharedreads", SECRET)


class Counting:
    """A store that counts the uids each read asks it for."""

    def __init__(self, store):
        self.store, self.asked = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def existing(self, uids):
        uids = list(uids)
        self.asked.append(("existing", len(uids)))
        return self.store.existing(uids)

    def node_props(self, uids, props):
        uids = list(uids)
        self.asked.append(("node_props", len(uids)))
        return self.store.node_props(uids, props)


def test_shared_reads_answer_as_the_store_and_read_each_shared_node_once(demo):
    penalties = sorted(n.uid for n in demo.iter_nodes("Penalty"))
    firms = sorted(n.uid for n in demo.iter_nodes("Enterprise"))[:3]
    shared, others = penalties[:-2], penalties[-2:]
    assert shared and others
    props = [*PENALTY_REF_PROPS, "fine"]
    counting = Counting(demo)
    reads = SharedReads(counting, [*shared, MISSING], props)
    assert counting.asked == [("node_props", len(shared) + 1)]
    counting.asked.clear()
    # read before: answered from what was read, the store is not asked again
    assert reads.existing([*shared, MISSING]) == demo.existing([*shared, MISSING]) == set(shared)
    for asked in (props, list(PENALTY_REF_PROPS), ["status"], ["fine", "decision_date"]):
        assert reads.node_props([*shared, MISSING, shared[0]], asked) == \
            demo.node_props([*shared, MISSING], asked)
    assert counting.asked == []
    # anything else is the store's own answer, for those uids or props only
    assert reads.existing([*shared, *others, *firms]) == demo.existing([*shared, *others, *firms])
    assert counting.asked == [("existing", len(others) + len(firms))]
    counting.asked.clear()
    assert reads.node_props([*shared, *others], ["status"]) == \
        demo.node_props([*shared, *others], ["status"])
    assert counting.asked == [("node_props", len(others))]
    counting.asked.clear()
    assert reads.node_props(shared, ["penalty_type"]) == demo.node_props(shared, ["penalty_type"])
    assert counting.asked == [("node_props", len(shared))]
    assert reads.find_nodes("Penalty", limit=2) == demo.find_nodes("Penalty", limit=2)
