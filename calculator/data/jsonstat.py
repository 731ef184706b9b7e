"""Decode JSON-stat 2.0 answers of SCB's PxWebApi 2.0 and map them to the calculator's grid.

:func:`decode` turns one JSON-stat 2.0 dataset into a :class:`JsonStatDataset`: dimensions
with their category codes in the order given by the ``category.index`` *numbers* (SCB's
answers list keys in an order that is not the data order, e.g. ``"1060": 90`` before
``"0114": 0``), the value array (``null`` -> NaN) and the per-cell status (``".."`` = not
available). :meth:`JsonStatDataset.to_frame` gives a tidy frame, one row per cell.

:func:`scb_long` maps SCB codes to the grid of :mod:`calculator.grid` (region code strings,
``Kon`` 1 -> male, 2 -> female, ``Alder`` ``"0"``..``"99"`` and ``"100+"``/``"100+1"`` ->
0..100, totals kept apart, age groups left out) and the builders :func:`population_frame`,
:func:`births_frame`, :func:`deaths_frame`, :func:`migration_frame` return the tidy frames of
:mod:`calculator.data.frames`. Conventions: stocks at 31 December, flows per calendar year,
age = age reached during the year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from calculator.data.frames import validate_frame
from calculator.data.scb_tables import (
    AGE_TOTAL_CODES,
    CONTENTS_VAR,
    MOTHER_AGE_HIGH_CODES,
    MOTHER_AGE_LOW_CODES,
    OPEN_AGE_CODES,
    SEX_TOTAL_CODES,
    TIME_VAR,
    TableSpec,
)
from calculator.exceptions import ScbApiError
from calculator.grid import FERTILE_AGE_MAX, FERTILE_AGE_MIN, OPEN_AGE, SCB_SEX_CODES

#: Status code SCB uses for a value that is not available / suppressed.
STATUS_NOT_AVAILABLE: Final = ".."
#: Columns of the long frame returned by :func:`scb_long`.
LONG_COLUMNS: Final = ("year", "region", "sex", "age", "age_kind", "measure", "value", "status")


@dataclass(frozen=True)
class Dimension:
    """One JSON-stat dimension: ``codes`` in data order, their labels and SCB's extension."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str]
    extension: dict[str, Any] = field(default_factory=dict)

    def alternative_text(self, code: str) -> str:
        """SCB's longer text of a content code (``extension.alternativeText``) or its label."""
        alt = self.extension.get("alternativeText")
        if isinstance(alt, Mapping) and alt.get(code):
            return str(alt[code])
        return self.labels.get(code, code)


@dataclass(frozen=True)
class JsonStatDataset:
    """A decoded JSON-stat 2.0 dataset (values in row-major order of ``dimensions``)."""

    label: str
    source: str
    updated: str
    dimensions: tuple[Dimension, ...]
    values: np.ndarray
    status: tuple[str | None, ...]
    notes: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        """Dimension ids in data order."""
        return tuple(d.id for d in self.dimensions)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of categories of each dimension."""
        return tuple(len(d.codes) for d in self.dimensions)

    def dimension(self, dim_id: str) -> Dimension:
        """The dimension called ``dim_id`` (error lists the ones present)."""
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(f"dimension {dim_id!r} not in dataset; present: {list(self.ids)}")

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one column per dimension (codes as strings), ``value``, ``status``.

        >>> doc = {"version": "2.0", "class": "dataset", "id": ["Region", "Tid"],
        ...        "size": [2, 1], "value": [1.0, None], "status": {"1": ".."},
        ...        "dimension": {"Region": {"category": {"index": {"01": 1, "00": 0}}},
        ...                      "Tid": {"category": {"index": {"2024": 0}}}}}
        >>> frame = decode(doc).to_frame()
        >>> frame["Region"].tolist(), frame["value"].tolist(), frame["status"].tolist()
        (['00', '01'], [1.0, nan], [None, '..'])
        """
        if not self.dimensions:
            frame = pd.DataFrame(index=range(len(self.values)))
        else:
            index = pd.MultiIndex.from_product(
                [list(d.codes) for d in self.dimensions], names=list(self.ids)
            )
            frame = index.to_frame(index=False)
            for dim_id in self.ids:
                frame[dim_id] = frame[dim_id].astype(object).astype(str)
        frame["value"] = self.values
        frame["status"] = pd.Series(list(self.status), dtype=object)
        return frame


def _fail(message: str, source: str) -> ScbApiError:
    return ScbApiError(f"{source}: not a valid JSON-stat 2.0 dataset: {message}")


def _category_codes(dim_id: str, dim: Mapping[str, Any], size: int, source: str) -> list[str]:
    category = dim.get("category")
    if not isinstance(category, Mapping):
        raise _fail(f"dimension {dim_id!r} has no 'category'", source)
    index = category.get("index")
    if index is None:
        labels = category.get("label")
        if isinstance(labels, Mapping) and len(labels) == 1:
            return [str(next(iter(labels)))]
        raise _fail(f"dimension {dim_id!r} has no category.index", source)
    if isinstance(index, list):
        codes = [str(code) for code in index]
    elif isinstance(index, Mapping):
        positions = sorted(index.items(), key=lambda item: int(item[1]))
        if [int(pos) for _, pos in positions] != list(range(len(positions))):
            raise _fail(
                f"dimension {dim_id!r}: category.index positions are not 0..{len(index) - 1}",
                source,
            )
        codes = [str(code) for code, _ in positions]
    else:
        raise _fail(f"dimension {dim_id!r}: category.index must be an object or array", source)
    if len(codes) != size:
        raise _fail(
            f"dimension {dim_id!r} has {len(codes)} categories but size says {size}", source
        )
    return codes


def _status(raw: object, n: int, source: str) -> tuple[str | None, ...]:
    if raw is None:
        return (None,) * n
    if isinstance(raw, str):
        return (raw,) * n
    if isinstance(raw, list):
        if len(raw) == 1:
            return (None if raw[0] is None else str(raw[0]),) * n
        if len(raw) != n:
            raise _fail(f"status has {len(raw)} entries for {n} values", source)
        return tuple(None if s is None else str(s) for s in raw)
    if isinstance(raw, Mapping):
        out: list[str | None] = [None] * n
        for key, value in raw.items():
            pos = int(key)
            if not 0 <= pos < n:
                raise _fail(f"status index {key} outside 0..{n - 1}", source)
            out[pos] = None if value is None else str(value)
        return tuple(out)
    raise _fail("status must be a string, array or object", source)


def _values(raw: object, n: int, source: str) -> np.ndarray:
    if isinstance(raw, Mapping):
        out = np.full(n, np.nan)
        for key, value in raw.items():
            pos = int(key)
            if not 0 <= pos < n:
                raise _fail(f"value index {key} outside 0..{n - 1}", source)
            out[pos] = np.nan if value is None else float(value)
        return out
    if not isinstance(raw, list):
        raise _fail("'value' must be an array or object", source)
    if len(raw) != n:
        raise _fail(f"'value' has {len(raw)} entries but the sizes multiply to {n}", source)
    try:
        return np.array([np.nan if v is None else float(v) for v in raw], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _fail(f"non-numeric entry in 'value' ({exc})", source) from exc


def decode(doc: Mapping[str, Any], *, source: str = "SCB answer") -> JsonStatDataset:
    """Decode a JSON-stat 2.0 dataset (also accepts a collector envelope ``{"response": ...}``).

    Raises :class:`ScbApiError` naming ``source`` and what is wrong when the document is not
    a well-formed dataset (sizes that do not match the value array, missing dimensions...).

    >>> ds = decode({"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [2],
    ...              "dimension": {"Tid": {"category": {"index": {"2024": 1, "2023": 0}}}},
    ...              "value": [5, 6]})
    >>> ds.dimensions[0].codes, ds.values.tolist()
    (('2023', '2024'), [5.0, 6.0])
    """
    if not isinstance(doc, Mapping):
        raise _fail("the answer is not a JSON object", source)
    if "dimension" not in doc and isinstance(doc.get("response"), Mapping):
        doc = doc["response"]
    if doc.get("class", "dataset") != "dataset":
        raise _fail(f"class is {doc.get('class')!r}, expected 'dataset'", source)
    ids = doc.get("id")
    sizes = doc.get("size")
    dims = doc.get("dimension")
    if not isinstance(ids, list) or not isinstance(sizes, list) or not isinstance(dims, Mapping):
        raise _fail("'id', 'size' and 'dimension' are required", source)
    if len(ids) != len(sizes):
        raise _fail(f"'id' has {len(ids)} entries but 'size' has {len(sizes)}", source)
    dimensions = []
    for dim_id, size in zip(ids, sizes, strict=True):
        dim = dims.get(dim_id)
        if not isinstance(dim, Mapping):
            raise _fail(f"dimension {dim_id!r} listed in 'id' is missing", source)
        codes = _category_codes(dim_id, dim, int(size), source)
        raw_labels = dim["category"].get("label") or {}
        labels = {str(k): str(v) for k, v in raw_labels.items()}
        extension = dim.get("extension") if isinstance(dim.get("extension"), Mapping) else {}
        dimensions.append(
            Dimension(
                id=str(dim_id),
                label=str(dim.get("label", dim_id)),
                codes=tuple(codes),
                labels=labels,
                extension=dict(extension or {}),
            )
        )
    n = math.prod(int(s) for s in sizes)
    values = _values(doc.get("value"), n, source)
    status = _status(doc.get("status"), n, source)
    notes = doc.get("note") or ()
    return JsonStatDataset(
        label=str(doc.get("label", "")),
        source=str(doc.get("source", "")),
        updated=str(doc.get("updated", "")),
        dimensions=tuple(dimensions),
        values=values,
        status=status,
        notes=tuple(str(n_) for n_ in notes) if isinstance(notes, list) else (),
    )


# --------------------------------------------------------------------------------------
# SCB codes -> grid


def age_code(code: str, *, mother: bool = False) -> tuple[int | None, str]:
    """Map an SCB age code to ``(age, kind)``; kind is ``"single"``, ``"total"`` or ``"other"``.

    Open groups ``100+``/``100+1`` map to 100; totals (``tot``, ``TOT1``...) are ``"total"``;
    age groups (``5-9``, ``100+5``...) are ``"other"``. For a mother's age (``mother=True``)
    ``-14`` counts at 15 and ``49+`` at 49 (the frame schema's convention).

    >>> age_code("100+1"), age_code("tot"), age_code("5-9"), age_code("-14", mother=True)
    ((100, 'single'), (None, 'total'), (None, 'other'), (15, 'single'))
    """
    text = str(code).strip()
    if text in AGE_TOTAL_CODES or text.lower().startswith("tot"):
        return None, "total"
    if mother:
        if text in MOTHER_AGE_LOW_CODES:
            return FERTILE_AGE_MIN, "single"
        if text in MOTHER_AGE_HIGH_CODES:
            return FERTILE_AGE_MAX, "single"
    if text in OPEN_AGE_CODES:
        return OPEN_AGE, "single"
    if text.isdigit():
        value = int(text)
        if 0 <= value <= OPEN_AGE:
            return value, "single"
    return None, "other"


def sex_code(code: str) -> str | None:
    """``"male"``/``"female"`` for SCB's 1/2, ``"total"`` for a total code, else ``None``.

    >>> sex_code("1"), sex_code("2"), sex_code("TotSa"), sex_code("9")
    ('male', 'female', 'total', None)
    """
    text = str(code).strip()
    if text in SCB_SEX_CODES:
        return SCB_SEX_CODES[text]
    if text in SEX_TOTAL_CODES:
        return "total"
    return None


def content_measures(dataset: JsonStatDataset, spec: TableSpec) -> dict[str, str]:
    """Map the dataset's content codes to measure names using ``spec``.

    Known codes (``spec.contents``) first; otherwise the content label (or SCB's alternative
    text) is matched against ``spec.content_labels`` fragments, in order. A dataset with a
    single content and a spec with a single measure maps that content. Unrecognised contents
    are left out; two contents mapping to the same measure raise :class:`ScbApiError`.
    """
    if CONTENTS_VAR not in dataset.ids:
        measures = set(spec.contents.values()) | set(spec.content_labels.values())
        if len(measures) == 1:
            return {"": next(iter(measures))}
        raise ScbApiError(f"table {spec.key}: the answer has no {CONTENTS_VAR} dimension")
    dim = dataset.dimension(CONTENTS_VAR)
    out: dict[str, str] = {}
    for code in dim.codes:
        if code in spec.contents:
            out[code] = spec.contents[code]
            continue
        texts = f"{dim.labels.get(code, '')} | {dim.alternative_text(code)}".lower()
        for fragment, measure in spec.content_labels.items():
            if fragment in texts:
                out[code] = measure
                break
    measures = set(spec.contents.values()) | set(spec.content_labels.values())
    if not out and len(dim.codes) == 1 and len(measures) == 1:
        out[dim.codes[0]] = next(iter(measures))
    seen: dict[str, str] = {}
    for code, measure in out.items():
        if measure in seen:
            raise ScbApiError(
                f"table {spec.key}: contents {seen[measure]!r} and {code!r} both look like "
                f"{measure!r}; set the content codes in calculator/data/scb_tables.py"
            )
        seen[measure] = code
    return out


def scb_long(dataset: JsonStatDataset, spec: TableSpec, *, source: str = "") -> pd.DataFrame:
    """Map a decoded SCB dataset to a long frame on our grid.

    Columns ``year, region, sex, age, age_kind, measure, value, status``: ``sex`` is
    ``female``/``male``/``total``; ``age`` is 0..100 (``-1`` for a total); ``age_kind``
    ``single``/``total``. Age groups, unknown sexes and contents not in ``spec`` are left
    out. Region is the SCB code string (``"00"`` for Sweden when the table has no region).
    """
    where = source or f"table {spec.key}"
    frame = dataset.to_frame()
    if TIME_VAR not in frame.columns:
        raise ScbApiError(f"{where}: the answer has no {TIME_VAR} dimension")
    measures = content_measures(dataset, spec)
    if not measures:
        dim = dataset.dimension(CONTENTS_VAR)
        found = {c: dim.alternative_text(c) for c in dim.codes}
        raise ScbApiError(
            f"{where}: none of the contents {found} is one of "
            f"{sorted(set(spec.contents) | set(spec.content_labels))}"
        )
    content_col = (
        frame[CONTENTS_VAR] if CONTENTS_VAR in frame.columns else pd.Series("", index=frame.index)
    )
    measure = content_col.map(measures)
    keep = measure.notna()
    if spec.region_var and spec.region_var in frame.columns:
        region = frame[spec.region_var]
    elif spec.region_var and spec.region_var not in frame.columns:
        raise ScbApiError(f"{where}: the answer has no {spec.region_var} dimension")
    else:
        region = pd.Series("00", index=frame.index)
    mother = spec.age_var == "AlderModer"
    if spec.age_var:
        if spec.age_var not in frame.columns:
            raise ScbApiError(
                f"{where}: the answer has no {spec.age_var} dimension (has {list(dataset.ids)})"
            )
        mapped = {code: age_code(code, mother=mother) for code in frame[spec.age_var].unique()}
        ages = frame[spec.age_var].map(lambda c: mapped[c][0])
        kinds = frame[spec.age_var].map(lambda c: mapped[c][1])
    else:
        ages = pd.Series(None, index=frame.index, dtype=object)
        kinds = pd.Series("total", index=frame.index)
    if spec.sex_var and spec.sex_var in frame.columns:
        sexes = frame[spec.sex_var].map(sex_code)
    else:
        sexes = pd.Series("total", index=frame.index)
    keep &= kinds.isin(["single", "total"]) & sexes.notna()
    years = pd.to_numeric(frame[TIME_VAR].str.slice(0, 4), errors="coerce")
    keep &= years.notna()
    out = pd.DataFrame(
        {
            "year": years[keep].astype(np.int64),
            "region": region[keep].astype(str),
            "sex": sexes[keep].astype(str),
            "age": ages[keep].fillna(-1).astype(np.int64),
            "age_kind": kinds[keep].astype(str),
            "measure": measure[keep].astype(str),
            "value": frame["value"][keep].astype(np.float64),
            "status": frame["status"][keep],
        }
    )
    return out.reset_index(drop=True)


def _single(long: pd.DataFrame, measures: Sequence[str]) -> pd.DataFrame:
    part = long[
        (long["age_kind"] == "single")
        & long["sex"].isin(["female", "male"])
        & long["measure"].isin(list(measures))
        & long["value"].notna()
    ]
    return part


def population_frame(long: pd.DataFrame, *, source: str = "SCB population") -> pd.DataFrame:
    """Population frame (31 Dec stock by completed age) from :func:`scb_long` output."""
    part = _single(long, ["population"])
    frame = part.rename(columns={"value": "population"})
    frame = frame.groupby(["year", "region", "sex", "age"], as_index=False).agg(
        population=("population", "sum")
    )
    return validate_frame("population", frame, source=source)


def births_frame(long: pd.DataFrame, *, source: str = "SCB births") -> pd.DataFrame:
    """Births frame (mother's age reached 15..49, 15 holds <15, 49 holds 49+; child's sex).

    Mother's ages outside 15..49 that SCB publishes as single years are added to 15/49.
    """
    part = _single(long, ["births"])
    mother_age = part["age"].clip(FERTILE_AGE_MIN, FERTILE_AGE_MAX)
    frame = pd.DataFrame(
        {
            "year": part["year"],
            "region": part["region"],
            "mother_age": mother_age,
            "child_sex": part["sex"],
            "births": part["value"],
        }
    )
    keys = ["year", "region", "mother_age", "child_sex"]
    frame = frame.groupby(keys, as_index=False).agg(births=("births", "sum"))
    return validate_frame("births", frame, source=source)


def deaths_frame(long: pd.DataFrame, *, source: str = "SCB deaths") -> pd.DataFrame:
    """Deaths frame (age reached during the year) from :func:`scb_long` output."""
    part = _single(long, ["deaths"]).rename(columns={"value": "deaths"})
    frame = part.groupby(["year", "region", "sex", "age"], as_index=False).agg(
        deaths=("deaths", "sum")
    )
    return validate_frame("deaths", frame, source=source)


MIGRATION_MEASURES: Final = ("immigrants", "emigrants", "in_migrants", "out_migrants")


def migration_frame(long: pd.DataFrame, *, source: str = "SCB migration") -> pd.DataFrame:
    """Migration frame (four flows by age reached during the year) from :func:`scb_long`.

    Raises :class:`ScbApiError` naming the flows that are missing from the answer.
    """
    part = _single(long, MIGRATION_MEASURES)
    missing = [m for m in MIGRATION_MEASURES if m not in set(part["measure"])]
    if missing:
        raise ScbApiError(f"{source}: flows {missing} are missing from SCB's answer")
    wide = part.pivot_table(
        index=["year", "region", "sex", "age"], columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    wide.columns.name = None
    wide = wide.dropna(subset=list(MIGRATION_MEASURES))
    return validate_frame("migration", wide, source=source)


def totals_frame(long: pd.DataFrame) -> pd.DataFrame:
    """Totals as published (all ages and/or both sexes): ``year, region, sex, measure, value``.

    From 2025 SCB's Cell Key Method makes sums of cells differ from published totals; use
    these when a total is needed.
    """
    part = long[(long["age_kind"] == "total") & long["value"].notna()]
    return part.loc[:, ["year", "region", "sex", "measure", "value"]].reset_index(drop=True)


def tfr_frame(long: pd.DataFrame) -> pd.DataFrame:
    """TFR by year and region (``tfr_children_per_woman``; NaN where SCB shows ``..``)."""
    part = long[long["measure"] == "tfr_children_per_woman"]
    frame = part.loc[:, ["year", "region", "value", "status"]].rename(
        columns={"value": "tfr_children_per_woman"}
    )
    return frame.sort_values(["region", "year"]).reset_index(drop=True)


def decode_many(
    docs: Sequence[Mapping[str, Any]], spec: TableSpec, *, source: str = ""
) -> pd.DataFrame:
    """:func:`scb_long` over several answers (e.g. the parts of a split request)."""
    parts = [scb_long(decode(doc, source=source or spec.key), spec, source=source) for doc in docs]
    if not parts:
        return pd.DataFrame({c: [] for c in LONG_COLUMNS})
    return pd.concat(parts, ignore_index=True)
