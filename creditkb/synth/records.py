"""Records about the subjects: penalties and their repairs, evaluations, list entries,
commitments and agreements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from creditkb.synth.draw import (
    AS_OF, DATA_END, DATA_START, _dates, _day, _exact_counts, _not_before, _uniform_days,
    _year,
)
from creditkb.synth.exchange import CHUNK_ROWS, ENT, HEADERS, PER, SUBJECT_KINDS, VEH, VES
from creditkb.synth.names import ROAD_TYPES
from creditkb.synth.regions import agencies, regions
from creditkb.synth.world import World, _draw_counties, _type_codes
from graph_model.enums import CommitmentStatus, ListKind, PenaltyStatus, RepairMode, Severity
from queries.rules.repair import repair_catalogue
from queries.rules.rulefile import months_after
from queries.rules.scales import scales


def _publication_days() -> tuple[dict[str, int], dict[str, int]]:
    """The publication periods of queries/data/repair.yaml in days, for any day of the data:
    (the longest the minimum period lasts: a repair that waits it is never early; the
    shortest the maximum lasts: publication has ended after it), by severity."""
    first, last = DATA_START.astype(object), DATA_END.astype(object)
    days = [first + dt.timedelta(i) for i in range((last - first).days + 1)]
    periods = repair_catalogue().periods
    return ({sev: max((months_after(d, lo) - d).days for d in days)
             for sev, (lo, _) in periods.items()},
            {sev: min((months_after(d, hi) - d).days for d in days)
             for sev, (_, hi) in periods.items()})


#: Minimum publication periods before a repair (national repair rules, #2), in days:
#: 92 for the three months of an ordinary penalty, 366 for the year of a serious one.
#: Maximum publication periods: after these the penalty is no longer published anyway.
MIN_PUBLICATION_DAYS, MAX_PUBLICATION_DAYS = _publication_days()


def pick_subjects(rng: np.random.Generator, w: World, n: int, kind_shares: Mapping[int, float],
                  risk_weight: float = 0.0, fleet_weight: float = 0.0,
                  practitioners_only: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` subjects (with repetition) for records about them.

    Parameters
    ----------
    kind_shares : Mapping[int, float]
        Subject kind -> share of the records.
    risk_weight : float
        Weight ``exp(risk_weight * risk)``: positive for penalties and watchlists,
        negative for red lists.
    fleet_weight : float
        Enterprises are weighted by ``(1 + fleet) ** fleet_weight``: big operators
        collect more records.
    practitioners_only : float
        Share of person records about practitioners rather than legal representatives.

    Returns
    -------
    kind, index : np.ndarray
        Subject kind and index within that kind, sorted by kind.
    """
    kinds = np.array(list(kind_shares))
    counts = _exact_counts(np.array(list(kind_shares.values())), n)
    kind_out, idx_out = [], []
    for k, m in zip(kinds, counts):
        s = w.of(int(k))
        weight = np.exp(risk_weight * s.risk)
        if k == ENT and fleet_weight:
            fleet = (np.bincount(w.vehicles.extra["owner"], minlength=len(s))
                     + np.bincount(w.vessels.extra["owner"], minlength=len(s)))
            weight *= (1.0 + fleet) ** fleet_weight
        if k == PER:
            prac, reps = slice(None, w.n_practitioners), slice(w.n_practitioners, None)
            weight[prac] *= practitioners_only / weight[prac].sum()
            weight[reps] *= (1 - practitioners_only) / weight[reps].sum()
        kind_out.append(np.full(m, k, dtype=np.int8))
        idx_out.append(rng.choice(len(s), size=m, p=weight / weight.sum()))
    return np.concatenate(kind_out), np.concatenate(idx_out)


def subject_counties(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """County index of each (kind, index) subject."""
    out = np.empty(len(idx), dtype=np.int64)
    for k in range(4):
        sel = kind == k
        out[sel] = w.of(k).county[idx[sel]]
    return out


def founded(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Founding day of each firm; day 0 (1950) for subjects that are not firms."""
    out = np.zeros(len(idx), dtype=np.int64)
    ent = kind == ENT
    out[ent] = w.enterprises.extra["established"][idx[ent]]
    return out


def established_floor(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """First day records about each subject may carry: DATA_START, or a later founding."""
    return np.maximum(founded(w, kind, idx), _day(DATA_START))


def subject_codes(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Exchange-format code of each (kind, index) subject."""
    out = np.empty(len(idx), dtype=object)
    for k in range(4):
        sel = kind == k
        out[sel] = w.of(k).code[idx[sel]]
    return out


def record_agencies(rng: np.random.Generator, kind: np.ndarray, county: np.ndarray) -> np.ndarray:
    """The agency issuing each record about a subject of ``kind`` based in ``county``.

    Road subjects: the city bureau mostly, sometimes the county or province, 8% another
    city (cross-region enforcement).  Vessels: the city's maritime bureau, the Yangtze
    maritime bureau, or another city's maritime bureau.
    """
    a = agencies()
    n = len(county)
    u = rng.random(n)
    elsewhere = _draw_counties(rng, n)
    out = a.road_of_county[county].copy()
    own = a.own_of_county[county]
    use_own = (u >= 0.80) & (u < 0.87) & (own >= 0)
    out[use_own] = own[use_own]
    prov = (u >= 0.87) & (u < 0.92)
    out[prov] = a.prov_of_county[county[prov]]
    far = u >= 0.92
    out[far] = a.road_of_county[elsewhere[far]]
    ship = kind == VES
    sea = np.where(u < 0.65, a.sea_of_county[county],
                   np.where(u < 0.9, a.yangtze_msa, a.sea_of_county[elsewhere]))
    out[ship] = sea[ship]
    return out


# Violations by subject kind (enterprise, vehicle, vessel, person).
VIOLATIONS: tuple[tuple[str, ...], ...] = (
    ("未按规定建立安全生产管理制度", "未按规定对从业人员进行安全教育培训", "未取得道路运输经营许可擅自从事经营",
     "未按规定对车辆进行维护和检测", "未按规定配备专职安全管理人员", "超越许可范围从事经营",
     "未按规定报送统计资料", "未按规定落实动态监控"),
    ("车辆超限运输", "未按规定进行车辆年度审验", "未按规定使用卫星定位装置", "车辆超速行驶",
     "危险货物运输车辆未按规定悬挂标志", "网约车未取得运输证从事经营", "巡游出租车拒载", "客车超员"),
    ("船舶超载", "未按规定配备船员", "遮挡船名", "谎报吃水", "违规横越航道", "未按规定办理进出港报告",
     "未按规定处置船舶污染物", "AIS未保持正常工作状态"),
    ("驾驶员疲劳驾驶", "驾驶员未携带从业资格证", "船员未持有效适任证书", "未按规定参加继续教育",
     "驾驶员超速行驶", "船员值班期间擅离职守"),
)
PENALTY_TYPES = ("警告", "罚款", "暂扣", "吊销", "责令停产停业")
FINES = np.array([200, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 50000, 100000])
FINE_SHARES = [.1, .2, .2, .15, .1, .1, .06, .04, .02, .02, .01]


@dataclass
class PenaltyPlan:
    """All penalties as numeric arrays, sorted by decision date."""

    kind: np.ndarray
    idx: np.ndarray
    day: np.ndarray
    agency: np.ndarray
    seq: np.ndarray
    violation: np.ndarray  # index within VIOLATIONS[kind]
    ptype: np.ndarray
    fine: np.ndarray       # -1: none
    serious: np.ndarray
    revoked: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    def decision_numbers(self, sel) -> np.ndarray:
        """Decision numbers such as 苏州交罚〔2024〕0001234号 for the rows ``sel``."""
        prefix = agencies().prefix[self.agency[sel]]
        year = _year(self.day[sel])
        seq = self.seq[sel].tolist()
        return np.array([f"{p}〔{y}〕{s:07d}号" for p, y, s in zip(prefix, year.tolist(), seq)],
                        dtype=object)


def plan_penalties(rng: np.random.Generator, w: World, n: int) -> PenaltyPlan:
    """Draw ``n`` penalties: risky subjects and big fleets get more; ~3% serious.

    Decision numbers run per agency and year in date order, so they are unique.
    """
    kind, idx = pick_subjects(rng, w, n, {ENT: 0.2, VEH: 0.4, VES: 0.25, PER: 0.15},
                              risk_weight=0.8, fleet_weight=0.5)
    day = _uniform_days(rng, n, DATA_START, AS_OF, skew=0.85)
    day = _not_before(rng, day, established_floor(w, kind, idx), _day(AS_OF))
    order = np.argsort(day, kind="stable")
    kind, idx, day = kind[order], idx[order], day[order]
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    group = agency * 16 + (_year(day) - 2019)
    by_group = np.argsort(group, kind="stable")  # stable: date order within a group
    g = group[by_group]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    seq = np.empty(n, dtype=np.int64)
    seq[by_group] = np.arange(n) - run_start + 1
    n_viol = np.array([len(v) for v in VIOLATIONS])[kind]
    violation = np.floor(rng.random(n) ** 1.5 * n_viol).astype(np.int64)  # some far commoner
    ptype = rng.choice(len(PENALTY_TYPES), size=n, p=[0.22, 0.70, 0.04, 0.01, 0.03])
    amount = FINES[rng.choice(len(FINES), size=n, p=FINE_SHARES)]
    fine = np.where(ptype == 0, -1, amount)  # a warning carries no fine
    serious = (rng.random(n) < 0.025) | (ptype == 3) | ((fine >= 50000) & (rng.random(n) < 0.5))
    revoked = rng.random(n) < 0.008
    return PenaltyPlan(kind, idx, day, agency, seq, violation, ptype, fine, serious, revoked)


def penalty_frames(w: World, plan: PenaltyPlan) -> Iterator[pd.DataFrame]:
    """The penalties file, chunk by chunk."""
    a = agencies()
    flat = np.array([v for vs in VIOLATIONS for v in vs], dtype=object)
    offset = np.cumsum([0] + [len(v) for v in VIOLATIONS])[:-1]
    for lo in range(0, len(plan), CHUNK_ROWS):
        s = slice(lo, min(lo + CHUNK_ROWS, len(plan)))
        kind = plan.kind[s]
        fine = pd.array(plan.fine[s], dtype="Int64")
        fine[plan.fine[s] < 0] = pd.NA
        yield pd.DataFrame(dict(zip(HEADERS["penalties"], (
            plan.decision_numbers(s), np.array(SUBJECT_KINDS, dtype=object)[kind],
            subject_codes(w, kind, plan.idx[s]), flat[offset[kind] + plan.violation[s]],
            np.array(PENALTY_TYPES, dtype=object)[plan.ptype[s]], fine, _dates(plan.day[s]),
            a.name[plan.agency[s]], a.region[plan.agency[s]],
            np.where(plan.serious[s], Severity.严重, Severity.一般).astype(object),
            np.where(plan.revoked[s], PenaltyStatus.撤销, PenaltyStatus.有效).astype(object),
        ))))


#: Share of repairs dated before the end of the minimum publication period: agencies that
#: repair too early (rule 17), rejected when loaded.
TOO_EARLY = 0.004


def repair_frames(rng: np.random.Generator, plan: PenaltyPlan, n: int) -> Iterator[pd.DataFrame]:
    """Repairs of ``n`` valid penalties, each after its minimum publication period.

    A repair falls between the end of the minimum period (3 months ordinary, 1 year
    serious) and the end of the maximum one (1 and 3 years), and not after AS_OF; the
    issuing agency reviews it.  Serious penalties are repaired less often.  Its mode is
    the one the repair catalogue gives the violation (queries/data/repair.yaml, #12); a
    closed-loop repair names its rectification evidence.  A few (:data:`TOO_EARLY`) come
    before the minimum period is over, as a story of rule 17: ``creditkb load`` rejects
    them.
    """
    min_days = np.where(plan.serious, MIN_PUBLICATION_DAYS[Severity.严重],
                        MIN_PUBLICATION_DAYS[Severity.一般])
    max_days = np.where(plan.serious, MAX_PUBLICATION_DAYS[Severity.严重],
                        MAX_PUBLICATION_DAYS[Severity.一般])
    earliest = plan.day + min_days
    latest = np.minimum(plan.day + max_days, _day(AS_OF))
    eligible = np.flatnonzero(~plan.revoked & (earliest <= latest))
    p = np.where(plan.serious[eligible], 0.3, 1.0)
    chosen = np.sort(rng.choice(eligible, size=min(n, len(eligible)), replace=False, p=p / p.sum()))
    # Most repairs come soon after the minimum period, when the reminder goes out (#2).
    span = latest[chosen] - earliest[chosen]
    wait = np.minimum(np.floor(rng.exponential(45, len(chosen))), span).astype(np.int64)
    day = earliest[chosen] + wait
    early = rng.random(len(chosen)) < TOO_EARLY
    day[early] = plan.day[chosen[early]] + rng.integers(1, 30, int(early.sum()))
    order = np.argsort(day, kind="stable")
    chosen, day = chosen[order], day[order]
    a = agencies()
    mode = _repair_modes()[plan.kind[chosen], plan.violation[chosen]]
    evidence = np.where(mode == RepairMode.闭环, "整改材料", None).astype(object)
    for lo in range(0, len(chosen), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        pen = chosen[s]
        yield pd.DataFrame(dict(zip(HEADERS["repairs"], (
            plan.decision_numbers(pen), mode[s], _dates(day[s]),
            a.name[plan.agency[pen]], a.region[plan.agency[pen]], evidence[s],
        ))))


def _repair_modes() -> np.ndarray:
    """The repair mode the catalogue gives each violation, as [subject kind, violation]."""
    cat = repair_catalogue()
    width = max(len(v) for v in VIOLATIONS)
    out = np.full((len(VIOLATIONS), width), cat.default_mode, dtype=object)
    for k, vs in enumerate(VIOLATIONS):
        for i, v in enumerate(vs):
            out[k, i] = cat.mode_for(v)[0]
    return out


# National and basin authorities (#8, #19): the Yangtze navigation administration and the
# Yangtze maritime bureau bind along the river from the Yangtze credit system's first
# release (#19: 2023-12); the ministry binds everywhere.
JURISDICTIONS = (
    ("交通运输部", "100000", "全国", "100000", "2019-01-01"),
    ("长江航务管理局", "CJHY", "流域",
     "310000;320000;340000;360000;420000;430000;500000;510000;520000;530000", "2023-12-01"),
    ("长江海事局", "CJMSA", "流域",
     "310000;320000;340000;360000;420000;430000;500000;510000;520000;530000", "2023-12-01"),
)


def jurisdictions_frame() -> pd.DataFrame:
    """The jurisdictions file: a fixed handful, the same at every scale."""
    return pd.DataFrame(list(JURISDICTIONS), columns=list(HEADERS["jurisdictions"]))


# Evaluation schemes.  Shares: Shandong (#8, 3,234 firms) for the five levels; the Yangtze
# colours (#19): green 30% as for ships (7265 of 24336), the rest spindle-shaped (纺锤形) as
# assumed here; Kunming's starred taxi drivers (#16: 1151/1371/663/490/35); Suzhou's
# quarterly four levels (#4, shares assumed).
ROAD5 = "道路运输经营者信用评价"
YANGTZE = "长江航运信用评价"
STARS = "巡游出租汽车驾驶员服务质量信誉考核"
SUZHOU4 = "苏州市道路运输企业分类分级评价"


@dataclass(frozen=True)
class Scheme:
    """An evaluation scheme of queries/data/scales.yaml, with the shares of its grades
    (best to worst, as the scales list them) and their score bands."""

    name: str
    shares: tuple[float, ...]
    bands: tuple[tuple[float, float], ...]  # (low, high) score per grade

    @property
    def grades(self) -> tuple[str, ...]:
        return tuple(g for g, _ in scales().scheme(self.name).grades)


SCHEMES = {
    ROAD5: Scheme(ROAD5, (52, 698, 2144, 281, 52, 7),
                  ((90, 100), (80, 90), (70, 80), (60, 70), (40, 60), (0, 40))),
    YANGTZE: Scheme(YANGTZE, (30, 55, 12, 3), ((900, 1000), (800, 900), (600, 800), (300, 600))),
    STARS: Scheme(STARS, (35, 490, 663, 1371, 1151),
                  ((95, 100), (90, 95), (85, 90), (80, 85), (75, 80))),
    SUZHOU4: Scheme(SUZHOU4, (20, 55, 20, 5), ((90, 100), (75, 90), (60, 75), (0, 60))),
}


def grade_by_rank(rng: np.random.Generator, risk: np.ndarray,
                  scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    """Grades and scores of one evaluation round, by rank of a noisy latent score.

    The latent score is ``-0.8 * risk + 0.6 * noise``, so grades persist across rounds;
    grades are handed out by rank in exact proportion to the scheme's shares, and the
    score falls within the grade's band by rank.
    """
    n = len(risk)
    latent = -0.8 * risk + 0.6 * rng.standard_normal(n)
    order = np.argsort(-latent, kind="stable")
    counts = _exact_counts(np.array(scheme.shares, dtype=float), n)
    g_sorted = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    frac = (np.arange(n) - starts + 0.5) / np.repeat(np.maximum(counts, 1), counts)
    bands = np.array(scheme.bands, dtype=float)
    score_sorted = bands[g_sorted, 1] - frac * (bands[g_sorted, 1] - bands[g_sorted, 0])
    grade = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    grade[order], score[order] = g_sorted, np.round(score_sorted, 1)
    return grade, score


@dataclass
class Round:
    """One evaluation round of a scheme: who is evaluated, for which period, by whom."""

    scheme: str
    period: str
    valid_from: int
    valid_to: int
    kind: np.ndarray
    idx: np.ndarray
    agency: np.ndarray


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(label, first day, last day) of every quarter from ``first`` to ``last``."""
    out = []
    y, q = first
    while (y, q) <= last:
        start = np.datetime64(f"{y}-{3 * q - 2:02d}-01")
        end = (start.astype("datetime64[M]") + 3).astype("datetime64[D]") - 1
        out.append((f"{y}年第{q}季度", _day(start), _day(end)))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def _annual(years: Iterable[int], start_month: int) -> list[tuple[str, int, int]]:
    """Yearly rounds: grades of year Y are valid for twelve months from Y+1-start_month-01."""
    out = []
    for y in years:
        start = np.datetime64(f"{y + 1}-{start_month:02d}", "M")
        end = (start + 12).astype("datetime64[D]") - 1
        out.append((f"{y}年度", _day(start.astype("datetime64[D]")), _day(end)))
    return out


def plan_evaluations(rng: np.random.Generator, w: World, n: int) -> list[Round]:
    """Evaluation rounds adding up to about ``n`` evaluations.

    * the five-level road scheme: road firms, yearly 2018-2024 (exchanged each April,
      valid April to March, #3), by the city bureau;
    * the Yangtze four colours: vessels and shipping firms, quarterly since 2024, by the
      Yangtze navigation administration;
    * taxi-driver stars: drivers of cruising taxis, yearly, by the city bureau;
    * Suzhou's quarterly four levels: Suzhou road firms, by the Suzhou bureau.
    The two small schemes take what their pools allow; the rest is split between the two
    large ones.
    """
    r, a = regions(), agencies()
    ent = w.enterprises
    road = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(ROAD_TYPES)))
    suzhou = road[np.char.startswith(r.county[ent.county[road]].astype(str), "3205")]
    shipping = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(["航运"])))
    prac = w.persons.extra
    first_plate = np.array([p.split(";")[0] for p in prac["plates"]], dtype=object)
    plate_index = pd.Index(w.vehicles.code)
    drivers = np.flatnonzero(prac["role"] == "驾驶员")
    first_vehicle = plate_index.get_indexer(first_plate[drivers])
    taxi = drivers[w.vehicles.extra["vtype"][first_vehicle] == "巡游出租车"]

    def pool(kind: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(len(idx), kind, dtype=np.int8), idx

    specs = [  # scheme, pool, periods, share of n, agency rule
        (STARS, pool(PER, taxi), _annual(range(2019, 2025), 3), 0.08, "city"),
        (SUZHOU4, pool(ENT, suzhou), _quarters((2020, 1), (2026, 3)), 0.07, "city"),
        (ROAD5, pool(ENT, road), _annual(range(2018, 2025), 4), 0.40, "city"),
        (YANGTZE, (np.r_[np.full(len(w.vessels), VES, np.int8),
                         np.full(len(shipping), ENT, np.int8)],
                   np.r_[np.arange(len(w.vessels)), shipping]),
         _quarters((2024, 1), (2026, 3)), None, "yangtze"),
    ]
    rounds, left = [], n
    for scheme, (kinds, idxs), periods, share, rule in specs:
        capacity = int(0.8 * len(kinds) * len(periods))
        budget = left if share is None else min(int(share * n), capacity)
        per_round = _exact_counts(np.ones(len(periods)), budget)
        for (label, start, end), m in zip(periods, per_round):
            # Only firms that existed through the evaluated period (a year before validity).
            alive = np.flatnonzero(founded(w, kinds, idxs) <= start - 365)
            m = min(m, len(alive))
            pick = alive[np.sort(rng.choice(len(alive), size=m, replace=False))]
            kind, idx = kinds[pick], idxs[pick]
            if rule == "yangtze":
                agency = np.full(m, a.yangtze_cja)
            else:
                agency = a.road_of_county[subject_counties(w, kind, idx)]
            rounds.append(Round(scheme, label, start, end, kind, idx, agency))
            left -= m
    return rounds


def evaluation_frames(rng: np.random.Generator, w: World,
                      rounds: list[Round]) -> Iterator[pd.DataFrame]:
    """The evaluations file, one frame per round, rounds in order of validity."""
    a = agencies()
    kinds = np.array(SUBJECT_KINDS, dtype=object)
    for rd in sorted(rounds, key=lambda x: (x.valid_from, x.scheme)):
        scheme = SCHEMES[rd.scheme]
        risk = np.empty(len(rd.idx))
        for k in range(4):
            sel = rd.kind == k
            risk[sel] = w.of(k).risk[rd.idx[sel]]
        grade, score = grade_by_rank(rng, risk, scheme)
        m = len(rd.idx)
        yield pd.DataFrame(dict(zip(HEADERS["evaluations"], (
            kinds[rd.kind], subject_codes(w, rd.kind, rd.idx), np.full(m, rd.scheme, dtype=object),
            np.array(scheme.grades, dtype=object)[grade], score,
            np.full(m, rd.period, dtype=object),
            a.name[rd.agency], a.region[rd.agency],
            np.full(m, _dates(np.array([rd.valid_from]))[0], dtype=object),
            np.full(m, _dates(np.array([rd.valid_to]))[0], dtype=object),
        ))))


@dataclass(frozen=True)
class ListPlan:
    """A kind of list: its share of entries, who is on it, how often and when removed."""

    share: float
    subjects: Mapping[int, float]
    risk_weight: float
    removed: float
    removal_days: tuple[int, int]
    reasons: tuple[str, ...]


#: Every list kind of graph_model.enums.ListKind, and how the data fill it.
LIST_KINDS: dict[str, ListPlan] = {
    ListKind.重点监管: ListPlan(0.30, {ENT: 0.5, PER: 0.2, VEH: 0.15, VES: 0.15}, 1.5, 0.4, (180, 720),
                     ("信用评价等级为C级", "信用评价等级为D级", "发生一般及以上等级安全责任事故",
                      "动态监控报警处置率低", "一年内多次违法违规")),
    ListKind.重点关注: ListPlan(0.25, {ENT: 0.4, PER: 0.25, VEH: 0.2, VES: 0.15}, 1.2, 0.35, (90, 540),
                     ("被列入安全生产重点关注对象", "存在重大事故隐患", "多次被投诉", "超速疲劳驾驶报警较多")),
    ListKind.严重失信: ListPlan(0.03, {ENT: 0.7, PER: 0.3}, 2.0, 0.3, (365, 1095),
                     ("发生较大及以上等级安全责任事故", "拒不履行行政处罚决定", "伪造证明材料骗取许可",
                      "非法营运情节严重")),
    ListKind.红名单: ListPlan(0.12, {ENT: 0.6, PER: 0.4}, -1.5, 0.5, (365, 365),
                    ("连续三年信用评价为AA级", "获评诚信示范企业", "获评优秀驾驶员")),
    ListKind.守信激励: ListPlan(0.20, {ENT: 0.3, VES: 0.4, PER: 0.3}, -1.2, 0.5, (365, 730),
                     ("纳入“平安箱运·绿色快航”", "信用评价为AA级", "见义勇为", "一年内无违法违规记录")),
    ListKind.白名单: ListPlan(0.10, {VEH: 0.7, PER: 0.3}, -1.0, 0.2, (180, 720),
                    ("守信车辆不停车检查", "通勤车辆便利通行", "守信从业人员")),
}


def list_entry_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """List entries of the six kinds, ~20-50% removed again, sorted by listing date."""
    a = agencies()
    parts = []
    names = list(LIST_KINDS)
    counts = _exact_counts(np.array([k.share for k in LIST_KINDS.values()]), n)
    for i, (lk, m) in enumerate(zip(LIST_KINDS.values(), counts)):
        kind, idx = pick_subjects(rng, w, int(m), lk.subjects, risk_weight=lk.risk_weight)
        listed = _uniform_days(rng, len(idx), DATA_START, AS_OF, skew=0.9)
        listed = _not_before(rng, listed, established_floor(w, kind, idx), _day(AS_OF))
        lo, hi = lk.removal_days
        removed = listed + rng.integers(lo, hi + 1, len(idx))
        is_removed = (rng.random(len(idx)) < lk.removed) & (removed <= _day(AS_OF))
        removed = np.where(is_removed, removed, -1)
        parts.append((np.full(len(idx), i), kind, idx, listed, removed))
    li, kind, idx, listed, removed = (np.concatenate(x) for x in zip(*parts))
    # One entry per list, subject, agency and date: drop the rare exact repeats.
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    key = pd.DataFrame({"l": li, "k": kind, "i": idx, "d": listed, "a": a.region[agency]})
    keep = ~key.duplicated().to_numpy()
    order = np.lexsort((idx[keep], kind[keep], li[keep], listed[keep]))
    li, kind, idx, listed, removed, agency = (
        x[keep][order] for x in (li, kind, idx, listed, removed, agency))
    reason = np.empty(len(li), dtype=object)
    for i, lk in enumerate(LIST_KINDS.values()):
        sel = li == i
        reasons = np.array(lk.reasons, dtype=object)
        reason[sel] = reasons[rng.integers(0, len(reasons), int(sel.sum()))]
    kinds = np.array(SUBJECT_KINDS, dtype=object)
    for lo in range(0, len(li), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["list_entries"], (
            np.array(names, dtype=object)[li[s]], kinds[kind[s]], subject_codes(w, kind[s], idx[s]),
            _dates(listed[s]), _dates(removed[s]), reason[s], a.name[agency[s]],
            a.region[agency[s]],
        ))))


# Commitment kinds: (share, days to fulfil or None, breach rate).  告知承诺 (#5): licence
# granted at once, revoked if not fulfilled within 180 days - 136 of 978 breached.
COMMITMENT_KINDS = {
    "告知承诺制审批": (0.35, 180, 136 / 978),
    "初始信用等级承诺": (0.15, 365, 0.05),
    "信用修复承诺": (0.20, 90, 0.03),
    "容缺办理承诺": (0.20, 30, 0.04),
    "主动型信用承诺": (0.10, None, 0.0),
}


def commitment_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """Commitments with deadlines and statuses as of AS_OF, sorted by date made."""
    a = agencies()
    kinds_ = list(COMMITMENT_KINDS)
    ck = rng.choice(len(kinds_), size=n, p=[v[0] for v in COMMITMENT_KINDS.values()])
    kind, idx = pick_subjects(rng, w, n, {ENT: 0.85, PER: 0.15}, fleet_weight=0.3)
    perm = rng.permutation(n)
    kind, idx = kind[perm], idx[perm]
    days = np.array([v[1] or 0 for v in COMMITMENT_KINDS.values()])[ck]
    breach_rate = np.array([v[2] for v in COMMITMENT_KINDS.values()])[ck]
    last = np.minimum(_day(AS_OF), _day(DATA_END) - days)
    made = _uniform_days(rng, n, _day(DATA_START), last, skew=0.9)
    made = _not_before(rng, made, established_floor(w, kind, idx), last)
    has_due = days > 0
    due = np.where(has_due, made + days, -1)
    status = np.where(rng.random(n) < breach_rate, CommitmentStatus.违诺,
                      CommitmentStatus.已履约).astype(object)
    open_ = np.where(has_due, due > _day(AS_OF), made > _day(AS_OF) - 365)
    status[open_] = CommitmentStatus.履约中
    agency = a.road_of_county[subject_counties(w, kind, idx)]
    order = np.lexsort((idx, kind, made))
    subj = np.array(SUBJECT_KINDS, dtype=object)
    for lo in range(0, n, CHUNK_ROWS):
        s = order[lo:lo + CHUNK_ROWS]
        yield pd.DataFrame(dict(zip(HEADERS["commitments"], (
            subj[kind[s]], subject_codes(w, kind[s], idx[s]), np.array(kinds_, dtype=object)[ck[s]],
            _dates(made[s]), _dates(due[s]), status[s], a.name[agency[s]], a.region[agency[s]],
        ))))


AGREEMENTS = (
    ("“苏锡常通”信用交通一体化联动发展框架协议", "320500;320200;320400;320600", "2023-03-01", "",
     ROAD5, "重点监管"),
    ("长江航运信用联合奖惩合作备忘录",
     "310000;320000;340000;360000;420000;430000;500000;510000;520000;530000", "2023-12-01", "",
     YANGTZE, "严重失信;重点关注"),
    ("京津冀交通运输信用一体化合作协议", "110000;120000;130000", "2019-06-01", "", "", "严重失信;红名单"),
    ("长三角海事监管领域信用管理合作备忘录", "310000;330200;320585", "2022-05-01", "", "", "守信激励"),
    ("宁镇扬交通运输信用监管合作协议", "320100;321100;321000", "2019-09-01", "2022-12-31", ROAD5,
     "重点监管;严重失信"),
)


def agreements_frame() -> pd.DataFrame:
    """The agreements file: a fixed handful, the same at every scale.

    苏锡常通 (#3), the Yangtze provinces (#19), 京津冀 (#1), the Ningbo-Yangshan-Taicang
    maritime memorandum (#18) and an expired 宁镇扬 pilot (for "only while in force").
    """
    return pd.DataFrame(list(AGREEMENTS), columns=list(HEADERS["agreements"]))
