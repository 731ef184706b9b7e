"""Schemas of the tidy observation frames that loaders and SCB's API client produce.

Every source of observed data (the embedded dataset, SCB's PxWebApi, a user's upload) yields
pandas DataFrames with exactly these columns, so rate estimation does not care where the
figures came from. ``region`` is an SCB region code as a string (``"00"`` Sweden, two digits
a county, four digits a municipality); ``sex`` is ``"female"``/``"male"``; ``age`` is an int
0..100 where 100 means 100+.

=============  ===============================================  ==============================
frame          columns                                          conventions
=============  ===============================================  ==============================
population     year, region, sex, age, population               31 Dec stock, completed age
births         year, region, mother_age, child_sex, births      mother's age reached during
                                                                the year, 15..49 (15 holds
                                                                <15, 49 holds 49+)
deaths         year, region, sex, age, deaths                   age reached during the year
migration      year, region, sex, age, immigrants, emigrants,   counts per calendar year, age
               in_migrants, out_migrants                        reached during the year;
                                                                in/out are domestic moves
=============  ===============================================  ==============================
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from calculator.exceptions import InputValidationError
from calculator.grid import FERTILE_AGE_MAX, FERTILE_AGE_MIN, OPEN_AGE, SEXES

FRAME_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "population": ("year", "region", "sex", "age", "population"),
    "births": ("year", "region", "mother_age", "child_sex", "births"),
    "deaths": ("year", "region", "sex", "age", "deaths"),
    "migration": (
        "year", "region", "sex", "age", "immigrants", "emigrants", "in_migrants", "out_migrants",
    ),
}
_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "population": ("year", "region", "sex", "age"),
    "births": ("year", "region", "mother_age", "child_sex"),
    "deaths": ("year", "region", "sex", "age"),
    "migration": ("year", "region", "sex", "age"),
}


def validate_frame(kind: str, frame: pd.DataFrame, *, source: str = "frame") -> pd.DataFrame:
    """Check a tidy frame against its schema and return it with canonical dtypes.

    Raises :class:`InputValidationError` naming ``source``, the column and the first bad row.

    >>> df = pd.DataFrame({"year": [2024], "region": ["2580"], "sex": ["female"],
    ...                    "age": [0], "population": [300.0]})
    >>> validate_frame("population", df)["region"].tolist()
    ['2580']
    """
    if kind not in FRAME_COLUMNS:
        raise InputValidationError(f"unknown frame kind {kind!r}; allowed: {sorted(FRAME_COLUMNS)}")
    columns = FRAME_COLUMNS[kind]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; a {kind} frame has columns {list(columns)}",
            location=source,
        )
    out = frame.loc[:, list(columns)].copy()
    out["region"] = out["region"].astype(str)
    for col in ("year", "age", "mother_age"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="raise").astype(np.int64)
    for col in ("sex", "child_sex"):
        if col in out.columns:
            bad = ~out[col].isin(SEXES)
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputValidationError(
                    f"row {row}: {col} = {out[col].iloc[row]!r}; allowed: {', '.join(SEXES)}",
                    location=f"{source}, column {col}",
                )
    if "age" in out.columns:
        bad = (out["age"] < 0) | (out["age"] > OPEN_AGE)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"row {row}: age {out['age'].iloc[row]}; allowed 0..{OPEN_AGE}",
                location=f"{source}, column age",
            )
    if "mother_age" in out.columns:
        bad = (out["mother_age"] < FERTILE_AGE_MIN) | (out["mother_age"] > FERTILE_AGE_MAX)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"row {row}: mother_age {out['mother_age'].iloc[row]}; allowed "
                f"{FERTILE_AGE_MIN}..{FERTILE_AGE_MAX}",
                location=f"{source}, column mother_age",
            )
    for col in columns[len(_KEYS[kind]):]:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputValidationError(
                f"row {row}: {col} = {out[col].iloc[row]!r}; allowed: a count >= 0",
                location=f"{source}, column {col}",
            )
        out[col] = values.astype(np.float64)
    dup = out.duplicated(list(_KEYS[kind]))
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputValidationError(
            f"row {row}: duplicate key {out.loc[out.index[row], list(_KEYS[kind])].tolist()}",
            location=source,
        )
    return out.reset_index(drop=True)
