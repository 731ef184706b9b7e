"""Official projections through the PxWebApi client, on the loopback SCB.

The fake SCB serves ``BefProgOsiktRegN_lulea_projection_2024_2050.json`` (JSON-stat 2.0 built
from SCB's regional projection for Luleå, SOURCES.md section 18). Reference: the embedded
official forecast ``scb_regional_2024`` (built by build_official from
``lulea/scb_regional_projection_2024_2050.csv``, a separate path) and SCB's published total
for Luleå 2050, 79,614.
"""

from __future__ import annotations

import pandas as pd
import pytest

from calculator.data.official import POPULATION_COLUMNS, load_official_population
from calculator.data.official_online import (
    fetch_national_projection,
    fetch_regional_projection,
)
from calculator.exceptions import ScbApiError
from tests.pxweb_server import fake_client as client


def test_regional_projection_matches_embedded_official(scb, tmp_path):
    url, _ = scb
    online = fetch_regional_projection("2580", client(url, tmp_path))
    assert tuple(online.columns) == POPULATION_COLUMNS
    assert set(online["vintage"]) == {"2024"}
    assert online.groupby("year")["population"].sum()[2050] == pytest.approx(79_614, abs=1)
    reference = load_official_population("scb_regional_2024", "2580")
    keys = ["vintage", "region", "year", "sex", "age"]
    merged = online.merge(reference, on=keys, suffixes=("", "_ref"), validate="1:1")
    assert len(merged) == len(reference) == 27 * 2 * 101
    pd.testing.assert_series_equal(merged["population"], merged["population_ref"],
                                   check_names=False, atol=1e-9, rtol=0)


def test_vintage_override_and_unknown_region(scb, tmp_path):
    url, _ = scb
    c = client(url, tmp_path)
    assert set(fetch_regional_projection("2580", c, vintage="2024b")["vintage"]) == {"2024b"}
    with pytest.raises(ScbApiError, match="code '0580'"):
        fetch_regional_projection("0580", c)
    with pytest.raises(ScbApiError, match="fetch_national_projection"):
        fetch_regional_projection("00", c)


def test_national_projection_without_a_table_says_so(scb, tmp_path):
    url, _ = scb
    with pytest.raises(ScbApiError, match="national_projection"):
        fetch_national_projection(client(url, tmp_path))
