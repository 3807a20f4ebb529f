"""Tests for oppfolging.lib.identity.

Valid numbers are built with the local check-digit helpers below, not with the
module under test, so the two implementations check each other. python-stdnum
is used as a third, independent oracle for the real (non-synthetic) kinds.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.no import fodselsnummer as stdnum_fnr

from oppfolging.lib import identity
from oppfolging.lib.identity import IdentityKind, InvalidIdentityNumber

FAST = settings(max_examples=200, deadline=None)

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# Validation weights: the check digit itself counts with weight 1 and the
# weighted sum must be 0 mod 11.
V1 = (*W1, 1)
V2 = (*W2, 1)

# A day margin keeps "today" safe whatever the machine's time zone is.
LATEST = min(date.today() - timedelta(days=1), date(2039, 12, 31))
EARLIEST = date(1854, 1, 1)


def weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """Return 11 - (sum mod 11), 11 as 0, None for the unusable 10."""
    k = (11 - weighted(digits, weights) % 11) % 11
    return None if k == 10 else k


def complete(nine: str) -> str | None:
    """Append both check digits to nine digits, None if either would be 10."""
    k1 = check_digit(nine, W1)
    if k1 is None:
        return None
    k2 = check_digit(f"{nine}{k1}", W2)
    if k2 is None:
        return None
    return f"{nine}{k1}{k2}"


def k1_holds(number: str) -> bool:
    return weighted(number[:10], V1) % 11 == 0


def k2_holds(number: str) -> bool:
    return weighted(number, V2) % 11 == 0


def individual_ranges(year: int) -> list[range]:
    """Return the individual-number series that encode the given birth year."""
    if 1854 <= year <= 1899:
        return [range(500, 750)]
    if 1900 <= year <= 1939:
        return [range(0, 500)]
    if 1940 <= year <= 1999:
        return [range(0, 500), range(900, 1000)]
    if 2000 <= year <= 2039:
        return [range(500, 1000)]
    return []


def fits_century(year: int, individual: int) -> bool:
    return any(individual in r for r in individual_ranges(year))


def build(
    birth: date, individual: int, *, day_offset: int = 0, month_offset: int = 0
) -> str | None:
    """Build a number from its parts, None if the check digits cannot be made."""
    prefix = (
        f"{birth.day + day_offset:02d}{birth.month + month_offset:02d}"
        f"{birth.year % 100:02d}{individual:03d}"
    )
    return complete(prefix)


def first_valid(birth: date, start: int, **offsets: int) -> str:
    """Return the first valid number with an individual number >= start."""
    for individual in range(start, 1000):
        if fits_century(birth.year, individual):
            number = build(birth, individual, **offsets)
            if number is not None:
                return number
    raise AssertionError(f"no valid individual number for {birth} from {start}")


def with_prefix(six: str, individuals: range = range(100, 500)) -> str:
    """Return the first checksum-valid number with these six leading digits."""
    return next(n for i in individuals if (n := complete(f"{six}{i:03d}")) is not None)


def with_k1_remainder(nine: str, remainder: int) -> str | None:
    """Build a number whose K1 leaves the given remainder (2032 rule)."""
    k1 = (remainder - weighted(nine, W1)) % 11
    if k1 == 10:
        return None
    k2 = check_digit(f"{nine}{k1}", W2)
    if k2 is None:
        return None
    return f"{nine}{k1}{k2}"


def new_rule_number(six: str, remainder: int) -> str:
    """Return the first number with these leading digits and K1 remainder."""
    return next(n for i in range(100, 1000) if (n := with_k1_remainder(f"{six}{i:03d}", remainder)))


# (kind, day offset, month offset, allow_synthetic) for every kind with a date.
DATED_KINDS = [
    (IdentityKind.FNR, 0, 0, False),
    (IdentityKind.D_NUMBER, 40, 0, False),
    (IdentityKind.H_NUMBER, 0, 40, False),
    (IdentityKind.DOLLY, 0, 40, True),
    (IdentityKind.DOLLY, 40, 40, True),
    (IdentityKind.TENOR, 0, 80, True),
    (IdentityKind.TENOR, 40, 80, True),
]
DATED_IDS = ["fnr", "d", "h", "dolly", "dolly-d", "tenor", "tenor-d"]


@st.composite
def dated_numbers(draw: st.DrawFn, day_offset: int = 0, month_offset: int = 0):
    """Draw (number, birth date, individual) with a century-consistent series."""
    birth = draw(st.dates(min_value=EARLIEST, max_value=LATEST))
    series = draw(st.sampled_from(individual_ranges(birth.year)))
    start = draw(st.integers(min_value=0, max_value=len(series) - 1))
    # Walk the series cyclically: some individual numbers give check digit 10.
    for step in range(len(series)):
        individual = series[(start + step) % len(series)]
        number = build(birth, individual, day_offset=day_offset, month_offset=month_offset)
        if number is not None:
            return number, birth, individual
    raise AssertionError("a whole individual series without valid check digits")


@st.composite
def fh_numbers(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("89"))
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    number = complete(first + rest)
    if number is None:  # replace the last digit until the check digits work
        number = next(n for d in "0123456789" if (n := complete(first + rest[:7] + d)) is not None)
    return number


@st.composite
def synthetic_numbers(draw: st.DrawFn) -> tuple[str, date, int]:
    """Draw (number, birth date, month offset) for Dolly and Tenor, also with D."""
    day_offset = draw(st.sampled_from((0, 40)))
    month_offset = draw(st.sampled_from((40, 80)))
    number, birth, _ = draw(dated_numbers(day_offset=day_offset, month_offset=month_offset))
    return number, birth, month_offset


def any_valid_numbers() -> st.SearchStrategy[str]:
    dated = [
        dated_numbers(day_offset=d, month_offset=m).map(lambda t: t[0])
        for _, d, m, _ in DATED_KINDS
    ]
    return st.one_of(*dated, fh_numbers())


def error_code(value: str, **options: bool) -> str:
    with pytest.raises(InvalidIdentityNumber) as excinfo:
        identity.parse(value, **options)
    return excinfo.value.code


# --- hand-picked cases ---------------------------------------------------------


def test_it_parses_the_stdnum_documentation_example() -> None:
    parsed = identity.parse("151086 95088")

    assert parsed == identity.IdentityNumber(
        value="15108695088",
        kind=IdentityKind.FNR,
        birth_date=date(1986, 10, 15),
        synthetic=False,
        sex="F",
    )


@pytest.mark.parametrize(
    ("birth", "start", "day_offset", "month_offset", "allow_synthetic", "kind"),
    [
        (date(1990, 5, 17), 0, 0, 0, False, IdentityKind.FNR),
        (date(1875, 12, 31), 500, 0, 0, False, IdentityKind.FNR),
        (date(1965, 3, 1), 900, 0, 0, False, IdentityKind.FNR),
        (date(2016, 2, 29), 500, 0, 0, False, IdentityKind.FNR),
        (date(1984, 7, 31), 100, 40, 0, False, IdentityKind.D_NUMBER),
        (date(2001, 1, 9), 600, 0, 40, False, IdentityKind.H_NUMBER),
        (date(2001, 1, 9), 600, 0, 40, True, IdentityKind.DOLLY),
        (date(1977, 11, 30), 200, 0, 80, True, IdentityKind.TENOR),
        (date(1932, 4, 15), 300, 40, 80, True, IdentityKind.TENOR),
        (date(1999, 9, 1), 950, 40, 40, True, IdentityKind.DOLLY),
    ],
)
def test_it_parses_a_hand_built_number_of_each_kind(
    birth: date,
    start: int,
    day_offset: int,
    month_offset: int,
    allow_synthetic: bool,
    kind: IdentityKind,
) -> None:
    number = first_valid(birth, start, day_offset=day_offset, month_offset=month_offset)

    parsed = identity.parse(number, allow_synthetic=allow_synthetic)

    assert parsed.value == number
    assert parsed.kind is kind
    assert parsed.birth_date == birth
    assert parsed.synthetic is (kind in {IdentityKind.DOLLY, IdentityKind.TENOR})
    assert parsed.sex == ("M" if int(number[8]) % 2 else "F")


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        # Published NAV Dolly numbers: month + 40, the D-variants also day + 40.
        ("15507600333", date(1976, 10, 15), "M"),
        ("55507608360", date(1976, 10, 15), "M"),
        ("29422059278", date(2020, 2, 29), "F"),
        ("69422056629", date(2020, 2, 29), "F"),
    ],
)
def test_it_reads_dolly_numbers_as_h_numbers_unless_synthetic_is_allowed(
    number: str, birth: date, sex: str
) -> None:
    strict = identity.parse(number)
    relaxed = identity.parse(number, allow_synthetic=True)

    assert (strict.kind, strict.synthetic) == (IdentityKind.H_NUMBER, False)
    assert (relaxed.kind, relaxed.synthetic) == (IdentityKind.DOLLY, True)
    assert strict.birth_date == relaxed.birth_date == birth
    assert strict.sex == relaxed.sex == sex


@pytest.mark.parametrize("nine", ["800000001", "912345678", "855555555"])
def test_it_parses_fh_numbers_without_birth_date_or_sex(nine: str) -> None:
    number = complete(nine)
    assert number is not None

    parsed = identity.parse(number)

    assert parsed == identity.IdentityNumber(
        value=number, kind=IdentityKind.FH_NUMBER, birth_date=None, synthetic=False, sex=None
    )


def test_it_validates_fh_check_digits() -> None:
    number = complete("800000001")
    assert number is not None
    broken = number[:10] + str((int(number[10]) + 1) % 10)

    assert error_code(broken) == "checksum"


def test_it_refuses_tenor_numbers_unless_synthetic_is_allowed() -> None:
    number = first_valid(date(1980, 6, 1), 0, month_offset=80)

    assert error_code(number) == "synthetic_not_allowed"
    assert not identity.is_valid(number)
    assert identity.parse(number, allow_synthetic=True).kind is IdentityKind.TENOR


def _future_number() -> str:
    future = date.today() + timedelta(days=400)
    if future.year > 2039:  # pragma: no cover - the century table ends in 2039
        pytest.skip("no century-encodable future date left")
    return first_valid(future, 500)


@pytest.mark.parametrize(
    ("make_value", "code"),
    [
        (lambda: "1510869508", "length"),
        (lambda: "151086950881", "length"),
        (lambda: "", "length"),
        (lambda: "1510869508a", "digits"),
        (lambda: "١٥١٠٨٦٩٥٠٨٨", "digits"),  # Arabic-Indic digits are not ASCII
        (lambda: "15108695089", "checksum"),
        (lambda: "15108695078", "checksum"),
        (lambda: with_prefix("320190"), "date"),  # day 32
        (lambda: with_prefix("001090"), "date"),  # day 0
        (lambda: with_prefix("011390"), "date"),  # month 13
        (lambda: with_prefix("010090"), "date"),  # month 0
        (lambda: with_prefix("016090"), "date"),  # month 60: neither H nor Tenor
        (lambda: with_prefix("729990"), "date"),  # D-nummer day 32
        (lambda: with_prefix("290299"), "date"),  # 29 February 1999
        (lambda: with_prefix("010150", range(750, 900)), "century"),  # 2000-2039 only
        (lambda: with_prefix("010145", range(500, 750)), "century"),  # YY 40-53
        (_future_number, "future_date"),
    ],
)
def test_it_reports_each_error_with_a_code(make_value, code: str) -> None:
    value = make_value()

    assert error_code(value, allow_synthetic=True) == code
    assert not identity.is_valid(value, allow_synthetic=True)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("length", "Fødselsnummeret må ha 11 siffer."),
        ("checksum", "Kontrollsifrene stemmer ikke."),
        ("date", "Fødselsdatoen i nummeret er ugyldig."),
        ("synthetic_not_allowed", "Syntetiske testnummer er ikke tillatt her."),
    ],
)
def test_it_explains_errors_in_bokmal(code, message: str) -> None:
    error = InvalidIdentityNumber(code)

    assert str(error) == message
    assert error.code == code
    assert isinstance(error, ValueError)


def test_it_compacts_spaces_dots_and_dashes() -> None:
    assert identity.compact(" 151086-950.88\n") == "15108695088"
    assert identity.compact("15\u00a010 86 950 88") == "15108695088"
    assert identity.parse("15.10.86-950 88").value == "15108695088"


def test_it_formats_and_masks() -> None:
    assert identity.format("15108695088") == "151086 95088"
    assert identity.format("151086-95088") == "151086 95088"
    assert identity.mask("151086 95088") == "151086 *****"


def test_it_formats_without_checking_check_digits() -> None:
    assert identity.format("15108695089") == "151086 95089"


@pytest.mark.parametrize("function", [identity.format, identity.mask])
def test_it_refuses_to_format_or_mask_other_shapes(function) -> None:
    with pytest.raises(InvalidIdentityNumber) as short:
        function("1510869508")
    with pytest.raises(InvalidIdentityNumber) as letters:
        function("1510869508x")

    assert short.value.code == "length"
    assert letters.value.code == "digits"


# --- the 2032 rule ---------------------------------------------------------------


def test_it_accepts_skatteetatens_2032_examples_only_when_asked() -> None:
    # From Skatteetaten's "Nytt fødselsnummer fra 2032": the same date and
    # individual number with K1 remainder 0 (old rule) and 1 (new rule).
    old, new = "30108299920", "30108299939"

    assert identity.parse(old).birth_date == date(1982, 10, 30)
    assert identity.parse(old, allow_2032_rule=True).birth_date == date(1982, 10, 30)
    assert error_code(new) == "checksum"
    assert not identity.is_valid(new)
    assert identity.is_valid(new, allow_2032_rule=True)
    assert identity.parse(new, allow_2032_rule=True) == identity.IdentityNumber(
        value=new, kind=IdentityKind.FNR, birth_date=None, synthetic=False, sex=None
    )


@pytest.mark.parametrize("remainder", [1, 2, 3])
@pytest.mark.parametrize(
    ("six", "kind", "allow_synthetic"),
    [
        ("010190", IdentityKind.FNR, False),
        ("410190", IdentityKind.D_NUMBER, False),
        ("018190", IdentityKind.TENOR, True),
        ("014190", IdentityKind.DOLLY, True),
    ],
)
def test_it_accepts_k1_remainders_1_to_3_under_the_2032_rule(
    six: str, kind: IdentityKind, allow_synthetic: bool, remainder: int
) -> None:
    number = new_rule_number(six, remainder)

    parsed = identity.parse(number, allow_synthetic=allow_synthetic, allow_2032_rule=True)

    assert (parsed.kind, parsed.birth_date, parsed.sex) == (kind, None, None)
    assert error_code(number, allow_synthetic=allow_synthetic) == "checksum"


@pytest.mark.parametrize("remainder", range(4, 11))
def test_it_refuses_k1_remainders_above_3_even_under_the_2032_rule(remainder: int) -> None:
    number = new_rule_number("010190", remainder)

    assert error_code(number, allow_2032_rule=True) == "checksum"


@pytest.mark.parametrize("six", ["014190", "812345"])
def test_it_keeps_the_old_rule_for_h_and_fh_numbers(six: str) -> None:
    number = new_rule_number(six, 1)

    assert error_code(number, allow_2032_rule=True) == "checksum"


def test_it_still_checks_day_and_month_of_2032_numbers() -> None:
    bad_day = new_rule_number("320190", 2)
    feb29 = new_rule_number("290299", 3)

    assert error_code(bad_day, allow_2032_rule=True) == "date"
    # The century is unknown under the new rule, so 29 February is allowed.
    assert identity.parse(feb29, allow_2032_rule=True).birth_date is None


# --- make_synthetic ----------------------------------------------------------------


def test_it_makes_the_first_fitting_tenor_number() -> None:
    number = identity.make_synthetic(birth_date=date(1990, 5, 17), individual=600)

    assert number == first_valid(date(1990, 5, 17), 600, month_offset=80)
    assert number[6:9] >= "900"  # 600-899 do not encode 1990


def test_it_makes_dolly_numbers() -> None:
    number = identity.make_synthetic(
        birth_date=date(2005, 8, 8), individual=500, kind=IdentityKind.DOLLY
    )

    parsed = identity.parse(number, allow_synthetic=True)
    assert (parsed.kind, parsed.birth_date) == (IdentityKind.DOLLY, date(2005, 8, 8))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"birth_date": date(1990, 1, 1), "individual": 0, "kind": IdentityKind.FNR},
        {"birth_date": date(1990, 1, 1), "individual": 0, "kind": IdentityKind.H_NUMBER},
        {"birth_date": date(1990, 1, 1), "individual": -1},
        {"birth_date": date(1990, 1, 1), "individual": 1000},
        {"birth_date": date(1853, 12, 31), "individual": 0},
        {"birth_date": date.today() + timedelta(days=2), "individual": 500},
        {"birth_date": date(1925, 6, 1), "individual": 500},  # 1900-1939: only 000-499
    ],
)
def test_it_refuses_to_make_impossible_synthetic_numbers(kwargs) -> None:
    with pytest.raises(ValueError):
        identity.make_synthetic(**kwargs)


def test_it_refuses_to_make_a_number_when_no_individual_number_is_left() -> None:
    birth = next(
        date(2001, 1, 1) + timedelta(days=i)
        for i in range(365)
        if build(date(2001, 1, 1) + timedelta(days=i), 999, month_offset=80) is None
    )

    with pytest.raises(ValueError):
        identity.make_synthetic(birth_date=birth, individual=999)


# --- properties --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "day_offset", "month_offset", "allow"), DATED_KINDS, ids=DATED_IDS
)
@FAST
@given(data=st.data())
def test_it_parses_generated_numbers_to_their_kind_and_birth_date(
    data: st.DataObject, kind: IdentityKind, day_offset: int, month_offset: int, allow: bool
) -> None:
    number, birth, _ = data.draw(dated_numbers(day_offset=day_offset, month_offset=month_offset))

    parsed = identity.parse(number, allow_synthetic=allow)

    assert parsed.kind is kind
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if int(number[8]) % 2 else "F")
    assert parsed.synthetic is allow
    # The opt-in 2032 rule never changes how an old-rule number is read.
    assert identity.parse(number, allow_synthetic=allow, allow_2032_rule=True) == parsed


@pytest.mark.parametrize(("day_offset", "month_offset"), [(0, 0), (40, 0), (0, 40)])
@FAST
@given(data=st.data())
def test_it_agrees_with_stdnum_on_real_numbers(
    data: st.DataObject, day_offset: int, month_offset: int
) -> None:
    number, birth, _ = data.draw(dated_numbers(day_offset=day_offset, month_offset=month_offset))

    assert stdnum_fnr.validate(number) == number
    assert stdnum_fnr.get_birth_date(number) == identity.parse(number).birth_date == birth


@FAST
@given(fh_numbers())
def test_it_parses_generated_fh_numbers(number: str) -> None:
    assert identity.parse(number).kind is IdentityKind.FH_NUMBER


def test_it_uses_weights_that_make_single_errors_and_transpositions_detectable() -> None:
    # 11 is prime, so w * delta is 0 mod 11 only when w or delta is; digit
    # changes are 1..9 and the weights 1..9, so every single-digit error moves
    # the sum. A transposition moves it by (w_i - w_i+1) * delta.
    for weights in (V1, V2):
        assert all(w % 11 for w in weights)
        assert all((a - b) % 11 for a, b in zip(weights, weights[1:], strict=False))


@FAST
@given(number=any_valid_numbers(), position=st.integers(0, 10), shift=st.integers(1, 9))
def test_it_detects_every_single_digit_change(number: str, position: int, shift: int) -> None:
    digit = (int(number[position]) + shift) % 10
    changed = f"{number[:position]}{digit}{number[position + 1 :]}"

    # K2 covers all eleven digits; K1 covers the first ten and so is blind to
    # a change in K2 itself.
    assert not k2_holds(changed)
    assert k1_holds(changed) is (position == 10)
    for allow_2032_rule in (False, True):
        assert error_code(changed, allow_synthetic=True, allow_2032_rule=allow_2032_rule) == (
            "checksum"
        )


@FAST
@given(number=any_valid_numbers(), position=st.integers(0, 9))
def test_it_detects_every_transposition_of_adjacent_distinct_digits(
    number: str, position: int
) -> None:
    a, b = number[position], number[position + 1]
    assume(a != b)
    swapped = f"{number[:position]}{b}{a}{number[position + 2 :]}"

    # Not just "most cases": all adjacent weights differ mod 11, so K2 alone
    # catches every such swap, also under the 2032 rule (which keeps K2).
    assert not k2_holds(swapped)
    for allow_2032_rule in (False, True):
        assert error_code(swapped, allow_synthetic=True, allow_2032_rule=allow_2032_rule) == (
            "checksum"
        )


@FAST
@given(synthetic_numbers())
def test_it_refuses_synthetic_numbers_unless_allowed(drawn: tuple[str, date, int]) -> None:
    number, birth, month_offset = drawn

    allowed = identity.parse(number, allow_synthetic=True)

    assert allowed.synthetic
    assert allowed.birth_date == birth
    if month_offset == 80:  # Tenor: refused outright
        assert error_code(number) == "synthetic_not_allowed"
        assert not identity.is_valid(number)
    else:  # Dolly: indistinguishable from, and so read as, a real H-nummer
        strict = identity.parse(number)
        assert (strict.kind, strict.synthetic) == (IdentityKind.H_NUMBER, False)
        assert strict.birth_date == birth


@FAST
@given(
    digits=st.text(alphabet="0123456789", min_size=11, max_size=11),
    separators=st.lists(
        st.sampled_from(["", " ", ".", "-", "\u00a0", "\t"]), min_size=12, max_size=12
    ),
)
def test_it_roundtrips_compact_and_format(digits: str, separators: list[str]) -> None:
    messy = "".join(sep + d for sep, d in zip(separators, digits, strict=False)) + separators[-1]

    assert identity.compact(messy) == digits
    assert identity.format(messy) == f"{digits[:6]} {digits[6:]}"
    assert identity.compact(identity.format(digits)) == digits
    assert identity.format(identity.format(digits)) == identity.format(digits)
    assert identity.mask(messy) == f"{digits[:6]} *****"


@FAST
@given(
    birth=st.dates(min_value=date(1800, 1, 1), max_value=LATEST),
    individual=st.integers(0, 999),
    kind=st.sampled_from([IdentityKind.TENOR, IdentityKind.DOLLY]),
)
def test_it_makes_synthetic_numbers_that_parse_back(
    birth: date, individual: int, kind: IdentityKind
) -> None:
    month_offset = 80 if kind is IdentityKind.TENOR else 40
    expected = next(
        (
            n
            for i in range(individual, 1000)
            if fits_century(birth.year, i)
            and (n := build(birth, i, month_offset=month_offset)) is not None
        ),
        None,
    )

    if expected is None:
        with pytest.raises(ValueError):
            identity.make_synthetic(birth_date=birth, individual=individual, kind=kind)
        return
    number = identity.make_synthetic(birth_date=birth, individual=individual, kind=kind)

    assert number == expected
    parsed = identity.parse(number, allow_synthetic=True)
    assert (parsed.kind, parsed.birth_date, parsed.synthetic) == (kind, birth, True)
