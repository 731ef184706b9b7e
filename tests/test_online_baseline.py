"""calculator.data.online_baseline on the loopback SCB (real Luleå-derived fixtures).

Independent references (SOURCES.md sections 13-18): Luleå population 31 Dec 2024 79,645;
SCB's regional projection 2050 79,614. The trend baseline estimated from the fetched frames is
checked against the one estimated from the embedded data (a separate path: the embedded CSVs
built by build_embedded, not the JSON-stat client).
"""

from __future__ import annotations

import numpy as np
import pytest

from calculator.data import embedded
from calculator.data.online_baseline import (
    embedded_trend_baseline,
    fetch_online_area,
    municipality_names,
    online_trend_baseline,
    online_vintage_text,
    projection_long,
    vintage_text,
)
from calculator.data.pxweb import PxWebClient
from calculator.exceptions import InputValidationError, ScbApiError
from calculator.projection import project
from tests.pxweb_server import fake_client, running_server


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    with running_server() as (url, _fake):
        client = fake_client(url, tmp_path_factory.mktemp("cache"))
        steps: list[tuple[str, int, int]] = []
        fetched = fetch_online_area("2580", client, progress=lambda *a: steps.append(a))
    return fetched, steps


def test_fetched_area_has_observations_and_projection(area):
    fetched, steps = area
    assert fetched.name == "Luleå"
    pop = fetched.dataset.population.groupby("year")["population"].sum()
    assert pop[2024] == 79_645
    assert fetched.projection is not None
    total = fetched.projection.groupby("year")["population"].sum()
    assert total[2050] == pytest.approx(79_614, abs=1)
    assert any("folkmängd" in s[0] for s in steps) and steps[-1][1] == steps[-1][2]
    long = projection_long(fetched.projection, "SCB 2024")
    assert set(long["variable"]) == {"population"} and set(long["scenario"]) == {"SCB 2024"}


def test_online_trend_baseline_matches_the_embedded_one(area):
    fetched, _ = area
    online = online_trend_baseline(fetched, 2040, "sv")
    reference = embedded_trend_baseline("2580", 2040, "sv")
    assert online.base_year == reference.base_year == 2024
    assert np.asarray(online.inputs.pop_count_sex_age_base).sum() == 79_645
    a = project(online.inputs).total_population()[0, 0]
    b = project(reference.inputs).total_population()[0, 0]
    np.testing.assert_allclose(a, b, rtol=1e-3)
    assert online.description.startswith("Trendframskrivning för Luleå (2580)")
    assert "basår 2024" in online_vintage_text(fetched, 2024, "sv")
    assert online_trend_baseline(fetched, 2040, "en").description.startswith("Trend baseline")


def test_swedish_descriptions_of_embedded_data():
    text = embedded_trend_baseline("2580", 2030, "sv").description
    assert "basår 2024" in text and "Trend baseline" not in text
    assert embedded_trend_baseline("2580", 2030, "en").description.startswith("Trend baseline")
    vintage = embedded.data_vintage("2580")
    sv = vintage_text(vintage, "sv")
    assert "folkmängd 31 dec 2006-2024" in sv and "CKM" in sv and "registered" not in sv
    assert vintage_text(vintage, "en") == vintage.description


def test_municipality_list_and_bad_codes():
    names = municipality_names()
    assert len(names) >= 289 and names["0180"] == "Stockholm" and names["1480"] == "Göteborg"
    with pytest.raises(InputValidationError, match="not a municipality code"):
        fetch_online_area("99")


def test_unreachable_scb_raises(tmp_path):
    client = PxWebClient("http://127.0.0.1:9/api/v2/", cache_dir=tmp_path, max_tries=1,
                         backoff_s=0)
    with pytest.raises(ScbApiError):
        fetch_online_area("0180", client)
