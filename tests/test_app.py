"""Headless tests of the Streamlit app with ``streamlit.testing.v1.AppTest``.

Every page loads without an exception; moving a slider moves the key figures the expected way;
the downloads are valid files holding the figures on screen; a shared link (query parameters)
restores the scenario; the language toggle switches the labels; uploads work.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from calculator.data.official import load_official_population
from calculator.export import SHEET_NAMES

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
TIMEOUT = 180
TFR = "ctl:fertility.tfr_target"


def new_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def number(text: str, lang: str = "sv") -> float:
    """Parse a number as shown in the app: Swedish (12 345,6; − sign) or English (12,345.6)."""
    clean = text.replace("\u00a0", "").replace(" ", "").replace("−", "-")
    if lang == "sv":
        return float(clean.replace(",", "."))
    return float(clean.replace(",", ""))


def metrics(at: AppTest) -> dict[str, float]:
    lang = at.session_state["lang"]
    return {m.label: number(m.value, lang) for m in at.metric}


def deltas(at: AppTest) -> dict[str, float]:
    lang = at.session_state["lang"]
    return {m.label: number(m.proto.delta, lang) for m in at.metric if m.proto.delta}


@pytest.fixture
def app() -> AppTest:
    return new_app()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Record what the page hands to Streamlit's media file manager (download data)."""
    files: dict[str, Any] = {}
    original_add = MediaFileManager.add
    original_deferred = MediaFileManager.add_deferred

    def add(self: MediaFileManager, data: Any, mimetype: str, coordinates: str,
            file_name: str | None = None, **kwargs: Any) -> str:
        if file_name:
            files[file_name] = data
        return original_add(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    def add_deferred(self: MediaFileManager, fn: Any, mimetype: str | None, coordinates: str,
                     file_name: str | None = None, **kwargs: Any) -> str:
        if file_name:
            files[file_name] = fn
        return original_deferred(self, fn, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    yield files


@pytest.mark.parametrize("page", ["app_pages/scenario.py", "app_pages/budget.py",
                                  "app_pages/followup.py", "app_pages/data.py"])
def test_every_page_loads_and_states_its_data(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    captions = " ".join(c.value for c in app.caption)
    assert "Basår 2024 (31 dec)" in captions
    assert "Folkmängd avser 31 december" in captions
    assert "ålder vid årets slut" in captions


def test_opens_on_lulea_against_scbs_regional_projection(app: AppTest) -> None:
    assert app.session_state["region"] == "2580"
    assert app.session_state["comparison"] == "scb_regional_2024"
    # The official baseline reproduces SCB's projection: no change = no difference.
    assert all(abs(v) < 0.01 for v in deltas(app).values()), deltas(app)
    # SCB's regional projection for Luleå (content 000005RC), total on 31 Dec 2040, summed
    # independently of the app from the embedded file.
    pop = load_official_population("scb_regional_2024", "2580")
    scb_2040 = float(pop.loc[pop["year"] == 2040, "population"].sum())
    assert metrics(app)["Folkmängd 2040"] == pytest.approx(round(scb_2040), abs=1)


def test_raising_the_tfr_raises_population_and_children(app: AppTest) -> None:
    before = metrics(app)
    default = app.slider(key=TFR).value
    app.slider(key=TFR).set_value(round(default + 0.3, 2)).run()
    assert not app.exception
    after = metrics(app)
    assert after["Folkmängd 2040"] > before["Folkmängd 2040"]
    assert after["Barn 1–5 år 2040"] > before["Barn 1–5 år 2040"]
    assert after["80 år och äldre 2040"] == before["80 år och äldre 2040"]
    assert deltas(app)["Barn 1–5 år 2040"] > 0
    assert app.query_params["fertility.tfr_target"] == f"{default + 0.3:g}"
    app.slider(key=TFR).set_value(round(default - 0.3, 2)).run()
    lower = metrics(app)
    assert lower["Barn 1–5 år 2040"] < before["Barn 1–5 år 2040"]


def test_longer_life_raises_the_oldest(app: AppTest) -> None:
    before = metrics(app)
    key = "ctl:mortality.e0_female_target_years"
    app.slider(key=key).set_value(round(app.slider(key=key).value + 3, 1)).run()
    assert not app.exception
    assert metrics(app)["80 år och äldre 2040"] > before["80 år och äldre 2040"]


def test_more_immigration_raises_the_population(app: AppTest) -> None:
    before = metrics(app)
    key = "ctl:migration.immigration_multiplier"
    assert not app.slider(key=key).proto.disabled
    app.slider(key=key).set_value(1.5).run()
    assert not app.exception
    assert metrics(app)["Folkmängd 2040"] > before["Folkmängd 2040"]
    app.slider(key=key).set_value(1.0)
    app.slider(key="ctl:migration.out_migration_multiplier").set_value(1.3).run()
    assert metrics(app)["Folkmängd 2040"] < before["Folkmängd 2040"]


def test_reset_returns_to_the_baseline(app: AppTest) -> None:
    default = app.slider(key=TFR).value
    app.slider(key=TFR).set_value(2.2).run()
    reset = next(b for b in app.button if b.label == "Återställ till utgångsläget")
    reset.click().run()
    assert app.slider(key=TFR).value == default
    assert all(abs(v) < 0.01 for v in deltas(app).values())
    assert "fertility.tfr_target" not in app.query_params


def test_saved_scenarios_run_side_by_side(app: AppTest) -> None:
    app.slider(key=TFR).set_value(2.0).run()
    save = next(b for b in app.button if b.label == "Spara som jämförelsescenario")
    save.click().run()
    app.slider(key=TFR).set_value(1.2).run()
    assert not app.exception
    saved = app.session_state["saved_scenarios"]
    assert len(saved) == 1 and saved[0]["fertility.tfr_target"] == "2"
    assert saved[0]["name"] == "Eget scenario (2)"
    # Both scenarios are in the text alternative of the total-population chart.
    table = app.dataframe[0].value
    assert {"Eget scenario", "Eget scenario (2)"} <= set(table.columns)
    population = table.set_index("year")
    assert number(population.loc[2040, "Eget scenario (2)"]) > number(
        population.loc[2040, "Eget scenario"])


def test_downloads_are_valid_files(app: AppTest, captured: dict[str, Any]) -> None:
    app.slider(key=TFR).set_value(1.9).run()
    shown = metrics(app)["Folkmängd 2040"]
    xlsx = captured["befolkning_2580.xlsx"]()
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    assert list(SHEET_NAMES) == book.sheetnames[: len(SHEET_NAMES)]
    comparison_rows = list(book["Jämförelse"].iter_rows(values_only=True))
    assert len(comparison_rows) > 10
    # the follow-up sheets of calculator.followup (fertility, municipal TFR, Luleå outcome)
    assert "Uppföljning fruktsamhet" in book.sheetnames
    assert "Uppföljning utfall" in book.sheetnames
    swedish = pd.read_csv(io.BytesIO(captured["befolkning_2580_sv.csv"]()), sep=";", decimal=",",
                          encoding="utf-8-sig")
    pop = swedish.loc[(swedish["Variabel"] == "Folkmängd 31 dec") & (swedish["År"] == 2040)]
    assert round(float(pop["Värde"].sum())) == shown
    machine = pd.read_csv(io.BytesIO(captured["befolkning_2580.csv"]()))
    pop = machine.loc[(machine["variable"] == "population") & (machine["year"] == 2040)]
    assert round(float(pop["value"].sum())) == shown
    scenario = tomllib.loads(captured["scenario.toml"].decode("utf-8"))
    assert scenario["fertility"]["tfr_target"] == 1.9
    assert scenario["region"] == "2580"


def test_shared_link_restores_the_scenario() -> None:
    at = new_app(**{"fertility.tfr_target": "1.9", "fertility.target_year": "2035",
                    "lang": "en"})
    assert at.slider(key=TFR).value == 1.9
    assert at.slider(key="ctl:fertility.target_year").value == 2035
    assert at.title[0].value == "Population calculator"
    assert deltas(at)["Population 2040"] > 0
    plain = new_app()
    assert metrics(at)["Population 2040"] > metrics(plain)["Folkmängd 2040"]


def test_a_broken_link_says_what_is_wrong() -> None:
    at = new_app(**{"fertility.tfr_target": "9"})
    assert any("fertility.tfr_target" in e.value for e in at.error)


def test_language_toggle_switches_labels(app: AppTest) -> None:
    assert app.title[0].value == "Befolkningskalkylatorn"
    assert "Folkmängd 2040" in metrics(app)
    app.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Population calculator"
    assert "Population 2040" in metrics(app)
    assert "Children 1–5 years 2040" in metrics(app)
    assert app.query_params["lang"] == "en"


def test_other_areas(app: AppTest) -> None:
    app.selectbox(key="region").set_value("00").run()
    assert not app.exception
    assert app.session_state["comparison"] == "scb_national_2025"
    assert metrics(app)["Folkmängd 2040"] > 10_000_000
    # Sweden's embedded data have no migration flows: the levels cannot be changed.
    assert app.slider(key="ctl:migration.immigration_multiplier").proto.disabled
    app.selectbox(key="region").set_value("25").run()  # Norrbottens län: trend baseline
    assert not app.exception
    assert app.session_state["comparison"] == "none"
    assert metrics(app)["Folkmängd 2040"] > 100_000


def test_uploaded_scenario_toml_sets_the_controls(app: AppTest) -> None:
    text = b'name = "Uppladdat"\nregion = "2580"\nend_year = 2050\n' \
           b'[fertility]\ntfr_target = 1.75\ntarget_year = 2032\n'
    app.file_uploader(key="toml_upload").set_value(("s.toml", text, "application/toml")).run()
    assert not app.exception
    assert app.slider(key=TFR).value == 1.75
    assert app.text_input(key="ctl:name").value == "Uppladdat"
    bad = b'[fertility]\ntfr_target = 1.75\n'
    app.file_uploader(key="toml_upload").set_value(("bad.toml", bad, "application/toml")).run()
    assert any("fertility.target_year" in e.value for e in app.sidebar.error)


def test_own_forecast_upload_becomes_the_comparison(app: AppTest) -> None:
    # An "own forecast" made from SCB's regional projection for Luleå (the advice).
    pop = load_official_population("scb_regional_2024", "2580")
    csv = pop.loc[:, ["year", "sex", "age", "population"]].to_csv(index=False).encode()
    app.switch_page("app_pages/data.py").run()
    app.file_uploader(key="own_upload").set_value(("egen.csv", csv, "text/csv")).run()
    assert not app.exception
    assert any("Egen prognos inläst" in s.value for s in app.success)
    assert app.session_state["comparison"] == "own"
    app.switch_page("app_pages/scenario.py").run()
    assert not app.exception
    assert all(abs(v) < 0.01 for v in deltas(app).values())


def test_budget_page_follows_the_scenario(app: AppTest) -> None:
    app.slider(key=TFR).set_value(2.1).run()
    app.switch_page("app_pages/budget.py").run()
    assert not app.exception
    table = app.dataframe[-1].value
    preschool_2040 = table.loc[(table["År"] == 2040) & (table["Verksamhet"] == "Förskola")]
    values = {s: number(v) for s, v in zip(preschool_2040["Serie"],
                                            preschool_2040["Platser (behov)"], strict=True)}
    scenario_places = values.pop("Eget scenario")
    assert scenario_places > next(iter(values.values()))


def test_own_input_templates_are_projected(app: AppTest) -> None:
    """The example templates shipped with the package (Umeå, from the befproj example)."""
    folder = Path(__file__).resolve().parents[1] / "calculator/data/examples/umea_befproj"
    files = [(f.name, f.read_bytes(), "text/plain") for f in sorted(folder.iterdir())
             if f.suffix in (".csv", ".toml")]
    app.switch_page("app_pages/data.py").run()
    app.file_uploader(key="template_upload").set_value(files).run()
    assert not app.exception
    assert any("Indata lästa" in s.value for s in app.success), [e.value for e in app.error]
    broken = [(n, b.replace(b"female", b"kvinna"), m) for n, b, m in files]
    app.file_uploader(key="template_upload").set_value(broken).run()
    assert any("population.csv" in e.value and "sex" in e.value for e in app.error)


def test_fetch_from_scb_fails_clearly_when_offline(
        app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Nothing listens on port 9 of the loopback interface: SCB "cannot be reached".
    monkeypatch.setenv("SCB_API_BASE_URL", "http://127.0.0.1:9/api/v2/")
    monkeypatch.setenv("BEFOLKNINGSKALKYLATORN_CACHE", str(tmp_path))
    app.switch_page("app_pages/data.py").run()
    next(b for b in app.button if b.label == "Hämta kommunen från SCB").click().run()
    assert not app.exception
    assert any("SCB kunde inte nås" in e.value for e in app.error)
    assert any("inbyggda siffrorna" in e.value for e in app.error)
    assert app.session_state["region"] == "2580"  # still on the embedded data
    app.switch_page("app_pages/scenario.py").run()
    assert not app.exception and app.metric


def test_a_municipality_fetched_from_scb_projects_and_compares(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The loopback SCB serves Luleå's real figures (tests/fixtures/pxweb): fetched through the
    client, Luleå becomes an area of its own (trend baseline) compared with SCB's regional
    projection fetched with it (published total 2050: 79,614, SOURCES.md section 18)."""
    from tests.pxweb_server import running_server

    monkeypatch.setenv("BEFOLKNINGSKALKYLATORN_CACHE", str(tmp_path))
    with running_server() as (url, _fake):
        monkeypatch.setenv("SCB_API_BASE_URL", url)
        at = new_app()
        assert len(at.selectbox(key="fetch_pick").options) >= 289
        at.selectbox(key="fetch_pick").set_value("2580")
        at.button(key="fetch_online").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["region"] == "scb:2580"
    assert any("hämtad från SCB" in s.value for s in at.success)
    assert "Luleå (2580) – hämtad från SCB" in at.selectbox(key="region").options
    assert at.selectbox(key="comparison").value == "scb_online"
    assert at.query_params["src"] == "scb"  # region 2580 is the default: not in the link
    figures = metrics(at)
    assert figures["Folkmängd 2029 (om 5 år)"] > 70_000
    differences = deltas(at)
    assert differences  # the comparison is SCB's fetched projection
    assert "Jämförelse" in at.dataframe[-1].value.columns  # comparison by age group
    at.slider(key="ctl:end_year").set_value(2050).run()
    at.select_slider(key="key_year").set_value(2050).run()
    assert not at.exception
    label = "Folkmängd 2050"
    assert metrics(at)[label] - deltas(at)[label] == pytest.approx(79_614, abs=1)
    at.slider(key=TFR).set_value(round(at.slider(key=TFR).value + 0.4, 2)).run()
    assert not at.exception
    assert metrics(at)["Folkmängd 2029 (om 5 år)"] > figures["Folkmängd 2029 (om 5 år)"]
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    assert any("Hämtat från SCB:s PxWebApi" in m.value for m in at.markdown)


def test_trend_baseline_is_compared_with_scbs_forecast(app: AppTest) -> None:
    app.radio(key="ctl:baseline").set_value("trend").run()
    assert not app.exception
    assert app.query_params["baseline"] == "trend"
    assert any("trendframskrivning" in i.value for i in app.info)
    table = app.dataframe[0].value
    assert "Utgångsläge" in table.columns  # the unchanged trend run is shown as its own line
    # The trend baseline is not SCB's forecast: the identity scenario differs from it.
    assert any(abs(v) > 1 for v in deltas(app).values())


@pytest.mark.parametrize(("page", "title"), [
    ("app_pages/budget.py", "Service needs and costs"), ("app_pages/followup.py", "Follow-up"),
    ("app_pages/data.py", "About the data")])
def test_pages_in_english(page: str, title: str) -> None:
    at = new_app(lang="en")
    at.switch_page(page).run()
    assert not at.exception
    assert at.title[0].value == title
    assert "Base year 2024 (31 Dec)" in " ".join(c.value for c in at.caption)


def test_unreadable_saved_scenario_is_named_not_dropped_silently(app: AppTest) -> None:
    app.session_state["saved_scenarios"] = [{"name": "Gammalt", "tfr_target": "abc"}]
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("Gammalt" in w.value and "inte längre kan läsas" in w.value
               for w in app.warning)


def test_online_store_is_bounded_and_refetch_gets_a_new_stamp() -> None:
    from app_pages._state import OnlineStore

    store = OnlineStore(max_entries=2)
    areas: list[Any] = [object(), object(), object()]
    for i, area in enumerate(areas):
        store.put(f"scb:{i}", area)
    assert "scb:0" not in store and store["scb:2"] is areas[2]
    first = store.stamp("scb:1")
    store.put("scb:1", areas[0])  # a new fetch of the same municipality
    assert store.stamp("scb:1") > first and store["scb:1"] is areas[0]
