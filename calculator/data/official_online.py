"""SCB's official population projections fetched through the PxWebApi 2.0 client.

Same tidy format as :func:`calculator.data.official.load_official_population`: columns
``vintage, region, year, sex, age, population`` (projected population on 31 December by sex
and completed age, 100 = 100+, persons with decimals as published).

* :func:`fetch_regional_projection` reads SCB's regional projection (v1
  ``BE0401/BE0401A/BefProgOsiktRegN``, content ``000005RC``, ``InrikesUtrikes=83`` = born in
  Sweden and abroad); the v2 id is looked up at run time (``GET /tables?query=``) unless the
  user overrides it (``--table regional_projection=TABxxxx``).
* :func:`fetch_national_projection` reads the national projection (v1 ``BE0401``,
  ``BefolkprognRevNb``: population by age and sex, no region variable) and labels it
  region ``"00"``. Contents that are *mean* population (medelfolkmängd) are never taken for
  the 31-December population.

The vintage label is the year of the table's ``updated`` date (JSON-stat ``updated`` in the
metadata, else the search hit's ``updated``); when SCB gives neither, the first projected
year (SCB publishes a projection in the spring of its first projected year, e.g. the
regional 2024 projection starts in 2024, as in :mod:`calculator.data.official`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from calculator.data import jsonstat
from calculator.data import scb_tables as tables
from calculator.data.fetch import _selection
from calculator.data.official import POPULATION_COLUMNS
from calculator.data.pxweb import PxWebClient
from calculator.data.scb_tables import TableSpec
from calculator.exceptions import ScbApiError


def vintage_label(updated: str | None, years: list[int]) -> str:
    """Vintage of a projection: the year of ``updated`` if given, else the first year.

    >>> vintage_label("2024-05-30T06:00:00Z", [2024, 2025]), vintage_label("", [2024, 2025])
    ('2024', '2024')
    """
    match = re.match(r"^\s*(\d{4})", updated or "")
    if match:
        return match.group(1)
    if not years:
        raise ScbApiError("SCB's projection answer holds no years")
    return str(min(years))


def population_contents(metadata: Mapping[str, Any]) -> dict[str, str]:
    """Content codes of the 31-December population (``folkmängd``, not ``medelfolkmängd``).

    >>> meta = {"dimension": {"ContentsCode": {"category": {"label": {
    ...     "A": "Medelfolkmängd", "B": "Folkmängd 31 december"}}}}}
    >>> population_contents(meta)
    {'B': 'population'}
    """
    dim = metadata.get("dimension", {}).get(tables.CONTENTS_VAR, {})
    labels: dict[str, str] = dim.get("category", {}).get("label", {}) or {}
    out = {
        code: "population"
        for code, label in labels.items()
        if "folkmängd" in label.lower() and "medel" not in label.lower()
    }
    return out


def _updated(client: PxWebClient, spec: TableSpec, table_id: str,
             metadata: Mapping[str, Any]) -> str | None:
    value = metadata.get("updated")
    if value:
        return str(value)
    if spec.search_query and not client.offline:
        for hit in client.search_tables(spec.search_query):
            if hit.get("id") == table_id and hit.get("updated"):
                return str(hit["updated"])
    return None


def _fetch(client: PxWebClient, spec: TableSpec, region: str, *,
           vintage: str | None) -> pd.DataFrame:
    table_id, _how = client.resolve_table(spec)
    metadata = client.metadata(table_id)
    contents = dict(spec.contents) or population_contents(metadata)
    if not contents:
        labels = metadata.get("dimension", {}).get(tables.CONTENTS_VAR, {})
        found = labels.get("category", {}).get("label", {})
        raise ScbApiError(
            f"SCB table {table_id} ({spec.description}) publishes no population on 31 "
            f"December (contents: {found}); give another table with --table {spec.key}=TABxxxx"
        )
    spec = dataclasses.replace(spec, contents=contents, content_labels={})
    selection = _selection(spec, region, None)
    answers = client.data(table_id, selection, label=spec.description)
    source = f"SCB table {table_id} ({spec.key})"
    long = jsonstat.decode_many(answers, spec, source=source)
    if not spec.region_var:
        long = long.assign(region=region)
    frame = jsonstat.population_frame(long, source=source)
    label = vintage or vintage_label(_updated(client, spec, table_id, metadata),
                                     sorted({int(y) for y in frame["year"]}))
    frame.insert(0, "vintage", label)
    out = frame.loc[:, list(POPULATION_COLUMNS)]
    return out.sort_values(["year", "sex", "age"], kind="stable").reset_index(drop=True)


def fetch_regional_projection(
    region: str, client: PxWebClient | None = None, *, vintage: str | None = None
) -> pd.DataFrame:
    """SCB's regional projection of ``region`` (county or municipality code) through SCB's API.

    Columns ``vintage, region, year, sex, age, population``; raises :class:`ScbApiError` when
    the table cannot be found or read.
    """
    region = str(region).strip()
    if tables.region_level(region) == "country":
        raise ScbApiError("the regional projection has no Sweden row; use "
                          "fetch_national_projection")
    return _fetch(client or PxWebClient(), tables.REGIONAL_PROJECTION, region, vintage=vintage)


def fetch_national_projection(
    client: PxWebClient | None = None, *, vintage: str | None = None
) -> pd.DataFrame:
    """SCB's latest national projection (population by age and sex, region ``"00"``)."""
    return _fetch(client or PxWebClient(), tables.NATIONAL_PROJECTION, "00", vintage=vintage)
