"""The world: subjects (enterprises, vehicles, vessels, practitioners, legal
representatives), their relationships, and the subject files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from creditkb.synth.draw import (
    DATA_START, _dates, _day, _digits, _pick, _rng, _uniform_days, _unique_draw,
)
from creditkb.synth.exchange import HEADERS
from creditkb.synth.identifiers import USCC_REFORM, imo_check, make_plates, make_rics, make_usccs
from creditkb.synth.names import (
    _ROADS, _TRADE, ENTERPRISE_TYPES, ETYPE_NAMES, VEHICLE_OF_TYPE, _person_names, _phones,
)
from creditkb.synth.regions import _short, regions
from graph_model.enums import EnterpriseStatus


@dataclass
class Subjects:
    """One kind of subject as parallel arrays; ``code`` is its exchange-format key."""

    code: np.ndarray
    county: np.ndarray   # index into Regions
    risk: np.ndarray     # latent dishonesty, N(0,1): higher means worse
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.code)


@dataclass
class World:
    """All subjects; persons are the practitioners followed by the legal representatives."""

    sizes: dict[str, int]
    seed: int
    enterprises: Subjects
    vehicles: Subjects
    vessels: Subjects
    persons: Subjects
    n_practitioners: int

    def of(self, kind: int) -> Subjects:
        """Subjects of one kind (ENT, VEH, VES, PER)."""
        return (self.enterprises, self.vehicles, self.vessels, self.persons)[kind]


def _draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` county indices with the Yangtze-weighted regional distribution."""
    r = regions()
    return rng.choice(len(r.county), size=n, p=r.county_weight)


def _near(rng: np.random.Generator, county: np.ndarray, same: float,
          same_city: float) -> np.ndarray:
    """Counties near ``county``: the same one, another in its city, or anywhere."""
    r = regions()
    by_city = np.argsort(r.county_city, kind="stable")
    start, count = _blocks(r.county_city[by_city], len(r.city_code))
    out = county.copy()
    u = rng.random(len(county))
    move = (u >= same) & (u < same + same_city)
    city = r.county_city[county[move]]
    offset = np.floor(rng.random(int(move.sum())) * count[city]).astype(np.int64)
    out[move] = by_city[start[city] + offset]
    far = u >= same + same_city
    out[far] = _draw_counties(rng, int(far.sum()))
    return out


def _hub_shares(rng: np.random.Generator, candidates: np.ndarray, hubs: Mapping[int, float],
                alpha: float = 1.2) -> np.ndarray:
    """Ownership probabilities over ``candidates``: fixed shares for hubs, Pareto tail.

    Parameters
    ----------
    candidates : np.ndarray
        Indices of the firms that can own.
    hubs : Mapping[int, float]
        Position in ``candidates`` -> share of all units that firm owns.
    alpha : float
        Pareto index of the rest; 1.2 gives a few large fleets and many of one or two.
    """
    w = rng.pareto(alpha, len(candidates)) + 1.0
    hub_pos = np.array(list(hubs), dtype=int)
    w[hub_pos] = 0.0
    others = len(candidates) - len(hub_pos)
    # the cap is the smallest hub's share, unless so few firms are left (a tiny scale) that
    # even equal shares of the tail are above it
    tail = 1.0 - sum(hubs.values())
    cap = max(min(hubs.values()), tail / max(others, 1))
    if others == 0 or w.sum() == 0:
        w[hub_pos] = list(hubs.values())
        return w / w.sum()
    w *= tail / w.sum()
    # The tail must not outgrow the hubs: cap it at the smallest hub's share and hand the
    # excess to the uncapped firms, until nothing is above the cap.
    for _ in range(50):
        over = w > cap
        if not over.any():
            break
        w[over] = cap
        free = ~over & (w > 0)
        if not free.any():
            break
        w[free] *= (tail - cap * over.sum()) / w[free].sum()
    w[hub_pos] = list(hubs.values())
    return w


def build_enterprises(rng: np.random.Generator, n: int) -> Subjects:
    """Enterprises with type, region, name, status; hubs are fixed in :func:`build_fleets`."""
    r = regions()
    shares = np.array([s for s, _ in ENTERPRISE_TYPES.values()])
    etype = rng.choice(len(ETYPE_NAMES), size=n, p=shares)
    county = _draw_counties(rng, n)
    trade = np.array(_TRADE, dtype=object)
    suffix = np.empty(n, dtype=object)
    for t, (_, sufs) in enumerate(ENTERPRISE_TYPES.values()):
        sel = etype == t
        suffix[sel] = np.array(sufs, dtype=object)[rng.integers(0, len(sufs), int(sel.sum()))]
    city_short = np.array([_short(x) for x in r.city_name], dtype=object)[r.county_city[county]]
    name = (city_short + trade[rng.integers(0, len(trade), n)]
            + trade[rng.integers(0, len(trade), n)] + suffix)
    # Most firms predate the records (1992-2018); 15% were set up during 2019-2024.
    old = _uniform_days(rng, n, np.datetime64("1992-01-01"), np.datetime64("2018-12-31"), 0.8)
    new = _uniform_days(rng, n, DATA_START, np.datetime64("2024-12-31"))
    established = np.where(rng.random(n) < 0.85, old, new)
    status = _pick(rng, (EnterpriseStatus.存续, EnterpriseStatus.注销, EnterpriseStatus.吊销),
                   (0.93, 0.05, 0.02), n)
    prov = r.county_prov[county]
    city = np.where(r.prov_municipality[prov], "", r.city_name[r.county_city[county]])
    road = np.array(_ROADS, dtype=object)[rng.integers(0, len(_ROADS), n)]
    address = (r.prov_name[prov] + city + r.county_name[county] + road
               + rng.integers(1, 999, n).astype(str).astype(object) + "号")
    recent = established >= _day(USCC_REFORM)
    return Subjects(
        code=make_usccs(rng, r.county[county], recent), county=county,
        risk=rng.standard_normal(n),
        extra=dict(etype=etype, name=name, established=established, status=status,
                   address=address, phone=_phones(rng, n)),
    )


def build_fleets(rng: np.random.Generator, ent: Subjects, n_vehicles: int,
                 n_vessels: int) -> tuple[np.ndarray, np.ndarray]:
    """Owner of every vehicle and vessel, sorted so each owner's units are contiguous.

    Three vehicle hubs (a taxi group, a freight group, a hazardous-goods carrier) own 3%,
    1.2% and 0.8% of all vehicles, three shipping groups 3%, 1.5% and 1% of all vessels:
    at scale 1 the largest owns 3,600 of each.  Hub firms are renamed as groups.
    """
    etype = ent.extra["etype"]
    road = np.flatnonzero(np.isin(etype, _type_codes(VEHICLE_OF_TYPE)))
    ships = np.flatnonzero(np.isin(etype, _type_codes(["航运"])))
    road_hubs = _hub_positions(ent, road, ("出租汽车", "普货", "危货"), (0.03, 0.012, 0.008))
    ship_hubs = _hub_positions(ent, ships, ("航运",) * 3, (0.03, 0.015, 0.01))
    p_road = _hub_shares(rng, road, road_hubs)
    vehicle_owner = road[np.sort(rng.choice(len(road), n_vehicles, p=p_road))]
    p_ships = _hub_shares(rng, ships, ship_hubs)
    vessel_owner = ships[np.sort(rng.choice(len(ships), n_vessels, p=p_ships))]
    for i in [road[p] for p in road_hubs] + [ships[p] for p in ship_hubs]:
        ent.extra["name"][i] = ent.extra["name"][i].replace("有限公司", "集团有限公司")
    return vehicle_owner, vessel_owner


def _type_codes(types: Iterable[str]) -> list[int]:
    """Indices into ETYPE_NAMES of business types."""
    names = list(ETYPE_NAMES)
    return [names.index(t) for t in types]


def _hub_positions(ent: Subjects, candidates: np.ndarray, types: Iterable[str],
                   shares: Iterable[float]) -> dict[int, float]:
    """Positions in ``candidates`` of the hub firms, with their shares.

    A hub is the first candidate of the wanted type founded before 2010 (a group with
    thousands of vehicles is an old firm); small data sets fall back to any candidate.
    """
    etype, est = ent.extra["etype"][candidates], ent.extra["established"][candidates]
    old = est < _day(np.datetime64("2010-01-01"))
    hubs: dict[int, float] = {}
    for t, share in zip(types, shares):
        for ok in (old & (etype == _type_codes([t])[0]), etype == _type_codes([t])[0], old,
                   np.ones(len(candidates), bool)):
            free = [p for p in np.flatnonzero(ok) if p not in hubs]
            if free:
                hubs[int(free[0])] = share
                break
    return hubs


def build_vehicles(rng: np.random.Generator, ent: Subjects, owner: np.ndarray) -> Subjects:
    """Vehicles of ``owner``: type from the owner's business, plate from the region.

    About 20% are new-energy (taxis and ride-hailing cars most often); colours follow
    the plate rules: yellow for coaches and trucks, blue for cars, green for new-energy
    cars, yellow-green for large new-energy vehicles.
    """
    n = len(owner)
    r = regions()
    owner_type = ETYPE_NAMES[ent.extra["etype"][owner]]
    vtype = np.array([VEHICLE_OF_TYPE[t] for t in owner_type], dtype=object)
    ne_share = pd.Series({"巡游出租车": 0.55, "网约车": 0.9, "客车": 0.3, "普通货车": 0.12,
                          "危险货物运输车": 0.0})
    new_energy = rng.random(n) < ne_share[vtype].to_numpy()
    large = np.isin(vtype, ["客车", "普通货车", "危险货物运输车"])
    color = np.where(new_energy, np.where(large, "黄绿", "绿"), np.where(large, "黄", "蓝"))
    color = color.astype(object)
    county = _near(rng, ent.county[owner], 0.8, 0.15)
    # A vehicle is registered in the owner's province: move far-away draws back into it.
    far = r.county_prov[county] != r.county_prov[ent.county[owner]]
    county[far] = ent.county[owner][far]
    plates = make_plates(rng, county, new_energy, large)
    for _ in range(100):
        dup = pd.Index(plates).duplicated()
        if not dup.any():
            break
        plates[dup] = make_plates(rng, county[dup], new_energy[dup], large[dup])
    cert = r.county[county] + _digits(rng, n, 6)
    return Subjects(code=plates, county=county, risk=rng.standard_normal(n),
                    extra=dict(owner=owner, vtype=vtype, color=color, cert=cert))


_VESSEL_TYPES = ("货船", "集装箱船", "危险品船", "客船")
_VESSEL_TYPE_CHAR = np.array(["货", "集", "油", "客"], dtype=object)


def build_vessels(rng: np.random.Generator, ent: Subjects, owner: np.ndarray) -> Subjects:
    """Vessels of ``owner``: id 'CN' + build year + serial, IMO for seagoing ones, name.

    About 15% carry an IMO number (container and dangerous-goods ships most often).  The
    operator is the owner for 60%, another shipping firm for 25%, unstated for the rest.
    """
    n = len(owner)
    r = regions()
    vtype = rng.choice(len(_VESSEL_TYPES), size=n, p=[0.6, 0.12, 0.2, 0.08])

    def ids(k: int) -> np.ndarray:
        """'CN' + year of build + a seven-digit serial."""
        return "CN" + rng.integers(1995, 2025, k).astype(str).astype(object) + _digits(rng, k, 7)

    vessel_id = _unique_draw(ids, n)
    seagoing = rng.random(n) < np.array([0.08, 0.4, 0.25, 0.02])[vtype]
    # Ships built since the 1980s carry IMO numbers 9xxxxxx.
    six = _unique_draw(lambda k: rng.integers(900_000, 1_000_000, k).astype(object),
                       int(seagoing.sum())).astype(np.int64)
    imo = np.full(n, "", dtype=object)
    imo[seagoing] = (six * 10 + imo_check(six)).astype(str).astype(object)
    county = _near(rng, ent.county[owner], 0.85, 0.1)
    city_char = np.array([_short(x)[0] for x in r.city_name], dtype=object)
    name = (r.prov_abbr[r.county_prov[county]] + city_char[r.county_city[county]]
            + _VESSEL_TYPE_CHAR[vtype] + rng.integers(1, 9999, n).astype(str).astype(object))
    shipping = np.unique(owner)
    other_firm = shipping[rng.integers(0, len(shipping), n)]
    operator = np.where(rng.random(n) < 0.6 / 0.85, owner, other_firm)
    operator[rng.random(n) < 0.15] = -1
    return Subjects(code=vessel_id, county=county, risk=rng.standard_normal(n),
                    extra=dict(owner=owner, operator=operator, imo=imo, name=name,
                               vtype=np.array(_VESSEL_TYPES, dtype=object)[vtype]))


def _blocks(owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and count of every owner's contiguous block in a sorted owner array."""
    count = np.bincount(owner, minlength=n_owners)
    return np.cumsum(count) - count, count


def _second_unit(rng: np.random.Generator, first: np.ndarray, owner: np.ndarray, n_owners: int,
                 share: float) -> np.ndarray:
    """Another unit of the same owner for ``share`` of ``first`` (-1 where none)."""
    start, count = _blocks(owner, n_owners)
    own = owner[first]
    other = start[own] + np.floor(rng.random(len(first)) * count[own]).astype(np.int64)
    return np.where((rng.random(len(first)) < share) & (other != first), other, -1)


def build_practitioners(rng: np.random.Generator, n: int, ent: Subjects, veh: Subjects,
                        ves: Subjects) -> Subjects:
    """Drivers, crew, driving coaches and safety officers with their employers.

    A driver is drawn through a vehicle, so hub fleets have many drivers; the employer is
    the vehicle's owner and 35% also drive a second vehicle of the same owner.  Crew are
    drawn through a vessel and work for its operator (or owner).
    """
    role = rng.choice(4, size=n, p=[0.55, 0.33, 0.06, 0.06])
    employer = np.empty(n, dtype=np.int64)
    plates = np.full(n, "", dtype=object)
    vessel_ids = np.full(n, "", dtype=object)
    # Drivers.
    d = np.flatnonzero(role == 0)
    v1 = rng.integers(0, len(veh), len(d))
    v2 = _second_unit(rng, v1, veh.extra["owner"], len(ent), 0.35)
    employer[d] = veh.extra["owner"][v1]
    plates[d] = veh.code[v1] + np.where(v2 >= 0, ";" + veh.code[v2].astype(object), "")
    # Crew.
    c = np.flatnonzero(role == 1)
    s1 = rng.integers(0, len(ves), len(c))
    s2 = _second_unit(rng, s1, ves.extra["owner"], len(ent), 0.15)
    op = ves.extra["operator"][s1]
    employer[c] = np.where(op >= 0, op, ves.extra["owner"][s1])
    vessel_ids[c] = ves.code[s1] + np.where(s2 >= 0, ";" + ves.code[s2].astype(object), "")
    # Coaches work for driving schools, safety officers for passenger/hazardous carriers.
    for r_, types in ((2, ["驾培"]), (3, ["客运", "危货"])):
        idx = np.flatnonzero(role == r_)
        pool = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(types)))
        employer[idx] = pool[rng.integers(0, len(pool), len(idx))]
    county = _near(rng, ent.county[employer], 0.75, 0.15)
    reg = regions()
    usable = reg.birth_lo <= reg.birth_hi
    born = np.where(rng.random(n) < 0.6, county, _draw_counties(rng, n))
    born[~usable[born]] = _draw_usable(rng, int((~usable[born]).sum()))
    ric = make_rics(rng, born, male_share=0.9)
    prefix = np.array(["DL", "CY", "JL", "AQ"], dtype=object)[role]
    cert = prefix + reg.county[county] + _digits(rng, n, 7)
    return Subjects(code=ric, county=county, risk=rng.standard_normal(n),
                    extra=dict(role=np.array(["驾驶员", "船员", "教练员", "安全员"], dtype=object)[role],
                               name=_person_names(rng, n), employer=employer, plates=plates,
                               vessel_ids=vessel_ids, cert=cert))


def _draw_usable(rng: np.random.Generator, n: int) -> np.ndarray:
    """Counties whose codes can appear in resident IDs of the birth years we use."""
    r = regions()
    usable = np.flatnonzero(r.birth_lo <= r.birth_hi)
    p = r.county_weight[usable]
    return usable[rng.choice(len(usable), size=n, p=p / p.sum())]


def build_legal_reps(rng: np.random.Generator, ent: Subjects, taken: np.ndarray) -> Subjects:
    """Legal representatives: most represent one firm, some several in the same area.

    The number of firms per person follows a truncated Zipf law (about 75% one firm, a
    few up to a dozen); firms are assigned in order of their county, so one person's
    firms are neighbours.  Firms sharing a representative share the phone number 30% of
    the time, as in real registries.
    """
    n_ent = len(ent)
    sizes = np.arange(1, 13)
    pmf = sizes ** -2.6
    k = rng.choice(sizes, size=n_ent, p=pmf / pmf.sum())
    k = k[: np.searchsorted(np.cumsum(k), n_ent) + 1]
    rep_of_block = np.repeat(np.arange(len(k)), k)[:n_ent]
    order = np.argsort(ent.county, kind="stable")
    rep = np.empty(n_ent, dtype=np.int64)
    rep[order] = rep_of_block
    n_rep = int(rep.max()) + 1
    first_firm = np.full(n_rep, -1)
    first_firm[rep[::-1]] = np.arange(n_ent)[::-1]
    r = regions()
    county = ent.county[first_firm]
    usable = r.birth_lo <= r.birth_hi
    born = np.where(rng.random(n_rep) < 0.7, county, _draw_counties(rng, n_rep))
    born[~usable[born]] = _draw_usable(rng, int((~usable[born]).sum()))
    ric = make_rics(rng, born, male_share=0.8, taken=taken)
    shared = (np.bincount(rep)[rep] > 1) & (rng.random(n_ent) < 0.3)
    ent.extra["phone"][shared] = ent.extra["phone"][first_firm[rep[shared]]]
    ent.extra["rep"] = rep
    return Subjects(code=ric, county=county, risk=rng.standard_normal(n_rep),
                    extra=dict(name=_person_names(rng, n_rep)))


def build_world(sizes: Mapping[str, int], seed: int) -> World:
    """All subjects and their relationships for ``sizes`` (see :func:`plan_sizes`)."""
    ent = build_enterprises(_rng(seed, 1), sizes["enterprises"])
    veh_owner, ves_owner = build_fleets(_rng(seed, 2), ent, sizes["vehicles"], sizes["vessels"])
    veh = build_vehicles(_rng(seed, 3), ent, veh_owner)
    ves = build_vessels(_rng(seed, 4), ent, ves_owner)
    prac = build_practitioners(_rng(seed, 5), sizes["practitioners"], ent, veh, ves)
    reps = build_legal_reps(_rng(seed, 6), ent, prac.code)
    persons = Subjects(
        code=np.concatenate([prac.code, reps.code]),
        county=np.concatenate([prac.county, reps.county]),
        risk=np.concatenate([prac.risk, reps.risk]),
        extra=dict(prac.extra),
    )
    persons.extra["name"] = np.concatenate([prac.extra["name"], reps.extra["name"]])
    return World(dict(sizes), seed, ent, veh, ves, persons, len(prac))


def enterprises_frame(w: World) -> pd.DataFrame:
    """The enterprises file."""
    e, r = w.enterprises, regions()
    x = e.extra
    rep = x["rep"] + w.n_practitioners
    return pd.DataFrame(dict(zip(HEADERS["enterprises"], (
        e.code, x["name"], ETYPE_NAMES[x["etype"]], r.county[e.county],
        w.persons.extra["name"][rep], w.persons.code[rep], x["phone"], x["address"],
        _dates(x["established"]), x["status"],
    ))))


def vehicles_frame(w: World) -> pd.DataFrame:
    """The vehicles file."""
    v, x = w.vehicles, w.vehicles.extra
    return pd.DataFrame(dict(zip(HEADERS["vehicles"], (
        v.code, x["color"], x["vtype"], w.enterprises.code[x["owner"]], x["cert"],
        regions().county[v.county],
    ))))


def vessels_frame(w: World) -> pd.DataFrame:
    """The vessels file."""
    v, x = w.vessels, w.vessels.extra
    operator = np.where(x["operator"] >= 0, w.enterprises.code[np.maximum(x["operator"], 0)], "")
    return pd.DataFrame(dict(zip(HEADERS["vessels"], (
        v.code, x["name"], x["imo"], x["vtype"], w.enterprises.code[x["owner"]], operator,
        regions().county[v.county],
    ))))


def practitioners_frame(w: World) -> pd.DataFrame:
    """The practitioners file (legal representatives appear only in enterprises)."""
    p, n = w.persons, w.n_practitioners
    x = p.extra
    return pd.DataFrame(dict(zip(HEADERS["practitioners"], (
        p.code[:n], x["name"][:n], x["role"], x["cert"], w.enterprises.code[x["employer"]],
        x["plates"], x["vessel_ids"], regions().county[p.county[:n]],
    ))))
