"""Planning tables from a projection's tidy long result: age groups, service needs, summaries.

Pure functions (no I/O). Every function takes the tidy long table of
:meth:`calculator.results.ProjectionResult.to_long` with columns
``scenario, region, year, sex, age, variable, value`` where

* ``variable`` ``population`` is the stock at 31 December of ``year`` (the base year included);
* the flows ``births`` (by sex of the child, in the age-0 row), ``deaths``, ``immigrants``
  (invandrade), ``emigrants`` (utvandrade), ``in_migrants`` (inflyttade, domestic),
  ``out_migrants`` (utflyttade, domestic) and, in net mode, ``net_migrants`` are persons per
  calendar year;
* ``age`` is the age at the end of the year (= age reached during the year), 0..100 where
  100 means 100+.

Age groups are closed intervals of single years; the last one may be open ("80+").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import OPEN_AGE

LONG_COLUMNS: Final = ("scenario", "region", "year", "sex", "age", "variable", "value")
KEYS: Final = ("scenario", "region", "year")
#: Label used for both sexes together in the grouped tables.
TOTAL_SEX: Final = "total"

FLOW_VARIABLES: Final = (
    "births", "deaths", "immigrants", "emigrants", "in_migrants", "out_migrants",
)


@dataclass(frozen=True)
class AgeGroup:
    """Ages ``low`` .. ``high`` inclusive (age at the end of the year); ``high=None`` is open.

    >>> AgeGroup(80, None).label, AgeGroup(1, 5).label, AgeGroup(6, 6).label
    ('80+', '1-5', '6')
    """

    low: int
    high: int | None

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low}+"
        return str(self.low) if self.high == self.low else f"{self.low}-{self.high}"

    @property
    def ages(self) -> range:
        """The single ages 0..100 in the group (100 is the open group 100+)."""
        return range(self.low, (OPEN_AGE if self.high is None else self.high) + 1)


_GROUP_RE = re.compile(r"^\s*(\d+)\s*(?:(-|–)\s*(\d+)|(\+))?\s*$")


def parse_age_groups(spec: str | Sequence[str]) -> tuple[AgeGroup, ...]:
    """Parse user-defined age groups such as ``"0-5,6-12,13-15,16-18,19-64,65-79,80+"``.

    Items are ``a-b`` (both ages included), ``a`` (one age) or ``a+`` (open, up to 100+).
    Gaps between groups are allowed (the ages are simply not shown); overlaps, reversed
    intervals and ages above 100 are errors naming the item.

    >>> [g.label for g in parse_age_groups("0-5, 6-12,13-15,80+")]
    ['0-5', '6-12', '13-15', '80+']
    >>> parse_age_groups("0-5,5-9")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calculator.exceptions.InputValidationError: age groups: '5-9' overlaps '0-5' (age 5 ...
    """
    items = [s for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    if not [s for s in items if str(s).strip()]:
        raise InputValidationError(
            "no age groups given; write e.g. '0-5,6-12,13-15,16-18,19-64,65-79,80+'",
            location="age groups",
        )
    groups: list[AgeGroup] = []
    for raw in items:
        text = str(raw)
        match = _GROUP_RE.match(text)
        if not text.strip() or match is None:
            raise InputValidationError(
                f"cannot read {text.strip()!r}; write 'a-b' (both included), 'a' or 'a+', "
                "ages 0..100, separated by commas",
                location="age groups",
            )
        low = int(match.group(1))
        high: int | None
        if match.group(4):
            high = None
        elif match.group(3) is not None:
            high = int(match.group(3))
        else:
            high = low
        if low > OPEN_AGE or (high is not None and high > OPEN_AGE):
            raise InputValidationError(
                f"{text.strip()!r}: ages go from 0 to {OPEN_AGE} ({OPEN_AGE} means {OPEN_AGE}+)",
                location="age groups",
            )
        if high is not None and high < low:
            raise InputValidationError(
                f"{text.strip()!r}: the upper age {high} is below the lower age {low}",
                location="age groups",
            )
        group = AgeGroup(low, high)
        for other in groups:
            common = set(group.ages) & set(other.ages)
            if common:
                raise InputValidationError(
                    f"{group.label!r} overlaps {other.label!r} (age {min(common)} is in both); "
                    "groups must not overlap",
                    location="age groups",
                )
        groups.append(group)
    return tuple(groups)


SINGLE_YEAR_GROUPS: Final = (
    *(AgeGroup(a, a) for a in range(OPEN_AGE)), AgeGroup(OPEN_AGE, None),
)
#: SCB's five-year groups 0-4, 5-9, ..., 95-99 and 100+.
FIVE_YEAR_GROUPS: Final = (
    *(AgeGroup(a, a + 4) for a in range(0, OPEN_AGE, 5)), AgeGroup(OPEN_AGE, None),
)
#: Default Swedish planning groups: förskola 1-5, förskoleklass 6, grundskola 7-9/10-12/13-15,
#: gymnasieskola 16-18, young adults 19-24, working ages 25-64, elderly care 65-79/80-89/90+.
PLANNING_GROUPS_SPEC: Final = "0,1-5,6,7-9,10-12,13-15,16-18,19-24,25-64,65-79,80-89,90+"
PLANNING_GROUPS: Final = parse_age_groups(PLANNING_GROUPS_SPEC)


def _in_order_of(frame: pd.DataFrame, long: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sort ``frame`` by ``by``; scenarios and regions keep their order of appearance in
    ``long`` (the batch order), other columns sort naturally."""
    orders = {
        col: {v: i for i, v in enumerate(pd.unique(long[col]))}
        for col in ("scenario", "region") if col in by
    }

    def key(series: pd.Series) -> pd.Series:
        if series.name in orders:
            return series.map(orders[str(series.name)])
        return series

    return frame.sort_values(list(by), key=key, kind="stable").reset_index(drop=True)


def _check_long(long: pd.DataFrame) -> None:
    missing = [c for c in LONG_COLUMNS if c not in long.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; the tidy result has columns {list(LONG_COLUMNS)}",
            location="result table",
        )


def group_ages(
    long: pd.DataFrame,
    groups: Sequence[AgeGroup],
    *,
    variables: Iterable[str] = ("population",),
    with_total_sex: bool = True,
) -> pd.DataFrame:
    """Sum single ages into ``groups``.

    Returns columns ``scenario, region, year, sex, age_group, variable, value`` with
    ``age_group`` an ordered categorical in the order of ``groups``; if ``with_total_sex``,
    rows with ``sex == "total"`` (both sexes) are added. Units are those of the input
    (persons at 31 Dec for ``population``, persons per year for flows).

    >>> long = pd.DataFrame({"scenario": "s", "region": "2580", "year": 2025, "sex": "female",
    ...     "age": [0, 1, 2], "variable": "population", "value": [10.0, 20.0, 30.0]})
    >>> group_ages(long, parse_age_groups("0,1-5"), with_total_sex=False)["value"].tolist()
    [10.0, 50.0]
    """
    _check_long(long)
    variables = list(variables)
    data = long.loc[long["variable"].isin(variables)]
    age_to_label = {a: g.label for g in groups for a in g.ages}
    labels = [g.label for g in groups]
    data = data.assign(age_group=data["age"].map(age_to_label)).dropna(subset=["age_group"])
    out = (
        data.groupby(["scenario", "region", "year", "sex", "age_group", "variable"], sort=False)[
            "value"
        ]
        .sum()
        .reset_index()
    )
    if with_total_sex:
        both = (
            out.groupby(["scenario", "region", "year", "age_group", "variable"], sort=False)[
                "value"
            ]
            .sum()
            .reset_index()
            .assign(sex=TOTAL_SEX)
        )
        out = pd.concat([out, both], ignore_index=True)
    out["age_group"] = pd.Categorical(out["age_group"], categories=labels, ordered=True)
    out["sex"] = pd.Categorical(
        out["sex"], categories=["female", "male", TOTAL_SEX], ordered=True
    )
    out = _in_order_of(out, long, ["scenario", "region", "variable", "sex", "age_group", "year"])
    cols = ["scenario", "region", "year", "sex", "age_group", "variable", "value"]
    return out.loc[:, cols]


def wide_by_year(grouped: pd.DataFrame, label: str = "age_group") -> pd.DataFrame:
    """Lay a grouped table out the way SCB's commissioned forecasts are delivered.

    One row per scenario, region, variable, sex and age group, one column per year.
    """
    index = ["scenario", "region", "variable", "sex", label]
    wide = grouped.pivot_table(
        index=index, columns="year", values="value", aggfunc="sum", observed=True, sort=True
    )
    wide.columns = [int(c) for c in wide.columns]
    return _in_order_of(wide.reset_index(), grouped, index)


@dataclass(frozen=True)
class ServiceNeed:
    """A service used by one age group.

    ``coverage_rate`` is the share of the age group (persons at 31 Dec) using the service
    (places needed = population x coverage); ``cost_sek_per_user_year`` is the gross cost per
    user and year in SEK at the prices of ``price_year``.
    """

    key: str
    name_sv: str
    name_en: str
    age_group: AgeGroup
    coverage_rate: float
    cost_sek_per_user_year: float
    price_year: int

    def __post_init__(self) -> None:
        if not 0.0 <= self.coverage_rate <= 1.0:
            raise InputValidationError(
                f"coverage rate {self.coverage_rate!r}; allowed 0..1 (share of the age group)",
                location=f"service need {self.key}",
            )
        if not (np.isfinite(self.cost_sek_per_user_year) and self.cost_sek_per_user_year >= 0):
            raise InputValidationError(
                f"cost per user {self.cost_sek_per_user_year!r}; allowed: SEK per year >= 0",
                location=f"service need {self.key}",
            )


#: Price year of the example costs below.
EXAMPLE_PRICE_YEAR: Final = 2024
#: ILLUSTRATIVE, EDITABLE EXAMPLES, not official figures. Coverage rates and costs per user are
#: round numbers of the order seen in Swedish municipal statistics (Skolverket, Kolada) in
#: 2023-2024 prices; a budget team must replace them with its own figures.
EXAMPLE_SERVICE_NEEDS: Final = (
    ServiceNeed("forskola", "Förskola", "Preschool", AgeGroup(1, 5), 0.85, 170_000.0,
                EXAMPLE_PRICE_YEAR),
    ServiceNeed("forskoleklass", "Förskoleklass", "Preschool class", AgeGroup(6, 6), 0.98,
                75_000.0, EXAMPLE_PRICE_YEAR),
    ServiceNeed("grundskola", "Grundskola", "Compulsory school", AgeGroup(7, 15), 1.0,
                125_000.0, EXAMPLE_PRICE_YEAR),
    ServiceNeed("gymnasieskola", "Gymnasieskola", "Upper secondary school", AgeGroup(16, 18),
                0.9, 150_000.0, EXAMPLE_PRICE_YEAR),
    ServiceNeed("hemtjanst_80", "Hemtjänst 80+", "Home care 80+", AgeGroup(80, None), 0.2,
                300_000.0, EXAMPLE_PRICE_YEAR),
    ServiceNeed("sarskilt_boende_80", "Särskilt boende 80+", "Residential care 80+",
                AgeGroup(80, None), 0.1, 900_000.0, EXAMPLE_PRICE_YEAR),
)


def _population_total(long: pd.DataFrame) -> pd.DataFrame:
    """Population at 31 Dec by scenario, region, year and age, both sexes together."""
    pop = long.loc[long["variable"] == "population"]
    keys = ["scenario", "region", "year", "age"]
    return pop.groupby(keys, sort=True)["value"].sum().reset_index()


def service_needs(
    long: pd.DataFrame, needs: Sequence[ServiceNeed] = EXAMPLE_SERVICE_NEEDS
) -> pd.DataFrame:
    """Places needed and cost by year for each service.

    places = population of the age group at 31 Dec x coverage rate;
    cost (SEK, prices of the price year) = places x cost per user and year.

    Returns columns ``scenario, region, year, service, service_sv, age_group, population,
    coverage_rate, places, cost_sek_per_user_year, cost_sek, price_year``.
    """
    _check_long(long)
    pop = _population_total(long)
    frames = []
    for need in needs:
        in_group = pop.loc[pop["age"].isin(list(need.age_group.ages))]
        summed = in_group.groupby(list(KEYS), sort=True)["value"].sum().reset_index()
        summed = summed.rename(columns={"value": "population"})
        summed["service"] = need.key
        summed["service_sv"] = need.name_sv
        summed["age_group"] = need.age_group.label
        summed["coverage_rate"] = need.coverage_rate
        summed["places"] = summed["population"] * need.coverage_rate
        summed["cost_sek_per_user_year"] = need.cost_sek_per_user_year
        summed["cost_sek"] = summed["places"] * need.cost_sek_per_user_year
        summed["price_year"] = need.price_year
        frames.append(summed)
    cols = [
        "scenario", "region", "year", "service", "service_sv", "age_group", "population",
        "coverage_rate", "places", "cost_sek_per_user_year", "cost_sek", "price_year",
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    return _in_order_of(pd.concat(frames, ignore_index=True), long, list(KEYS)).loc[:, cols]


#: SCB's försörjningskvot: ages 0..19 and 65+ per person aged 20..64.
DEPENDENCY_WORKING_FIRST_AGE: Final = 20
DEPENDENCY_OLD_FIRST_AGE: Final = 65


def dependency_ratio_of_ages(pop_count_age: np.ndarray) -> np.ndarray:
    """Försörjningskvot along the last axis (ages 0..100, 100 = 100+), any leading axes:
    (persons 0-19 + persons 65+) / persons 20-64; NaN where nobody is 20-64.

    >>> pop = np.zeros(101); pop[[10, 30, 70]] = [30.0, 100.0, 45.0]
    >>> float(dependency_ratio_of_ages(pop))
    0.75
    """
    pop = np.asarray(pop_count_age, dtype=float)
    working = pop[..., DEPENDENCY_WORKING_FIRST_AGE:DEPENDENCY_OLD_FIRST_AGE].sum(axis=-1)
    young_old = (pop[..., :DEPENDENCY_WORKING_FIRST_AGE].sum(axis=-1)
                 + pop[..., DEPENDENCY_OLD_FIRST_AGE:].sum(axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: np.ndarray = np.where(working > 0, young_old / np.where(working > 0, working, 1.0),
                                     np.nan)
    return ratio


def dependency_ratio(long: pd.DataFrame) -> pd.DataFrame:
    """Försörjningskvot as SCB defines it: persons aged 0-19 plus persons aged 65 and over,
    divided by persons aged 20-64 (population at 31 Dec, both sexes); see
    :func:`dependency_ratio_of_ages` (the same figure from an array).

    A ratio of 0.75 means 75 persons in the young and old ages per 100 of working age.
    Returns columns ``scenario, region, year, dependency_ratio``.

    >>> long = pd.DataFrame({"scenario": "s", "region": "r", "year": 2025, "sex": "male",
    ...     "age": [10, 30, 70], "variable": "population", "value": [30.0, 100.0, 45.0]})
    >>> float(dependency_ratio(long)["dependency_ratio"].iloc[0])
    0.75
    """
    _check_long(long)
    pop = _population_total(long)
    wide = pop.pivot_table(index=list(KEYS), columns="age", values="value", aggfunc="sum",
                           sort=True).reindex(columns=range(OPEN_AGE + 1), fill_value=0.0)
    ratio = dependency_ratio_of_ages(wide.fillna(0.0).to_numpy())
    return wide.index.to_frame(index=False).assign(dependency_ratio=ratio)


def mean_age(long: pd.DataFrame) -> pd.DataFrame:
    """Mean age (medelålder) of the population at 31 Dec, both sexes, in years.

    Completed age *a* counts as *a* + 0.5 (persons are on average half a year past their last
    birthday); the open group 100+ counts as 100.5. Returns ``scenario, region, year,
    mean_age_years``.

    >>> long = pd.DataFrame({"scenario": "s", "region": "r", "year": 2025, "sex": "female",
    ...     "age": [0, 10], "variable": "population", "value": [1.0, 3.0]})
    >>> float(mean_age(long)["mean_age_years"].iloc[0])
    8.0
    """
    _check_long(long)
    pop = _population_total(long)
    weighted = pop.assign(w=pop["value"] * (pop["age"] + 0.5))
    sums = weighted.groupby(list(KEYS), sort=True)[["w", "value"]].sum().reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sums["w"].to_numpy() / sums["value"].to_numpy()
    return sums.loc[:, list(KEYS)].assign(mean_age_years=mean)


SUMMARY_COLUMNS: Final = (
    "population", "births", "deaths", "natural_increase", "in_migrants", "immigrants",
    "out_migrants", "emigrants", "net_migration", "change",
)
#: Swedish column labels for summaries and exports (SCB's terms).
SWEDISH_LABELS: Final = {
    "scenario": "Scenario",
    "region": "Region",
    "year": "År",
    "sex": "Kön",
    "age": "Ålder",
    "age_group": "Åldersgrupp",
    "variable": "Variabel",
    "value": "Värde",
    "population": "Folkmängd 31 dec",
    "births": "Födda",
    "deaths": "Döda",
    "natural_increase": "Födelseöverskott",
    "in_migrants": "Inflyttade (inrikes)",
    "immigrants": "Invandrade",
    "out_migrants": "Utflyttade (inrikes)",
    "emigrants": "Utvandrade",
    "net_migrants": "Flyttnetto (nettomigration)",
    "net_migration": "Flyttnetto",
    "change": "Folkökning",
    "dependency_ratio": "Försörjningskvot",
    "mean_age_years": "Medelålder (år)",
    "female": "Kvinnor",
    "male": "Män",
    TOTAL_SEX: "Totalt",
    "service_sv": "Verksamhet",
    "service": "Kod",
    "coverage_rate": "Täckningsgrad",
    "places": "Platser (behov)",
    "cost_sek_per_user_year": "Kostnad per plats och år (kr)",
    "cost_sek": "Kostnad (kr)",
    "price_year": "Prisår",
    "official": "Jämförelseprognos",
    "unit": "Enhet",
    "scenario_value": "Scenario (värde)",
    "official_value": "Jämförelseprognos (värde)",
    "abs_diff": "Skillnad",
    "rel_diff": "Relativ skillnad",
}


def summary_table(long: pd.DataFrame) -> pd.DataFrame:
    """Components of change per scenario, region and year (both sexes, all ages).

    ``population`` is the stock at 31 Dec; the flows are persons during the calendar year;
    ``natural_increase`` = births - deaths; ``net_migration`` = in-migrants + immigrants -
    out-migrants - emigrants (or the net migrants in net mode); ``change`` = population minus
    the population at 31 Dec of the year before. The base year has the population only (its
    flows are not part of the projection, shown as missing).
    """
    _check_long(long)
    totals = long.pivot_table(
        index=list(KEYS), columns="variable", values="value", aggfunc="sum", sort=True
    )
    totals.columns = [str(c) for c in totals.columns]
    for var in ("population", *FLOW_VARIABLES, "net_migrants"):
        if var not in totals.columns:
            totals[var] = np.nan
    totals = _in_order_of(totals.reset_index(), long, list(KEYS))
    base_rows = totals.groupby(["scenario", "region"], sort=False)["year"].transform("min")
    is_base = totals["year"] == base_rows
    for var in (*FLOW_VARIABLES, "net_migrants"):
        totals[var] = totals[var].where(~is_base, np.nan)
    totals["natural_increase"] = totals["births"] - totals["deaths"]
    net = pd.Series(0.0, index=totals.index)
    for var, sign in (
        ("in_migrants", 1), ("immigrants", 1), ("out_migrants", -1), ("emigrants", -1),
        ("net_migrants", 1),
    ):
        net = net + sign * totals[var].fillna(0.0)
    totals["net_migration"] = net.where(~is_base, np.nan)
    totals["change"] = totals.groupby(["scenario", "region"], sort=False)["population"].diff()
    return totals.loc[:, [*KEYS, *SUMMARY_COLUMNS]]
