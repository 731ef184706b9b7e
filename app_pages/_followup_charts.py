"""Pure Altair chart builders for the follow-up page (no Streamlit): tidy frame in, chart out.

Same conventions as :mod:`app_pages._charts`: the language's number locale, years formatted
``d``, the Okabe-Ito palette, the reference series (national assumption, observed) in black,
units in the axis titles. Titles and labels are passed in by the page (its own strings).
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd

from app_pages._charts import (
    COMPARISON_COLOUR,
    INT_FORMAT,
    PALETTE,
    YEAR_FORMAT,
    Chart,
    _finish,
    series_scale,
)
from app_pages._i18n import Lang

TFR_FORMAT = ",.2f"
#: Fit the width to the page but keep the plot's own height: Streamlit's default autosize
#: ("fit" with padding) squeezes title, axes and legend into the plot height, which leaves a
#: flat plot and can clip the title.
SHAPES = ("circle", "square", "triangle-up", "diamond")
AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")
LEGEND_LABEL_LIMIT = 420


def fit_width(chart: Chart) -> Chart:
    """``chart`` with :data:`AUTOSIZE` (also for the shared builders of ``_charts``)."""
    fitted: Chart = chart.properties(autosize=AUTOSIZE)  # type: ignore[attr-defined]
    return fitted


def _x_year(title: str) -> alt.X:
    return alt.X("year:Q", title=title, axis=alt.Axis(format=YEAR_FORMAT, tickMinStep=1),
                 scale=alt.Scale(zero=False, nice=False))


def municipal_tfr_chart(table: pd.DataFrame, labels: Mapping[str, str], lang: Lang) -> Chart:
    """The municipality's TFR, the national assumed TFR and the national observed TFR by year.

    ``table``: :func:`calculator.followup.municipal_tfr_vs_assumption`; ``labels``: series
    names for ``municipal``, ``assumed``, ``national`` and axis titles ``year``, ``tfr``,
    ``title``."""
    names = {"municipal_tfr": labels["municipal"], "national_assumed_tfr": labels["assumed"],
             "national_observed_tfr": labels["national"]}
    long = table.melt(id_vars="year", value_vars=list(names), var_name="column",
                      value_name="tfr").dropna(subset=["tfr"])
    long["series"] = long["column"].map(names)
    order = list(names.values())
    scale = alt.Scale(domain=order, range=[PALETTE[0], COMPARISON_COLOUR, "#999999"])
    chart = alt.Chart(long).mark_line(point=True).encode(
        x=_x_year(labels["year"]),
        y=alt.Y("tfr:Q", title=labels["tfr"], scale=alt.Scale(zero=False),
                axis=alt.Axis(format=TFR_FORMAT)),
        color=alt.Color("series:N", title=None, scale=scale, sort=order,
                        legend=alt.Legend(orient="bottom", labelLimit=LEGEND_LABEL_LIMIT,
                                          symbolType="stroke", symbolStrokeWidth=3)),
        strokeDash=alt.StrokeDash("series:N", sort=order, legend=None, scale=alt.Scale(
            domain=order, range=[[1, 0], [6, 3], [2, 2]])),
        tooltip=[alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("year:Q", title=labels["year"], format=YEAR_FORMAT),
                 alt.Tooltip("tfr:Q", title=labels["tfr"], format=",.3f")],
    ).properties(title=labels["title"], height=300, width="container")
    return fit_width(_finish(chart, lang, labels["title"]))


def error_by_horizon_chart(errors: pd.DataFrame, value: str, labels: Mapping[str, str],
                           lang: Lang) -> Chart:
    """Signed error (``value``, e.g. ``rel_error_pct``) by horizon, one line per vintage.

    ``errors``: rows with an observed value (projection_vintage, horizon_years, ``value``,
    year); ``labels``: ``horizon``, ``value``, ``vintage``, ``year``, ``title``."""
    data = errors.loc[:, ["projection_vintage", "horizon_years", "year", value]].assign(
        vintage=errors["projection_vintage"].astype(str))
    names = sorted(data["vintage"].unique())
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("horizon_years:O", title=labels["horizon"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", title=labels["value"], axis=alt.Axis(format=",.1f")),
        color=alt.Color("vintage:N", title=labels["vintage"], scale=series_scale(names, None),
                        legend=alt.Legend(orient="bottom", labelLimit=LEGEND_LABEL_LIMIT)),
        tooltip=[alt.Tooltip("vintage:N", title=labels["vintage"]),
                 alt.Tooltip("year:Q", title=labels["year"], format=YEAR_FORMAT),
                 alt.Tooltip("horizon_years:O", title=labels["horizon"]),
                 alt.Tooltip(f"{value}:Q", title=labels["value"], format=",.1f")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#666666").encode(y="y:Q")
    chart = alt.layer(zero, lines).properties(title=labels["title"], height=280,
                                              width="container")
    return fit_width(_finish(chart, lang, labels["title"]))


def mother_age_error_chart(decomposition: pd.DataFrame, labels: Mapping[str, str],
                           lang: Lang) -> Chart:
    """Births error by mother's age split into level and timing parts (stacked bars).

    ``decomposition``: :func:`calculator.followup.births_error_by_mother_age`; ``labels``:
    ``level``, ``timing``, ``age``, ``births``, ``part``, ``title``."""
    parts = {"level_part_births": labels["level"], "timing_part_births": labels["timing"]}
    long = decomposition.melt(id_vars="mother_age", value_vars=list(parts), var_name="column",
                              value_name="births")
    long["part"] = long["column"].map(parts)
    order = list(parts.values())
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("mother_age:O", title=labels["age"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("sum(births):Q", title=labels["births"], axis=alt.Axis(format=INT_FORMAT)),
        color=alt.Color("part:N", title=labels["part"], sort=order,
                        scale=alt.Scale(domain=order, range=[PALETTE[0], PALETTE[1]]),
                        legend=alt.Legend(orient="bottom", labelLimit=LEGEND_LABEL_LIMIT)),
        order=alt.Order("column:N"),
        tooltip=[alt.Tooltip("mother_age:O", title=labels["age"]),
                 alt.Tooltip("part:N", title=labels["part"]),
                 alt.Tooltip("births:Q", title=labels["births"], format=",.0f")],
    ).properties(title=labels["title"], height=280, width="container")
    return fit_width(_finish(chart, lang, labels["title"]))


def age_profile_chart(profile: pd.DataFrame, labels: Mapping[str, str], lang: Lang) -> Chart:
    """Fertility rates by mother's age, one line per series (what exists; gaps left out).

    ``profile``: mother_age, series (display names), fert_rate; ``labels``: ``age``, ``rate``,
    ``title``."""
    data = profile.dropna(subset=["fert_rate"])
    names = list(dict.fromkeys(data["series"]))
    chart = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("mother_age:Q", title=labels["age"], scale=alt.Scale(zero=False, nice=False)),
        y=alt.Y("fert_rate:Q", title=labels["rate"], axis=alt.Axis(format=",.3f")),
        color=alt.Color("series:N", title=None, scale=series_scale(names, None),
                        legend=alt.Legend(orient="bottom", labelLimit=LEGEND_LABEL_LIMIT)),
        tooltip=[alt.Tooltip("series:N", title=" "),
                 alt.Tooltip("mother_age:Q", title=labels["age"]),
                 alt.Tooltip("fert_rate:Q", title=labels["rate"], format=",.4f")],
    ).properties(title=labels["title"], height=280, width="container")
    return fit_width(_finish(chart, lang, labels["title"]))


def deviation_over_time_chart(comparison: pd.DataFrame, period: str, tolerance_pct: float,
                              labels: Mapping[str, str], lang: Lang) -> Chart:
    """Relative deviation (observed - forecast, %) by period, one line per age group, with
    the tolerance band; flagged points ringed in black.

    ``comparison``: :func:`calculator.followup.compare_by_age_group` rows (one sex); labels:
    ``period``, ``value``, ``group``, ``title``, ``flag``."""
    data = comparison.loc[:, [period, "age_group", "rel_deviation_pct", "deviation_persons",
                              "flag"]].dropna(subset=["rel_deviation_pct"])
    data = data.assign(period=data[period].astype(str))
    groups = list(dict.fromkeys(data["age_group"]))
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(groups))]
    # the palette has 7 colours: the shape tells groups with the same colour apart
    shapes = [SHAPES[(i // len(PALETTE)) % len(SHAPES)] for i in range(len(groups))]
    base = alt.Chart(data).encode(
        x=alt.X("period:O", title=labels["period"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rel_deviation_pct:Q", title=labels["value"], axis=alt.Axis(format=",.1f")),
        color=alt.Color("age_group:N", title=labels["group"], sort=groups,
                        scale=alt.Scale(domain=groups, range=colours),
                        legend=alt.Legend(orient="right")),
        shape=alt.Shape("age_group:N", title=labels["group"], sort=groups,
                        scale=alt.Scale(domain=groups, range=shapes),
                        legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("age_group:N", title=labels["group"]),
                 alt.Tooltip("period:O", title=labels["period"]),
                 alt.Tooltip("rel_deviation_pct:Q", title=labels["value"], format=",.1f"),
                 alt.Tooltip("deviation_persons:Q", title=labels["persons"], format=",.0f"),
                 alt.Tooltip("flag:N", title=labels["flag"])],
    )
    lines = base.mark_line().encode(shape=alt.value("circle")) + base.mark_point(
        filled=True, size=60)
    flagged = base.transform_filter(alt.datum.flag).mark_point(
        size=260, filled=False, strokeWidth=2, color="#000000")
    band = alt.Chart(pd.DataFrame({"y": [-tolerance_pct, tolerance_pct]})).mark_rule(
        color="#666666", strokeDash=[4, 4]).encode(y="y:Q")
    chart = alt.layer(band, lines, flagged).properties(title=labels["title"], height=300,
                                                       width="container")
    return fit_width(_finish(chart, lang, labels["title"]))
