"""JSON-stat 2.0 decoding and SCB code mapping, on the real TAB4805 answer and Luleå extracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calculator.data import scb_tables as tables
from calculator.data.jsonstat import (
    age_code,
    births_frame,
    decode,
    population_frame,
    scb_long,
    totals_frame,
)
from calculator.exceptions import ScbApiError
from tests.pxweb_server import load_fixture


def test_real_tab4805_order_comes_from_index_numbers():
    doc = load_fixture("TAB4805_sv_tfr_municipalities_2000_2025.json")
    keys = list(doc["dimension"]["Region"]["category"]["index"])
    assert keys[0] == "1060"  # key order is not the data order in SCB's answer
    ds = decode(doc)
    assert ds.ids == ("Region", "Kon", "ContentsCode", "Tid") and ds.sizes == (290, 1, 1, 26)
    assert ds.dimension("Region").codes[0] == "0114"
    frame = ds.to_frame()
    lulea = frame[frame["Region"] == "2580"].set_index("Tid")["value"]
    assert lulea["2020"] == pytest.approx(1.58) and lulea["2024"] == pytest.approx(1.23)
    assert lulea["2025"] == pytest.approx(1.37)
    assert int(frame["value"].isna().sum()) == 204
    assert (frame.loc[frame["value"].isna(), "status"] == "..").all()
    assert frame.loc[frame["value"].notna(), "status"].isna().all()


def test_decode_matches_the_long_csv_of_the_same_answer():
    """SOURCES.md section 22: the tidy CSV was made independently from the same answer."""
    ds = decode(load_fixture("TAB4805_sv_tfr_municipalities_2000_2025.json"))
    long = scb_long(ds, tables.TFR)
    upplands_vasby = long[long["region"] == "0114"].set_index("year")["value"]
    assert upplands_vasby[2000] == pytest.approx(1.54) and upplands_vasby[2003] == pytest.approx(1.81)


def test_tab638_population_with_civil_status_summed():
    ds = decode(load_fixture("TAB638_lulea_population_2006_2024.json"))
    frame = population_frame(scb_long(ds, tables.POPULATION))
    totals = frame.groupby("year")["population"].sum()
    assert totals[2006] == 73_313 and totals[2015] == 76_088 and totals[2024] == 79_645
    assert frame["age"].max() == 100 and set(frame["sex"]) == {"female", "male"}


def test_tab5557_open_age_100_plus_1_maps_to_100():
    ds = decode(load_fixture("TAB5557_lulea_area_population_2025.json"))
    assert "100+1" in ds.dimension("Alder").codes
    frame = population_frame(scb_long(ds, tables.POPULATION_CKM))
    lulea = frame[frame["region"] == "2580"]
    assert lulea["population"].sum() == 80_321 and lulea["age"].max() == 100


def test_births_mother_age_49_plus_and_sex_codes():
    ds = decode(load_fixture("FoddaK_lulea_area_births_2006_2024.json"))
    frame = births_frame(scb_long(ds, tables.BIRTHS))
    assert frame["mother_age"].max() == 49 and frame["mother_age"].min() == 15
    sweden = frame[frame["region"] == "00"].groupby("year")["births"].sum()
    assert sweden[2015] == 114_867 and sweden[2024] == 98_446
    lulea = frame[(frame["region"] == "2580") & (frame["year"] == 2024)]
    assert lulea["births"].sum() == 613


def test_age_and_total_codes():
    assert age_code("100+") == (100, "single") and age_code("100+1") == (100, "single")
    assert age_code("100+5")[1] == "other" and age_code("tot")[1] == "total"
    assert age_code("TOT1")[1] == "total" and age_code("49+", mother=True) == (49, "single")
    assert age_code("101") == (None, "other")


def _tiny(contents, labels, alder=("0", "tot"), values=None):
    n = 2 * len(alder) * len(contents)
    return {
        "version": "2.0", "class": "dataset", "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [1, len(alder), 2, len(contents), 1],
        "dimension": {
            "Region": {"category": {"index": {"2580": 0}}},
            "Alder": {"category": {"index": {a: i for i, a in enumerate(alder)}}},
            "Kon": {"category": {"index": {"1": 0, "2": 1}}},
            "ContentsCode": {"category": {"index": {c: i for i, c in enumerate(contents)},
                                          "label": dict(zip(contents, labels, strict=True))}},
            "Tid": {"category": {"index": {"2025": 0}}},
        },
        "value": values or list(range(1, n + 1)),
    }


def test_unknown_content_codes_are_recognised_by_label_and_totals_kept_apart():
    doc = _tiny(["X1", "X2", "X3", "X4"], ["Invandringar", "Utvandringar",
                                         "Inrikes inflyttningar", "Inrikes utflyttningar"])
    long = scb_long(decode(doc), tables.MIGRATION_CKM)
    assert set(long["measure"]) == {"immigrants", "emigrants", "in_migrants", "out_migrants"}
    totals = totals_frame(long)
    assert len(totals) == 8 and set(totals["sex"]) == {"female", "male"}


def test_ambiguous_contents_raise():
    doc = _tiny(["X1", "X2"], ["Invandringar", "Invandringar totalt"])
    with pytest.raises(ScbApiError, match="both look like 'immigrants'"):
        scb_long(decode(doc), tables.MIGRATION_CKM)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"value": [1.0]}, "sizes multiply"),
        ({"size": [1, 3, 2, 1, 1]}, "has 2 categories but size says 3"),
        ({"id": ["Region", "Nope", "Kon", "ContentsCode", "Tid"]}, "'Nope' listed in 'id'"),
        ({"class": "collection"}, "class is 'collection'"),
    ],
)
def test_malformed_documents_are_explained(patch, message):
    doc = {**_tiny(["BE0101D8"], ["Döda"]), **patch}
    with pytest.raises(ScbApiError, match=message):
        decode(doc, source="test answer")


def test_null_values_become_nan_with_status():
    doc = _tiny(["BE0101D8"], ["Döda"], values=[1, None, 3, None])
    doc["status"] = {"1": "..", "3": ".."}
    frame = decode(doc).to_frame()
    assert np.isnan(frame["value"][1]) and frame["status"].tolist() == [None, "..", None, ".."]
    long = scb_long(decode(doc), tables.DEATHS)
    assert isinstance(long, pd.DataFrame) and long["value"].isna().sum() == 2


def test_search_hits_pick_pre2025_and_ckm_tables():
    hits = [
        {"id": "A", "label": "Döda efter region, ålder (uppnådd under året) och kön. År 1968 - 2024",
         "firstPeriod": "1968", "lastPeriod": "2024"},
        {"id": "B", "label": "Döda efter region, ålder (uppnådd under året) och kön. År 2025",
         "firstPeriod": "2025", "lastPeriod": "2025"},
        {"id": "C", "label": "Döda efter region, födelseland, ålder och kön", "firstPeriod": "2000",
         "lastPeriod": "2024"},
    ]
    assert tables.choose_search_hit(tables.DEATHS, hits)["id"] == "A"
    assert tables.choose_search_hit(tables.DEATHS_CKM, hits)["id"] == "B"
    assert tables.choose_search_hit(tables.BIRTHS, hits) is None
