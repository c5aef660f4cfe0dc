"""Identifier types: real published codes, every kind of rejection, and agreement of the
vectorised column check with the single-value check (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as std_ric
from stdnum.cn import uscc as std_uscc

from graph_model import regions
from graph_model.identifiers import (
    PLATE_PROVINCES,
    REGISTRY,
    IdentifierError,
    clean,
    guess_subject_label,
    guess_subject_labels,
    protect_ric,
    protect_ric_series,
    province_of_plate,
)
from graph_model.schema import schema

DATA = Path(__file__).parent / "data"


def published_usccs() -> list[str]:
    lines = (DATA / "uscc_published.txt").read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def with_uscc_check(first17: str) -> str:
    return first17 + std_uscc.calc_check_digit(first17)


def with_ric_check(first17: str) -> str:
    return first17 + std_ric.calc_check_digit(first17 + "0")


def rejection(type_name: str, value) -> IdentifierError:
    with pytest.raises(IdentifierError) as info:
        clean(type_name, value)
    return info.value


# --------------------------------------------------------------------------- registry


def test_registry_names_match_the_schema_types():
    assert set(REGISTRY) == {"uscc", "ric", "plate", "vessel_id", "imo", "region_code"}
    assert schema().identifier_types == frozenset(REGISTRY)
    for name, kind in REGISTRY.items():
        assert kind.name == name and kind.doc


def test_unknown_type_name():
    with pytest.raises(KeyError, match="unknown identifier type"):
        clean("passport", "E12345678")


def test_error_names_value_type_and_reason():
    err = rejection("uscc", "91320500ABC")
    assert isinstance(err, ValueError)
    assert (err.type_name, err.value) == ("uscc", "91320500ABC")
    assert str(err) == f"uscc '91320500ABC': {err.reason}"


# --------------------------------------------------------------------------- USCC


def test_published_usccs_are_all_accepted():
    codes = published_usccs()
    assert len(codes) == 200
    assert [c for c in codes if not REGISTRY["uscc"].is_valid(c)] == []
    values, reasons = REGISTRY["uscc"].check_series(pd.Series(codes))
    assert values.tolist() == codes
    assert reasons.isna().all()


@pytest.mark.parametrize("code", [
    "91110000600037341L",  # stdnum's documented example (region 110000, Beijing)
    "12100000400000624D",  # 清华大学, registered nationally: region part 100000
    "1210000042500615X0",  # 复旦大学, registered nationally
])
def test_province_and_national_registrations_accepted(code):
    assert clean("uscc", code) == code


def test_retired_region_in_uscc_accepted():
    # 310108 闸北区 merged into 静安区 in 2015; firms registered there keep the code.
    # 91310108684009849G: 上海亚润酒店管理有限公司, seen in a published tax listing.
    assert not regions.is_current("310108")
    assert clean("uscc", "91310108684009849G") == "91310108684009849G"
    synthetic = with_uscc_check("91310108MA1G35U8X")
    assert clean("uscc", synthetic) == synthetic


def test_uscc_normalisation():
    assert clean("uscc", " 9132 0505-6082 3487 68 ") == "913205056082348768"
    assert clean("uscc", "９１３２０５０５６０８２３４８７６８") == "913205056082348768"
    assert clean("uscc", "91340600ma2pbm9hxd") == "91340600MA2PBM9HXD"


@pytest.mark.parametrize("value, reason", [
    ("91320500ABC", "wrong length (11 characters, expected 18)"),
    ("A1320505608234876X", "characters 1-8 must be digits"),
    ("91320505608234I768",
     "invalid character 'I' at position 15 (I, O, S, V and Z are not used)"),
    ("913205056082348769", "wrong check character (expected 8)"),
    (with_uscc_check("91990000MA1G35U8X"), "unknown region code 990000 in characters 3-8"),
])
def test_uscc_rejections(value, reason):
    err = rejection("uscc", value)
    assert err.reason == reason
    assert value in str(err) and reason in str(err)
    values, reasons = REGISTRY["uscc"].check_series(pd.Series([value]))
    assert pd.isna(values[0]) and reasons[0] == reason


def test_uscc_weights_agree_with_stdnum():
    from graph_model.identifiers.uscc import _USCC_WEIGHTS

    # One "1" among zeros makes stdnum's check character reveal that position's weight.
    for pos, weight in enumerate(_USCC_WEIGHTS):
        check = std_uscc.calc_check_digit("0" * pos + "1" + "0" * (16 - pos))
        assert (31 - USCC_ALPHABET.index(check)) % 31 == weight


# --------------------------------------------------------------------------- RIC


@pytest.mark.parametrize("value, canonical", [
    ("360426199101010071", "360426199101010071"),
    ("44011320141005001x", "44011320141005001X"),
    ("3604 2619 9101 0100 71", "360426199101010071"),
])
def test_ric_accepted(value, canonical):
    assert clean("ric", value) == canonical


def test_ric_region_may_be_retired_or_later_than_birth():
    # Born 1980, registered under 房山区 (110111, in use since 1986): numbers are
    # assigned at registration, so the region need only be known.
    assert clean("ric", "110111198012010078") == "110111198012010078"
    zhabei = with_ric_check("31010819750615123")
    assert clean("ric", zhabei) == zhabei


@pytest.mark.parametrize("value, reason", [
    ("36042619910101007", "wrong length (17 characters, expected 18)"),
    ("T60426199101010078", "expected 17 digits followed by a digit or X"),
    # Neither the expected check character nor the birth date: with the masked number
    # shown beside the reason, they would rebuild it.
    ("36042619910102009X", "wrong check character"),
    ("360426199113010079", "impossible birth date (characters 7-14)"),
    (with_ric_check("36042619900229001"), "impossible birth date (characters 7-14)"),
    (with_ric_check("36042620990101001"), "impossible birth date (characters 7-14)"),
    ("990426199112010074", "unknown region code 990426"),
])
def test_ric_rejections(value, reason):
    err = rejection("ric", value)
    assert err.reason == reason
    assert value not in str(err) and value[:6] in str(err)  # masked, region kept
    values, reasons = REGISTRY["ric"].check_series(pd.Series([value]))
    assert pd.isna(values[0]) and reasons[0] == reason


def test_ric_leap_day_accepted():
    leap = with_ric_check("36042620000229001")
    assert clean("ric", leap) == leap


SECRET = "test-secret"


def test_protect_ric():
    number = "360426199101010071"
    digest, masked = protect_ric(number, SECRET)
    assert masked == "360426********0071"
    assert number not in digest and number not in masked
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert protect_ric(number, SECRET) == (digest, masked)
    assert protect_ric("3604 2619 9101 0100 71", SECRET)[0] == digest
    assert protect_ric(number, "another-secret")[0] != digest
    assert protect_ric("44011320141005001x", SECRET)[1] == "440113********001X"
    with pytest.raises(ValueError):
        protect_ric(number, "")
    with pytest.raises(IdentifierError):
        protect_ric("360426199101010072", SECRET)


def test_protect_ric_series_matches_protect_ric():
    numbers = ["360426199101010071", None, "44011320141005001X"]
    canonical, _ = REGISTRY["ric"].check_series(pd.Series(numbers, index=[5, 6, 7]))
    hashes, masked = protect_ric_series(canonical, SECRET)
    assert list(hashes.index) == [5, 6, 7]
    assert pd.isna(hashes[6]) and pd.isna(masked[6])
    for i in (5, 7):
        assert (hashes[i], masked[i]) == protect_ric(canonical[i], SECRET)
        assert canonical[i] not in hashes[i] and canonical[i] not in masked[i]


# --------------------------------------------------------------------------- plates


@pytest.mark.parametrize("value, canonical", [
    ("苏E12345", "苏E12345"),  # ordinary
    ("苏e·12345", "苏E12345"),
    ("苏 E-A1B2C", "苏EA1B2C"),
    ("苏Ｅ１２３４５", "苏E12345"),  # full-width
    ("京AD12345", "京AD12345"),  # small new-energy: D + 5
    ("沪AFA1234", "沪AFA1234"),  # small new-energy: F, then a letter, then 4 digits
    ("粤B12345D", "粤B12345D"),  # large new-energy: 5 digits + D
    ("苏E1234挂", "苏E1234挂"),  # trailer
    ("粤Z1234港", "粤Z1234港"),
])
def test_plates_accepted(value, canonical):
    assert clean("plate", value) == canonical


@pytest.mark.parametrize("value, reason", [
    ("XE12345", "unknown province abbreviation 'X'"),
    ("台A12345", "unknown province abbreviation '台'"),
    ("苏512345", "issuing-authority letter (character 2) must be A-Z"),
    ("苏EI2345", "letters I and O are not used after the issuing letter"),
    ("苏E1234O", "letters I and O are not used after the issuing letter"),
    ("苏E1234", "expected 5 characters after the issuing letter (6 for a new-energy "
               "plate: D/F + 5, or 5 digits + D/F)"),
    ("苏EA12345", "expected 5 characters after the issuing letter (6 for a new-energy "
                  "plate: D/F + 5, or 5 digits + D/F)"),
])
def test_plate_rejections(value, reason):
    err = rejection("plate", value)
    assert err.reason == reason and value in str(err)
    values, reasons = REGISTRY["plate"].check_series(pd.Series([value]))
    assert pd.isna(values[0]) and reasons[0] == reason


def test_province_of_plate():
    assert len(PLATE_PROVINCES) == 31
    assert province_of_plate("苏E12345") == "32"
    assert province_of_plate("京AD12345") == "11"
    for code in PLATE_PROVINCES.values():
        assert regions.is_current(code + "0000")
    with pytest.raises(IdentifierError):
        province_of_plate("台A12345")


# --------------------------------------------------------------------------- vessels


def test_vessel_id():
    assert clean("vessel_id", "cn 2005 1234 567") == "CN20051234567"
    for bad in ("CN2005123456", "XX20051234567", "CN2005123456A"):
        err = rejection("vessel_id", bad)
        assert err.reason == "expected CN followed by 11 digits" and bad in str(err)


@pytest.mark.parametrize("value", ["9074729", "IMO 9074729", "imo9176187", 9176187, 9176187.0])
def test_real_imo_numbers_accepted(value):
    assert clean("imo", value) in ("9074729", "9176187")


@pytest.mark.parametrize("value, reason", [
    ("9074728", "wrong check digit (expected 9)"),
    ("IMO 9176180", "wrong check digit (expected 7)"),
    ("907472", "expected 7 digits, optionally prefixed IMO"),
    ("IMO-90747A9", "expected 7 digits, optionally prefixed IMO"),
])
def test_imo_rejections(value, reason):
    err = rejection("imo", value)
    assert err.reason == reason and str(value) in str(err)


# --------------------------------------------------------------------------- regions


def test_region_code():
    assert clean("region_code", "320505") == "320505"
    assert clean("region_code", 310108) == "310108"  # retired, and read as a number
    assert rejection("region_code", "320599").reason == "unknown region code"
    assert rejection("region_code", "32050").reason == "expected 6 digits"


# --------------------------------------------------------------------------- columns


def test_check_series_empties_are_not_errors():
    s = pd.Series([None, np.nan, "", "   ", "\u3000", "913205056082348768"], index=list("abcdef"))
    values, reasons = REGISTRY["uscc"].check_series(s)
    assert list(values.index) == list("abcdef")
    assert values.isna().tolist() == [True] * 5 + [False]
    assert reasons.isna().all()
    with pytest.raises(IdentifierError, match="empty"):
        clean("uscc", "   ")


def test_check_series_accepts_pandas_string_and_numeric_columns():
    s = pd.Series(["320505", None, "999999"], dtype="string")
    values, reasons = REGISTRY["region_code"].check_series(s)
    assert values.tolist()[0] == "320505" and pd.isna(values[1]) and pd.isna(values[2])
    assert reasons.tolist() == [None, None, "unknown region code"]
    nums = pd.Series([320505.0, np.nan, 9074729.0])
    assert REGISTRY["region_code"].check_series(nums)[0][0] == "320505"
    assert REGISTRY["imo"].check_series(nums)[0][2] == "9074729"


def test_guess_subject_label():
    assert guess_subject_label("913205056082348768") == "Enterprise"
    assert guess_subject_label("360426199101010071") == "Person"
    assert guess_subject_label("苏E12345") == "Vehicle"
    assert guess_subject_label("CN20051234567") == "Vessel"
    assert guess_subject_label("hello") is None
    # 18 digits that pass both the USCC and the resident-ID checks: ambiguous
    # (resident region 321101 + birth year 19.. puts 110119 in the USCC's region part)
    both = next(c for c in (with_ric_check(f"32110119900101{i:03d}") for i in range(1000))
                if REGISTRY["uscc"].is_valid(c))
    assert REGISTRY["ric"].is_valid(both)
    assert guess_subject_label(both) is None
    s = pd.Series(["913205056082348768", "360426199101010071", "苏E12345", "CN20051234567",
                   "hello", None, both])
    assert guess_subject_labels(s).tolist() == [
        "Enterprise", "Person", "Vehicle", "Vessel", None, None, None]


# --------------------------------------------------------------------------- hypothesis

KNOWN_CODES = sorted(regions.known_codes())
USCC_ALPHABET = std_uscc._alphabet


@st.composite
def valid_usccs(draw):
    head = draw(st.sampled_from(["91", "92", "93", "12", "51", "52"]))
    region = draw(st.sampled_from(KNOWN_CODES + ["100000"]))
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return with_uscc_check(head + region + body)


@st.composite
def valid_rics(draw):
    region = draw(st.sampled_from(KNOWN_CODES))
    born = draw(st.dates(min_value=pd.Timestamp("1850-01-01").date(),
                         max_value=pd.Timestamp.today().date()))
    serial = draw(st.integers(0, 999))
    return with_ric_check(f"{region}{born:%Y%m%d}{serial:03d}")


@st.composite
def valid_plates(draw):
    head = draw(st.sampled_from(sorted(PLATE_PROVINCES))) + draw(st.sampled_from(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    char = st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
    digits = st.text(alphabet="0123456789", min_size=4, max_size=4)
    shape = draw(st.sampled_from(["ordinary", "special", "small", "large"]))
    if shape == "ordinary":
        return head + "".join(draw(st.lists(char, min_size=5, max_size=5)))
    if shape == "special":
        return head + "".join(draw(st.lists(char, min_size=4, max_size=4))) + draw(
            st.sampled_from("挂学警港澳"))
    if shape == "small":
        return head + draw(st.sampled_from("DF")) + draw(char) + draw(digits)
    return head + draw(digits) + draw(st.sampled_from("0123456789")) + draw(st.sampled_from("DF"))


@st.composite
def valid_imos(draw):
    six = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    check = sum(int(d) * w for d, w in zip(six, range(7, 1, -1))) % 10
    return draw(st.sampled_from(["", "IMO", "IMO ", "imo"])) + six + str(check)


VALID = {
    "uscc": valid_usccs(),
    "ric": valid_rics(),
    "plate": valid_plates(),
    "vessel_id": st.from_regex(r"CN[0-9]{11}", fullmatch=True),
    "imo": valid_imos(),
    "region_code": st.sampled_from(KNOWN_CODES),
}
SUBJECT_TYPES = ("uscc", "ric", "plate", "vessel_id")
NOISE = "0123456789ABCDXYZIOSVabcxyz -－　·苏京沪挂港ＣＮ１２"


@st.composite
def spoiled(draw, valid):
    """A valid value, then maybe altered: a character replaced, dropped or added, case
    changed, separators or full-width forms introduced."""
    value = draw(valid)
    how = draw(st.sampled_from(["keep", "replace", "drop", "add", "lower", "spaces",
                                "fullwidth"]))
    if how == "keep" or not value:
        return value
    i = draw(st.integers(0, len(value) - 1))
    if how == "replace":
        return value[:i] + draw(st.sampled_from(NOISE)) + value[i + 1:]
    if how == "drop":
        return value[:i] + value[i + 1:]
    if how == "add":
        return value[:i] + draw(st.sampled_from(NOISE)) + value[i:]
    if how == "lower":
        return value.lower()
    if how == "spaces":
        return value[:i] + draw(st.sampled_from([" ", "-", "\t", "\u3000", "·"])) + value[i:]
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def any_value(type_name):
    return st.one_of(
        spoiled(VALID[type_name]),
        st.text(alphabet=NOISE, max_size=20),
        st.text(max_size=20),
        st.integers(-10, 10**8),
        st.none(),
    )


def assert_agree(type_name: str, values: list) -> None:
    kind = REGISTRY[type_name]
    got, reasons = kind.check_series(pd.Series(values, dtype=object))
    for value, canonical, reason in zip(values, got, reasons):
        try:
            expected = kind.clean(value)
        except IdentifierError as err:
            assert pd.isna(canonical), (value, canonical)
            assert reason == (None if err.reason == "empty" else err.reason), (value, reason)
        else:
            assert canonical == expected and reason is None, (value, canonical, reason)
            assert kind.clean(expected) == expected  # canonical forms are stable


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_series_agrees_with_clean(type_name, data):
    values = data.draw(st.lists(any_value(type_name), max_size=25))
    assert_agree(type_name, values)


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_generated_valid_values_accepted(type_name, data):
    values = data.draw(st.lists(VALID[type_name], min_size=1, max_size=20))
    got, reasons = REGISTRY[type_name].check_series(pd.Series(values))
    assert got.notna().all() and reasons.isna().all()
    assert_agree(type_name, values)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(*(any_value(t) for t in SUBJECT_TYPES)), max_size=25))
def test_guess_subject_labels_agrees_with_guess_subject_label(values):
    got = guess_subject_labels(pd.Series(values, dtype=object))
    assert got.tolist() == [guess_subject_label(v) for v in values]


def text_value(type_name):
    return st.one_of(spoiled(VALID[type_name]), st.text(alphabet=NOISE, max_size=20), st.none())


@pytest.mark.parametrize("type_name", sorted(REGISTRY))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_series_of_a_string_column_checks_each_distinct_value_once_alike(type_name, data):
    distinct = data.draw(st.lists(text_value(type_name), min_size=1, max_size=8))
    picks = data.draw(st.lists(st.integers(0, len(distinct) - 1), max_size=30))
    values = [distinct[i] for i in picks]
    index = [100 + 3 * i for i in range(len(values))]
    want = REGISTRY[type_name].check_series(pd.Series(values, index=index, dtype=object, name="c"))
    got = REGISTRY[type_name].check_series(pd.Series(values, index=index, dtype="string", name="c"))
    for w, g in zip(want, got):
        assert g.dtype == object and g.name == "c" and list(g.index) == index
        assert [None if pd.isna(x) else x for x in g] == [None if pd.isna(x) else x for x in w]
