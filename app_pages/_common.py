"""UI pieces shared by the pages: session set-up, the shared sidebar, the page header and the
current batch of scenarios (what the scenario page's controls define)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app_pages import _state
from app_pages._i18n import LANGS, Lang, fmt_number, t
from calculator import keyfigures
from calculator.controls import unique_name
from calculator.data import official as official_data
from calculator.data import online_baseline as online
from calculator.data.pxweb import ScbUnavailableError
from calculator.exceptions import InputValidationError, ScbApiError
from calculator.results import ProjectionResult
from calculator.scenario import PARAMETERS, Scenario

__all__ = ["t"]

#: Query parameters of the app itself (the rest are the scenario's deviations).
APP_PARAMS = ("lang", "cmp", "src")


def init_session() -> None:
    """On a session's first run: language, area, comparison and scenario from the URL."""
    ss = st.session_state
    if "_initialised" in ss:
        return
    ss["_initialised"] = True
    qp = st.query_params.to_dict()
    ss[_state.K_LANG] = qp.get("lang", "sv") if qp.get("lang") in LANGS else "sv"
    scenario_params = {k: v for k, v in qp.items() if k not in APP_PARAMS}
    ss["_url_error"] = ""
    try:
        scenario = Scenario.from_query_params(scenario_params)
    except InputValidationError as exc:
        ss["_url_error"] = str(exc)
        scenario = Scenario()
    regions = _state.regions()
    region = scenario.region if scenario.region in set(regions["region"]) else _state.DEFAULT_REGION
    ss[_state.K_ONLINE] = []
    online_key = _state.ONLINE_PREFIX + scenario.region
    if qp.get("src") == "scb" and online_key in _state.online_store():
        region = online_key  # a link to a municipality fetched on this server
        ss[_state.K_ONLINE] = [online_key]
    ss[_state.K_REGION] = region
    ss[_state.K_SCENARIO] = {**scenario.to_query_params(), "region": _state.area_code(region)}
    ss[_state.K_SAVED] = []
    ss["_cmp_from_url"] = qp.get("cmp")


def lang() -> Lang:
    value = st.session_state.get(_state.K_LANG, "sv")
    return "en" if value == "en" else "sv"


def sidebar_language() -> Lang:
    st.sidebar.radio(t("language", lang()), LANGS, key=_state.K_LANG, horizontal=True,
                     format_func=lambda code: {"sv": "Svenska", "en": "English"}[code])
    return lang()


def comparison_options(region: str) -> list[str]:
    """Comparisons available for ``region``: embedded official forecasts (or, for a fetched
    municipality, SCB's regional projection fetched with it), own, none."""
    if _state.is_online(region):
        has = _state.online_area(region).projection is not None
        options = [_state.ONLINE_FORECAST] if has else []
        if st.session_state.get(_state.K_OWN) is not None:
            options.append(_state.OWN_FORECAST)
        return [*options, _state.NO_COMPARISON]
    options = [fid for fid, fc in official_data.FORECASTS.items()
               if region in fc.regions and any(a.startswith("population") for a in fc.available)]
    if st.session_state.get(_state.K_OWN) is not None:
        options.append(_state.OWN_FORECAST)
    options.append(_state.NO_COMPARISON)
    return options


def comparison_label(option: str, language: Lang, area: str | None = None) -> str:
    if option == _state.OWN_FORECAST:
        return t("cmp_own", language)
    if option == _state.NO_COMPARISON:
        return t("cmp_none", language)
    if option == _state.ONLINE_FORECAST:
        area = area if area is not None else st.session_state.get(_state.K_REGION, "")
        vintage = ""
        if _state.is_online(area) and _state.online_area(area).projection is not None:
            projection = _state.online_area(area).projection
            assert projection is not None
            vintage = f" {projection['vintage'].iloc[0]}"
        return t("cmp_online", language, vintage=vintage)
    fc = official_data.FORECASTS[option]
    if language == "sv":
        kind = ("SCB:s regionala befolkningsframskrivning" if fc.kind == "regional"
                else "SCB:s Sveriges framtida befolkning")
        return f"{kind} {fc.vintage} ({fc.first_year}–{fc.last_year})"
    return f"{fc.label} (vintage {fc.vintage})"


def _on_region_change() -> None:
    params = dict(st.session_state.get(_state.K_SCENARIO, {}))
    params["region"] = _state.area_code(st.session_state[_state.K_REGION])
    params.pop("baseline", None)
    st.session_state[_state.K_SCENARIO] = params


def _area_label(area: str, names: Mapping[str, str], language: Lang) -> str:
    if _state.is_online(area):
        fetched = _state.online_area(area)
        return f"{fetched.name} ({fetched.code}) – {t('fetched_from_scb', language)}"
    return f"{names.get(area, area)} ({area})"


def fetch_municipality(code: str, language: Lang, where: DeltaGenerator) -> str | None:
    """Fetch a municipality from SCB with a progress bar naming what is being fetched; on
    success store it and return its area key, else show a clear message and return None
    (the app keeps working on the embedded data)."""
    from calculator.data.pxweb import PxWebClient

    bar = where.progress(0.0, text=t("fetching", language))

    def progress(step: str, done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{t('fetching', language)} {step}")

    try:
        with st.spinner(t("fetching", language)):
            client = PxWebClient(timeout_s=(5.0, 30.0), max_tries=1)
            fetched = online.fetch_online_area(code, client, progress=progress)
            key = _state.store_online_area(fetched)
            _state.online_baseline(key, int(str(PARAMETERS["end_year"].default)))
    except ScbUnavailableError as exc:
        bar.empty()
        where.error(t("fetch_failed", language, msg=str(exc)))
        return None
    except (ScbApiError, InputValidationError, OSError) as exc:
        bar.empty()
        where.error(t("fetch_error", language, msg=str(exc)))
        return None
    bar.empty()
    return key


def select_fetched_area(key: str) -> None:
    """Make a fetched area selectable and select it on the next run."""
    ss = st.session_state
    if key not in ss.get(_state.K_ONLINE, []):
        ss[_state.K_ONLINE] = [*ss.get(_state.K_ONLINE, []), key]
    ss["_area_pending"] = key


def sidebar_area_and_comparison(language: Lang) -> None:
    ss = st.session_state
    regions = _state.regions()
    names = dict(zip(regions["region"], regions["name"], strict=True))
    pending = ss.pop("_area_pending", None)
    if pending is not None:
        ss[_state.K_REGION] = pending
        _on_region_change()
    areas = list(regions["region"]) + [a for a in ss.get(_state.K_ONLINE, [])
                                        if a in _state.online_store()]
    if ss.get(_state.K_REGION) not in areas:
        ss[_state.K_REGION] = _state.DEFAULT_REGION
        _on_region_change()
    st.sidebar.selectbox(
        t("area", language), areas, key=_state.K_REGION,
        format_func=lambda a: _area_label(a, names, language), on_change=_on_region_change,
    )
    with st.sidebar.expander(t("fetch_sidebar", language)):
        municipalities = online.municipality_names()
        if ss.get("fetch_pick") not in municipalities:
            code = _state.area_code(area_now := ss[_state.K_REGION])
            ss["fetch_pick"] = code if code in municipalities and area_now else "2580"
        st.selectbox(t("fetch_pick", language), list(municipalities), key="fetch_pick",
                     format_func=lambda c: f"{municipalities[c]} ({c})")
        if st.button(t("fetch_online", language), key="fetch_online", width="stretch"):
            key = fetch_municipality(ss["fetch_pick"], language, st.container())
            if key is not None:
                select_fetched_area(key)
                ss["_fetch_msg"] = t("fetch_area_ok", language, name=_state.online_area(
                    key).name)
                st.rerun()
        if "_fetch_msg" in ss:
            st.success(ss.pop("_fetch_msg"))
    area = ss[_state.K_REGION]
    options = comparison_options(area)
    wanted = ss.pop("_cmp_from_url", None)
    if wanted in options:
        ss[_state.K_COMPARISON] = wanted
    if ss.get(_state.K_COMPARISON) not in options:
        ss[_state.K_COMPARISON] = options[0]
    st.sidebar.selectbox(t("comparison", language), options, key=_state.K_COMPARISON,
                         format_func=lambda o: comparison_label(o, language, area))
    if ss[_state.K_COMPARISON] == _state.NO_COMPARISON and len(options) == 1:
        st.sidebar.caption(t("cmp_missing", language))


def page_header(title: str, language: Lang) -> None:
    """Title plus data vintage, base year, comparison and conventions (every page)."""
    ss = st.session_state
    region = ss[_state.K_REGION]
    info = _state.area_info(region, language)
    cmp_choice = ss.get(_state.K_COMPARISON, _state.NO_COMPARISON)
    st.title(title)
    params = ss.get(_state.K_SCENARIO, {})
    kind = params.get("baseline", "official")
    base_year = info.base_year
    if kind == "official" and _state.has_official_baseline(region):
        base_year = _state.official_baseline(region).inputs.base_year
    st.caption(
        t("vintage_line", language, name=info.name, region=info.code, base_year=base_year,
          cmp=comparison_label(cmp_choice, language))
        + " " + t("conventions", language)
    )


# ---- the batch ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batch:
    """The current scenario, the saved ones, their projection and the comparison."""

    region: str
    kind: str
    end_year: int
    base: _state.Baseline
    scenarios: tuple[Scenario, ...]
    current: str
    result: ProjectionResult
    comparison: pd.DataFrame | None
    comparison_name: str | None
    series: keyfigures.Series


def batch_from_session(language: Lang, current: Scenario | None = None) -> Batch:
    """Project the current scenario (from the controls or the session) with the saved ones."""
    ss = st.session_state
    region = ss[_state.K_REGION]
    if current is None:
        params = dict(ss.get(_state.K_SCENARIO, {}))
        try:
            current = Scenario.from_query_params(params)
        except InputValidationError:
            current = Scenario(region=region)
    kind = current.baseline if current.baseline in _state.baseline_kinds(region) else "trend"
    base = _state.baseline(region, kind, current.end_year)
    end_year = min(current.end_year, base.last_year)
    code = _state.area_code(region)
    scenarios: list[Scenario] = [dataclasses.replace(current, region=code, baseline=kind)]
    unreadable: list[str] = []
    for saved in ss.get(_state.K_SAVED, []):
        try:
            scen = Scenario.from_query_params(saved)
            scenarios.append(dataclasses.replace(scen, region=code, baseline=kind,
                                                 end_year=current.end_year))
        except InputValidationError as exc:
            unreadable.append(f"{saved.get('name', '?')} ({exc})")
    if unreadable:
        st.warning(t("saved_unreadable", language, names="; ".join(unreadable)))
    if kind == "trend":
        taken = [s.name for s in scenarios]
        scenarios.append(Scenario(name=unique_name(t("baseline", language), taken),
                                  region=code, baseline=kind, end_year=current.end_year))
    full = _state.run(region, kind, current.end_year, scenarios)
    result = full.until(int(np.clip(end_year, full.base_year + 1, full.years[-1])))
    cmp_long, cmp_label = _state.comparison_long(
        ss.get(_state.K_COMPARISON, _state.NO_COMPARISON), region)
    name = None
    if cmp_long is not None:
        choice = ss.get(_state.K_COMPARISON, _state.NO_COMPARISON)
        short = cmp_label if choice == _state.OWN_FORECAST else comparison_label(choice, language)
        name = unique_name(f"{t('official', language)}: {short}",
                                  [s.name for s in scenarios])
    series = keyfigures.combine(result, keyfigures.official_cube(cmp_long), name or "")
    if name is None:
        series = keyfigures.Series(series.names[: len(scenarios)], series.years,
                               series.pop_series_year_sex_age[: len(scenarios)])
    return Batch(region, kind, end_year, base, tuple(scenarios), scenarios[0].name, result,
                 cmp_long, name, series)


def show_chart(chart: object, alt_text: str,
               width: Literal["stretch", "content"] = "stretch") -> None:
    """Render an Altair chart from its spec without re-validating it (validation of the
    finished spec costs more than the projection); ``alt_text`` labels it for screen
    readers (the table in the expander below each chart is the full text alternative)."""
    spec = chart.to_dict(validate=False)  # type: ignore[attr-defined]
    st.vega_lite_chart(spec=spec, width=width, alt=alt_text)


def formatted(frame: pd.DataFrame, language: Lang, decimals: Mapping[str, int] | None = None,
              ) -> pd.DataFrame:
    """A display copy with numbers as text in the language's format (years untouched)."""
    decimals = dict(decimals or {})
    out = frame.copy()
    for col in out.columns:
        if col in ("year", "age") or not pd.api.types.is_numeric_dtype(out[col]):
            continue
        d = decimals.get(str(col), 0)
        out[col] = [fmt_number(float(v), language, d) for v in out[col]]
    return out


def param_label(key: str, language: Lang) -> str:
    param = PARAMETERS[key]
    label = param.label_sv if language == "sv" else param.label_en
    unit = param.unit_sv if language == "sv" else param.unit_en
    return f"{label} ({unit})" if unit else label
