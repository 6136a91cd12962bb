"""Compact numbers, byte sizes and durations at every boundary of a unit or digit count.

Rounding must never leave a figure that belongs in the next unit or digit count:
9,999 is ``10.0K`` (not ``10.00K``), 999,999 is ``1.00M`` (not ``1000K``) and
1,048,575 bytes are ``1.0 MiB`` (not ``1024.0 KiB``). Each case sits on one side or
the other of a boundary, so that a formatter which rounded first and chose the unit
after (or the reverse) fails one of them.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netdsl.backends.common import compact, human_bytes
from netdsl.backends.dot import duration


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (1, "1"), (999, "999"),
    # K: three digits, from two decimals to none
    (1000, "1.00K"), (1004, "1.00K"), (1005, "1.01K"),  # rounded half up, exactly
    (9994, "9.99K"), (9995, "10.0K"), (9999, "10.0K"), (10000, "10.0K"),
    (99949, "99.9K"), (99950, "100K"), (99999, "100K"), (100000, "100K"),
    (999499, "999K"), (999500, "1.00M"), (999999, "1.00M"),
    # M
    (1000000, "1.00M"), (9994999, "9.99M"), (9995000, "10.0M"), (9999999, "10.0M"),
    (99949999, "99.9M"), (99950000, "100M"), (999499999, "999M"), (999500000, "1.00G"),
    (999950000, "1.00G"),
    # G
    (1000000000, "1.00G"), (9994999999, "9.99G"), (9995000000, "10.0G"),
    (99949999999, "99.9G"), (99950000000, "100G"), (999499999999, "999G"),
    (999500000000, "1.00T"),
    # T, the largest unit: past 1,000T the whole number of T
    (1234567890123, "1.23T"), (999500000000000, "1000T"), (12345 * 10**12, "12345T"),
    # the sign is kept and the magnitude formatted the same way
    (-1, "-1"), (-999, "-999"), (-1000, "-1.00K"), (-9999, "-10.0K"), (-99999, "-100K"),
    (-999999, "-1.00M"), (-999950000, "-1.00G"),
])
def test_compact(n: int, text: str) -> None:
    assert compact(n) == text


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (1, "1 B"), (999, "999 B"),
    # from 1,000 bytes the decimal unit, from 1,024 the binary one as well
    (1000, "1.0 kB"), (1023, "1.0 kB"), (1024, "1.0 kB (1.0 KiB)"),
    (9999, "10.0 kB (9.8 KiB)"), (99999, "100.0 kB (97.7 KiB)"),
    # kB to MB: 999.95 kB rounds to 1,000.0 kB, which is 1.0 MB
    (999949, "999.9 kB (976.5 KiB)"), (999950, "1.0 MB (976.5 KiB)"),
    (999999, "1.0 MB (976.6 KiB)"), (1000000, "1.0 MB (976.6 KiB)"),
    # KiB to MiB: 1,023.95 KiB rounds to 1,024.0 KiB, which is 1.0 MiB
    (1048524, "1.0 MB (1023.9 KiB)"), (1048525, "1.0 MB (1.0 MiB)"),
    (1048575, "1.0 MB (1.0 MiB)"), (1048576, "1.0 MB (1.0 MiB)"),
    # MB to GB, MiB to GiB
    (999949999, "999.9 MB (953.6 MiB)"), (999950000, "1.0 GB (953.6 MiB)"),
    (1073689395, "1.1 GB (1023.9 MiB)"), (1073689396, "1.1 GB (1.0 GiB)"),
    # GB to TB, GiB to TiB, the largest units
    (999949999999, "999.9 GB (931.3 GiB)"), (999950000000, "1.0 TB (931.3 GiB)"),
    (2**40 - 1, "1.1 TB (1.0 TiB)"), (10**15, "1000.0 TB (909.5 TiB)"),
    (-999, "-999 B"), (-999999, "-1.0 MB (-976.6 KiB)"), (-1048575, "-1.0 MB (-1.0 MiB)"),
])
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0"), (-1.0, "0"),
    (2.5e-9, "2.50 ns"), (9.994e-9, "9.99 ns"), (9.996e-9, "10.0 ns"), (99.94e-9, "99.9 ns"),
    (99.96e-9, "0.10 µs"),  # from a tenth of a unit the unit above: 0.10 µs, not 100 ns
    (4.8e-7, "0.48 µs"), (9.994e-6, "9.99 µs"), (9.996e-6, "10.0 µs"),
    (99.94e-6, "99.9 µs"), (99.96e-6, "0.10 ms"), (2.3e-4, "0.23 ms"),
    (0.0123, "12.3 ms"), (0.09994, "99.9 ms"), (0.09996, "0.10 s"),
    (1.5, "1.50 s"), (99.96, "100 s"), (150, "150 s"),
])
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


COMPACT_UNITS = {"": 0, "K": 3, "M": 6, "G": 9, "T": 12}


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_compact_is_three_digits_in_the_right_unit(n: int) -> None:
    text = compact(n)
    match = re.fullmatch(r"(-?)(\d+(?:\.\d+)?)([KMGT]?)", text)
    assert match, text
    sign, digits, unit = match.groups()
    assert (sign == "-") == (n < 0)
    if not unit:
        assert int(digits) == abs(n)
        return
    shown = Decimal(digits)
    assert 1 <= shown < 1000 or (unit == "T" and shown >= 1000)
    # three significant digits, never more, never fewer
    assert len(digits.replace(".", "").lstrip("0")) == 3 or shown >= 1000
    # within half a unit of the last digit of the exact value
    places = len(digits.partition(".")[2])
    error = abs(shown * 10 ** COMPACT_UNITS[unit] - abs(n))
    assert error <= Decimal(10) ** (COMPACT_UNITS[unit] - places) / 2


@given(st.integers(min_value=1000, max_value=2**50))
def test_byte_units_never_reach_their_next_unit(n: int) -> None:
    match = re.fullmatch(r"(\d+\.\d) ([kMGT]B)(?: \((\d+\.\d) ([KMGT]iB)\))?", human_bytes(n))
    assert match, human_bytes(n)
    decimal, unit, binary, binary_unit = match.groups()
    assert Decimal(decimal) < 1000 or unit == "TB"
    assert (binary is None) == (n < 1024)
    if binary is not None:
        assert Decimal(binary) < 1024 or binary_unit == "TiB"
        factor = 1024 ** ("KMGT".index(binary_unit[0]) + 1)
        assert abs(Decimal(binary) * factor - n) <= Decimal(factor) / 20
    factor = 1000 ** ("kMGT".index(unit[0]) + 1)
    assert abs(Decimal(decimal) * factor - n) <= Decimal(factor) / 20


@pytest.mark.parametrize(("seconds", "text"), [
    (0.0002298, "0.2298"), (1.5, "1,500"), (12.345, "12,345"), (0, "0"),
    # four significant digits with their trailing zeros, as a column of them is read
    (0.000501, "0.5010"), (0.0099996, "10.00"), (0.9999, "999.9"), (0.99996, "1,000"),
    (2e-10, "0.0000002000")])
def test_milliseconds_never_print_an_exponent(seconds, text) -> None:
    from netdsl.backends.common import milliseconds

    assert milliseconds(seconds) == text
