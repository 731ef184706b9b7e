"""Headless tests of the follow-up page (``app_pages/followup.py``) with AppTest.

References: SCB TAB4805 municipal TFR (Luleå 2025: 1.37; Arjeplog, 2506 in Norrbotten, is
suppressed ".." from 2020 on), the births of BE0101 and vintage 2021 of BE0401 quoted in
docs/followup.md (106 810 assumed vs 98 356 born in 2024), and Luleå's population on 31 Dec
2025 (SCB, CKM) used as the monthly upload.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from calculator.data import followup_data as fd

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
PAGE = "app_pages/followup.py"


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [w.value for w in at.warning] + [e.value for e in at.error]
                     + [s.value for s in at.success] + [i.value for i in at.info])


def lulea_2025_csv() -> bytes:
    pop = fd.load_lulea_observed_population()
    pop = pop.loc[pop["year"] == 2025]
    frame = pd.DataFrame({"month": "2025-12", "sex": pop["sex"].to_numpy(),
                          "age": pop["age"].to_numpy(), "population": pop["population"]})
    return frame.to_csv(index=False).encode()


def test_page_loads_with_lulea_and_says_where_data_stop(page: AppTest) -> None:
    shown = text(page)
    # TAB4805: Luleå 2025 1.37; the assumption (derived from SCB's rates) 1.41 for 2025.
    assert "Luleås summerade fruktsamhet var 1,37 barn per kvinna 2025" in shown
    assert "Prognosen från 2021 antog 106\u00a0810 födda 2024" in shown
    assert "Inget år har både antagna och faktiska fruktsamhetstal" in shown
    assert "utfallet (från födda och folkmängd) för 1969–2020" in shown
    assert len(page.get("vega_lite_chart")) >= 7


def test_switching_area_changes_the_municipal_view(page: AppTest) -> None:
    page.selectbox(key="region").set_value("25").run()  # Norrbottens län
    assert not page.exception, [e.message for e in page.exception]
    chooser = page.selectbox(key="fu_municipality_25")
    assert all(label.endswith(")") and "(25" in label for label in chooser.options)
    assert chooser.value == "2580"  # Luleå is in Norrbotten
    chooser.set_value("2506").run()  # Arjeplog: small, SCB suppresses many years
    assert not page.exception
    shown = text(page)
    assert "Arjeplog har inget år med både eget utfall och inbyggt antagande" in shown
    assert "SCB redovisar inte värdet för" in shown and "2025" in shown
    assert "Luleås summerade fruktsamhet" not in shown


def test_bad_monthly_upload_names_the_row(page: AppTest) -> None:
    bad = b"month,sex,age,population\n2025-12,female,0,300\n2025-13,male,0,310\n"
    page.file_uploader(key="fu_monthly_upload").set_value(("m.csv", bad, "text/csv")).run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    assert "line 3" in errors and "column month" in errors and "YYYY-MM" in errors
    incomplete = b"month,sex,age,population\n2025-12,female,0,300\n"
    page.file_uploader(key="fu_monthly_upload").set_value(("m.csv", incomplete,
                                                           "text/csv")).run()
    assert "202 sex-age cells" in " ".join(e.value for e in page.error) or \
        "need both sexes" in " ".join(e.value for e in page.error)


def test_good_monthly_upload_shows_the_comparison(page: AppTest) -> None:
    page.file_uploader(key="fu_monthly_upload").set_value(
        ("lulea.csv", lulea_2025_csv(), "text/csv")).run()
    assert not page.exception, [e.message for e in page.exception]
    assert not page.error
    shown = text(page)
    assert "Inläst: 1 månader (2025-12–2025-12)" in shown
    # December = the 31-Dec forecast, so the month repeats the yearly comparison: age 0 in
    # 2025 687 observed vs 633 forecast (docs/followup.md), flagged at 5 %.
    assert "2025-12, ålder 0: utfall 687 mot prognos 633" in shown
    drift = [df.value for df in page.dataframe if "Månad (månadens slut)" in df.value.columns]
    assert drift and (drift[0]["Åldersgrupp"] == "0").any()
    page.slider(key="fu_tolerance").set_value(10.0).run()
    assert "2025-12, ålder 0" not in text(page)


def test_english(page: AppTest) -> None:
    page.radio(key="lang").set_value("en").run()
    assert not page.exception
    assert "Luleå's TFR was 1.37 children per woman in 2025" in text(page)


def test_chart_builders_keep_their_height_and_locale() -> None:
    from app_pages import _followup_charts as fc
    from calculator import followup as fu

    table = fu.municipal_tfr_vs_assumption(fd.load_municipal_tfr(), fd.load_assumed_tfr(),
                                           "2580", fd.load_observed_tfr())
    labels = {k: k for k in ("municipal", "assumed", "national", "year", "tfr", "title")}
    spec = fc.municipal_tfr_chart(table, labels, "sv").to_dict()
    # Streamlit's default autosize ("fit") would squeeze title and legend into the height.
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    data = next(iter(spec["datasets"].values()))
    lulea_2024 = [r["tfr"] for r in data if r["series"] == "municipal" and r["year"] == 2024]
    assert lulea_2024 == [1.23]  # SCB TAB4805


def test_fetching_outcomes_from_scb_fills_in_and_says_which_years(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The loopback SCB (tests/pxweb_server.py) serves SCB's real births by mother's age for
    Sweden 2006-2024 (BE0101E2) and TAB4805. The fetched years replace the embedded ones, so
    the page must still give the published figures: 98 356 born in 2024 to mothers 16-48
    (docs/followup.md) and Luleå's TFR 1.37 in 2025 (TAB4805)."""
    from app_pages import _state
    from calculator import followup as fu
    from tests.pxweb_server import running_server

    monkeypatch.setenv("BEFOLKNINGSKALKYLATORN_CACHE", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE).run()
    with running_server() as (url, fake):
        monkeypatch.setenv("SCB_API_BASE_URL", url)
        at.button(key="fu_fetch").click().run()
        assert fake.data_hits() >= 2
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    shown = text(at)
    assert "Födda i riket från SCB: 2006–2024; inga år efter de inbyggda (till och med 2024)" \
        in shown
    assert "Summerad fruktsamhet för Luleå från SCB: 2000–2025" in shown
    assert "från SCB (hämtat" in shown
    # the fake has no 2025- (CKM) births table: the page says it was not fetched
    assert "Hämtades inte" in shown and "2025- (CKM)" in shown
    assert "Prognosen från 2021 antog 106\u00a0810 födda 2024; 98\u00a0356 föddes" in shown
    assert "Luleås summerade fruktsamhet var 1,37 barn per kvinna 2025" in shown
    fetched = at.session_state[_state.K_FOLLOWUP_ONLINE]
    merged = fu.merge_observed(fd.load_observed_births(), fetched.births)
    assert set(merged.loc[merged["origin"] == "fetched", "year"]) == set(range(2006, 2025))
    # the page keeps the fetched outcomes on later runs (no new request)
    at.slider(key="fu_tolerance").set_value(10.0).run()
    assert "Födda i riket från SCB: 2006–2024" in text(at)


def test_fetching_outcomes_offline_keeps_the_embedded_view(
        page: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCB_API_BASE_URL", "http://127.0.0.1:9/api/v2/")  # nothing listens
    monkeypatch.setenv("BEFOLKNINGSKALKYLATORN_CACHE", str(tmp_path))
    page.button(key="fu_fetch").click().run()
    assert not page.exception, [e.message for e in page.exception]
    assert any("SCB kunde inte nås" in e.value and "inbyggda siffrorna" in e.value
               for e in page.error)
    shown = text(page)
    assert "Utfall till och med 2024 finns inbyggt" in shown
    assert "Prognosen från 2021 antog 106\u00a0810 födda 2024" in shown
