"""Pure Altair chart builders (no Streamlit): tidy frame in, chart out, testable offline.

Every chart carries the number locale of the language (Swedish: non-breaking space between
thousands, decimal comma), formats years with ``d`` (never ``2 040``), uses the Okabe-Ito
palette (readable with the common colour-vision deficiencies) with the comparison forecast in
black and dashed, and names its units in the axis titles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from app_pages._i18n import NBSP, Lang, t

#: Okabe & Ito (2008) colour-blind-safe palette, black left out (reserved for the comparison).
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
)
COMPARISON_COLOUR = "#000000"
YEAR_FORMAT = "d"
INT_FORMAT = ",.0f"


def number_locale(lang: Lang) -> alt.Locale:
    """d3 number locale: Swedish ``12 345,6`` or English ``12,345.6``."""
    if lang == "sv":
        return alt.Locale(number=alt.NumberLocale(
            decimal=",", thousands=NBSP, grouping=[3], currency=["", f"{NBSP}kr"]))
    return alt.Locale(number=alt.NumberLocale(
        decimal=".", thousands=",", grouping=[3], currency=["", " SEK"]))


#: What the builders return: a finished top-level Altair chart (``.to_dict()`` gives the spec).
Chart = alt.TopLevelMixin


def _finish(chart: Any, lang: Lang, description: str) -> Chart:
    """Top-level configuration: the language's number locale and readable axis fonts.
    (``description`` is given to Streamlit as the chart's accessible name instead.)"""
    del description
    finished: Chart = chart.configure(locale=number_locale(lang)).configure_axis(
        labelFontSize=12, titleFontSize=12)
    return finished


def series_scale(series: Sequence[str], comparison: str | None) -> alt.Scale:
    """Colours by series: palette in order, the comparison black."""
    domain, colours = [], []
    i = 0
    for name in series:
        domain.append(name)
        if name == comparison:
            colours.append(COMPARISON_COLOUR)
        else:
            colours.append(PALETTE[i % len(PALETTE)])
            i += 1
    return alt.Scale(domain=domain, range=colours)


def _dash(comparison: str | None) -> Any:
    return alt.condition(
        alt.datum.series == (comparison or "\x00"), alt.value([6, 3]), alt.value([1, 0])
    )


def _year_x(lang: Lang) -> alt.X:
    return alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format=YEAR_FORMAT, tickMinStep=1),
                 scale=alt.Scale(zero=False, nice=False))


def total_population_chart(totals: pd.DataFrame, differences: pd.DataFrame,
                           comparison: str | None, lang: Lang = "sv") -> Chart:
    """Population at 31 Dec by year per series (top) and each series minus the comparison
    (bottom). ``totals``: series, year, population; ``differences``: series, year, difference.
    """
    names = list(dict.fromkeys(totals["series"]))
    colour = alt.Color("series:N", title=t("series", lang), scale=series_scale(names, comparison),
                       legend=alt.Legend(orient="bottom", columns=2, labelLimit=400))
    unit = t("persons", lang)
    top = alt.Chart(totals).mark_line(point=True, strokeWidth=2).encode(
        x=_year_x(lang),
        y=alt.Y("population:Q", title=f"{t('population', lang)} ({unit})",
                axis=alt.Axis(format=INT_FORMAT), scale=alt.Scale(zero=False)),
        color=colour, strokeDash=_dash(comparison),
        tooltip=[alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip("population:Q", title=t("population", lang), format=INT_FORMAT)],
    ).properties(title=t("total_pop_title", lang), height=280, width="container")
    charts: list[alt.Chart] = [top]
    if comparison is not None and not differences.empty:
        bottom = alt.Chart(differences).mark_bar(opacity=0.85).encode(
            x=alt.X("year:O", title=t("year", lang)),
            xOffset=alt.XOffset("series:N"),
            y=alt.Y("difference:Q", title=f"{t('difference', lang)} ({unit})",
                    axis=alt.Axis(format=INT_FORMAT)),
            color=alt.Color("series:N", scale=series_scale(names, comparison), legend=None),
            tooltip=[alt.Tooltip("series:N", title=t("series", lang)),
                     alt.Tooltip("year:O", title=t("year", lang)),
                     alt.Tooltip("difference:Q", title=t("difference", lang), format=INT_FORMAT)],
        ).properties(title=t("diff_title", lang), height=160, width="container")
        charts.append(bottom)
    return _finish(alt.vconcat(*charts), lang, t("total_pop_title", lang))


def groups_chart(groups: pd.DataFrame, comparison: str | None, lang: Lang = "sv",
                 columns: int = 3) -> Chart:
    """Small multiples: population by planning age group over time, one panel per group,
    each with its own y scale. ``groups``: series, year, age_group, population."""
    names = list(dict.fromkeys(groups["series"]))
    order = list(dict.fromkeys(groups["age_group"]))
    base = alt.Chart(groups).mark_line(strokeWidth=2).encode(
        x=_year_x(lang),
        y=alt.Y("population:Q", title=f"{t('population', lang)} ({t('persons', lang)})",
                axis=alt.Axis(format=INT_FORMAT), scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=t("series", lang),
                        scale=series_scale(names, comparison),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        strokeDash=_dash(comparison),
        tooltip=[alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("age_group:N", title=t("age_group", lang)),
                 alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip("population:Q", title=t("population", lang), format=INT_FORMAT)],
    ).properties(width=220, height=140)
    chart = base.facet(
        facet=alt.Facet("age_group:N", sort=order, title=t("groups_title", lang),
                        header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=columns,
    ).resolve_scale(y="independent")
    return _finish(chart, lang, t("groups_title", lang))


def pyramid_chart(scenario: pd.DataFrame, reference: pd.DataFrame | None, year: int,
                  lang: Lang = "sv") -> Chart:
    """Population pyramid (women left, men right) with the comparison as a black outline.

    ``scenario``/``reference``: age, sex, population (persons at 31 Dec of ``year``).
    """
    def signed(frame: pd.DataFrame) -> pd.DataFrame:
        sign = frame["sex"].map({"female": -1.0, "male": 1.0})
        labels = frame["sex"].map({"female": t("female", lang), "male": t("male", lang)})
        return frame.assign(x=frame["population"] * sign, sex_label=labels,
                            persons=frame["population"])

    scen = signed(scenario)
    x_title = f"{t('female', lang)} ← {t('population', lang)} ({t('persons', lang)}) → {t('male', lang)}"
    ages = list(range(100, -1, -1))
    y = alt.Y("age:O", title=f"{t('age', lang)} ({'år' if lang == 'sv' else 'years'})",
              sort=ages, scale=alt.Scale(domain=ages, paddingInner=0.05),
              axis=alt.Axis(values=list(range(0, 101, 10)), labelExpr=(
                  "datum.value == 100 ? '100+' : datum.value")))
    x_axis = alt.Axis(format=",.0f", labelExpr="replace(replace(datum.label, '−', ''), '-', '')")
    bars = alt.Chart(scen).mark_bar(opacity=0.85).encode(
        y=y, x=alt.X("x:Q", title=x_title, axis=x_axis),
        color=alt.Color("sex_label:N", title=None,
                        scale=alt.Scale(domain=[t("female", lang), t("male", lang)],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("sex_label:N", title=""), alt.Tooltip("age:O", title=t("age", lang)),
                 alt.Tooltip("persons:Q", title=t("population", lang), format=INT_FORMAT)],
    )
    layers: list[alt.Chart] = [bars]
    if reference is not None and not reference.empty:
        ref = signed(reference)
        outline = alt.Chart(ref).mark_line(color=COMPARISON_COLOUR, strokeWidth=1.5).encode(
            y=y, x=alt.X("x:Q", axis=x_axis), detail="sex:N", order=alt.Order("age:Q"),
            tooltip=[alt.Tooltip("sex_label:N", title=t("official", lang)),
                     alt.Tooltip("age:O", title=t("age", lang)),
                     alt.Tooltip("persons:Q", title=t("population", lang), format=INT_FORMAT)],
        )
        layers.append(outline)
    chart = alt.layer(*layers).properties(title=t("pyramid_title", lang, year=year), height=420,
                                          width="container")
    return _finish(chart, lang, t("pyramid_title", lang, year=year))


def components_chart(components: pd.DataFrame, lang: Lang = "sv",
                     comparison: str | None = None) -> Chart:
    """Births, deaths and net migration per year, one panel each, a line per scenario and,
    where it publishes them, the comparison's (``comparison``: its series name).

    ``components``: series, year, component, persons (persons per calendar year)."""
    data = components.assign(component_label=components["component"].map(lambda c: t(c, lang)))
    names = list(dict.fromkeys(data["series"]))
    order = [t(c, lang) for c in ("births", "deaths", "net_migration")]
    chart = alt.Chart(data).mark_line(point=True).encode(
        x=_year_x(lang),
        y=alt.Y("persons:Q", title=t("persons_per_year", lang), axis=alt.Axis(format=INT_FORMAT),
                scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=t("series", lang),
                        scale=series_scale(names, comparison if comparison in names else None),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        strokeDash=_dash(comparison),
        tooltip=[alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("component_label:N", title=t("component", lang)),
                 alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip("persons:Q", title=t("persons_per_year", lang), format=",.0f")],
    ).properties(width=260, height=180).facet(
        column=alt.Column("component_label:N", sort=order, title=t("components_title", lang),
                          header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
    ).resolve_scale(y="independent")
    return _finish(chart, lang, t("components_title", lang))


def services_chart(services: pd.DataFrame, value: str, comparison: str | None,
                   lang: Lang = "sv") -> Chart:
    """Places or cost by year per service, a line per series, one panel per service.

    ``services``: series, year, service_label, and the ``value`` column (``places`` or
    ``cost_msek``)."""
    names = list(dict.fromkeys(services["series"]))
    order = list(dict.fromkeys(services["service_label"]))
    title_key = "places" if value == "places" else "cost_msek"
    fmt = ",.0f" if value == "places" else ",.1f"
    chart = alt.Chart(services).mark_line(strokeWidth=2).encode(
        x=_year_x(lang),
        y=alt.Y(f"{value}:Q", title=t(title_key, lang), axis=alt.Axis(format=fmt),
                scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=t("series", lang),
                        scale=series_scale(names, comparison),
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=400)),
        strokeDash=_dash(comparison),
        tooltip=[alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("service_label:N", title=t("service", lang)),
                 alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip(f"{value}:Q", title=t(title_key, lang), format=fmt)],
    ).properties(width=220, height=140).facet(
        facet=alt.Facet("service_label:N", sort=order,
                        title=t("budget_places_title" if value == "places" else "budget_cost_title",
                                lang),
                        header=alt.Header(labelFontSize=13, labelFontWeight="bold")),
        columns=3,
    ).resolve_scale(y="independent")
    return _finish(chart, lang, t(title_key, lang))


def births_paths_chart(paths: pd.DataFrame, lang: Lang = "sv") -> Chart:
    """Each vintage's projected births (lines) over the observed births (black points).

    ``paths``: year, series, births, kind (``projected``/``observed``)."""
    projected = paths.loc[paths["kind"] == "projected"]
    observed = paths.loc[paths["kind"] == "observed"]
    names = list(dict.fromkeys(projected["series"]))
    lines = alt.Chart(projected).mark_line(point=True).encode(
        x=_year_x(lang),
        y=alt.Y("births:Q", title=f"{t('births', lang)} ({t('persons_per_year', lang)})",
                axis=alt.Axis(format=INT_FORMAT), scale=alt.Scale(zero=False)),
        color=alt.Color("series:N", title=t("vintage", lang), scale=series_scale(names, None),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("series:N", title=t("vintage", lang)),
                 alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip("births:Q", title=t("births", lang), format=INT_FORMAT)],
    )
    points = alt.Chart(observed).mark_line(color=COMPARISON_COLOUR, point=alt.OverlayMarkDef(
        color=COMPARISON_COLOUR, filled=True, size=40), strokeWidth=2.5).encode(
        x=_year_x(lang), y="births:Q",
        tooltip=[alt.Tooltip("year:Q", title=t("year", lang), format=YEAR_FORMAT),
                 alt.Tooltip("births:Q", title=t("observed", lang), format=INT_FORMAT)],
    )
    chart = alt.layer(lines, points).properties(title=t("fu_births_title", lang), height=320,
                                                width="container")
    return _finish(chart, lang, t("fu_births_title", lang))


def bar_by_horizon_chart(frame: pd.DataFrame, value: str, lang: Lang = "sv") -> Chart:
    """Bars of ``value`` (percent) by ``horizon_years``."""
    chart = alt.Chart(frame).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("horizon_years:O", title=t("horizon_years", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", title=t("mape_pct", lang), axis=alt.Axis(format=",.1f")),
        tooltip=[alt.Tooltip("horizon_years:O", title=t("horizon_years", lang)),
                 alt.Tooltip(f"{value}:Q", title=t("mape_pct", lang), format=",.2f")],
    ).properties(title=t("fu_mape_title", lang), height=240, width="container")
    return _finish(chart, lang, t("fu_mape_title", lang))


def deviation_chart(frame: pd.DataFrame, lang: Lang = "sv") -> Chart:
    """Deviation (observed - forecast, persons) by age group and year, bars.

    ``frame``: year, age_group, deviation_persons (other columns are dropped)."""
    data = frame.loc[:, ["year", "age_group", "deviation_persons"]].assign(
        year=frame["year"].astype(str))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("age_group:N", title=t("age_group", lang), sort=None,
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("year:N"),
        y=alt.Y("deviation_persons:Q", title=f"{t('deviation', lang)} ({t('persons', lang)})",
                axis=alt.Axis(format=INT_FORMAT)),
        color=alt.Color("year:N", title=t("year", lang), scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("age_group:N", title=t("age_group", lang)),
                 alt.Tooltip("year:N", title=t("year", lang)),
                 alt.Tooltip("deviation_persons:Q", title=t("deviation", lang), format=",.0f")],
    ).properties(height=280, width=820)
    return _finish(chart, lang, t("fu_groups_title", lang))
