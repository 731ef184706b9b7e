"""The age-sex grid every array in the model uses.

Axis order of every state or component array: ``(scenario, region, [year,] sex, age)``.

* age: single years 0..100, where 100 is the open group "100+" (``OPEN_AGE``). For stocks it
  is completed age on 31 December; for flows in year *t* it is age reached during *t*
  (= *t* - birth year), which equals the completed age on 31 December of *t*. So a flow at
  age *a* in year *t* belongs to the cohort that is aged *a* in the stock at the end of *t*.
* sex: index 0 = female, 1 = male (``SEXES``). SCB's codes are 2 = women, 1 = men; map them
  with ``sex_from_scb_code``.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

N_AGES: Final = 101
OPEN_AGE: Final = 100
AGES: Final = np.arange(N_AGES)
SEXES: Final = ("female", "male")
N_SEXES: Final = 2
FEMALE: Final = 0
MALE: Final = 1
AGE_LABELS: Final = tuple([str(a) for a in range(OPEN_AGE)] + [f"{OPEN_AGE}+"])

#: Reproductive ages used for fertility rates (mother's age reached during the year).
FERTILE_AGE_MIN: Final = 15
FERTILE_AGE_MAX: Final = 49

SCB_SEX_CODES: Final = {"1": "male", "2": "female"}

#: The one vocabulary for sex in user files (case-insensitive): English and Swedish words,
#: their one-letter forms, and SCB's ``Kon`` codes (1 = men, 2 = women; PXWEBAPI.md).
SEX_WORDS: Final = {
    "female": "female", "f": "female", "women": "female",
    "kvinnor": "female", "kvinna": "female", "k": "female",
    "male": "male", "men": "male", "man": "male", "m": "male", "män": "male",
    **SCB_SEX_CODES,
}
#: How :data:`SEX_WORDS` is described in error messages.
SEX_ALLOWED_TEXT: Final = "female/male, kvinnor/män, k/m, or SCB codes 2 (women) / 1 (men)"

#: First reference year of SCB's Cell Key Method: from 2025 every published cell of SCB's
#: population statistics carries a small random integer (reference folder PXWEBAPI.md,
#: "Conventions"; SOURCES.md §14).
CKM_FIRST_YEAR: Final = 2025
#: Largest absolute CKM noise per published cell, in persons (SOURCES.md §14: "shifted by a few
#: persons, ±3 order"); a published 0..3 cannot be told apart from noise.
CKM_MAX_ABS_NOISE_PERSONS: Final = 3.0

FloatArray = npt.NDArray[np.float64]


def sex_from_scb_code(code: str) -> str:
    """Map SCB's ``Kon`` code to our sex label.

    >>> sex_from_scb_code("2")
    'female'
    """
    try:
        return SCB_SEX_CODES[str(code).strip()]
    except KeyError as exc:
        raise ValueError(f"unknown SCB sex code {code!r}; allowed: 1 (men), 2 (women)") from exc


def parse_sex(text: object) -> str | None:
    """``"female"``/``"male"`` for a sex label of :data:`SEX_WORDS`, None if it is not one.

    >>> parse_sex(" Kvinnor"), parse_sex("1"), parse_sex("M"), parse_sex("x")
    ('female', 'male', 'male', None)
    """
    return SEX_WORDS.get(str(text).strip().lower())


def age_from_label(label: str | int) -> int:
    """Parse an age label: ``"0"``..``"99"``, ``"100+"`` (also SCB's ``"100+1"``), or an int.

    >>> age_from_label("100+"), age_from_label("7"), age_from_label(100)
    (100, 7, 100)
    """
    text = str(label).strip()
    if text.startswith(f"{OPEN_AGE}+"):
        return OPEN_AGE
    value = int(float(text))
    if not 0 <= value <= OPEN_AGE:
        raise ValueError(f"age {label!r} outside 0..{OPEN_AGE} ({OPEN_AGE} means {OPEN_AGE}+)")
    return value


def age_cohort(stock_sex_age: FloatArray) -> FloatArray:
    """Move a 31-December stock one year on: the aged start stock of the next year's cohorts.

    Returns an array of the same shape in which age *a* (reached during the next year) holds
    the persons aged *a* - 1 at the start of that year; age 0 is empty (newborns are added
    separately) and the open group collects ages 99 and 100+.

    >>> age_cohort(np.array([1.0, 2.0, *([0.0] * 97), 3.0, 4.0]))[[0, 1, 2, 100]]
    array([0., 1., 2., 7.])
    """
    aged = np.empty_like(stock_sex_age)
    aged[..., 0] = 0.0
    aged[..., 1:OPEN_AGE] = stock_sex_age[..., 0 : OPEN_AGE - 1]
    aged[..., OPEN_AGE] = stock_sex_age[..., OPEN_AGE - 1] + stock_sex_age[..., OPEN_AGE]
    return aged
