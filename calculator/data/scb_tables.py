"""Every SCB table id, content code, variable code and code mapping the calculator uses.

This is the only place that knows SCB's table layout. Each :class:`TableSpec` says which
PxWebApi 2.0 table holds a series, which variables (``Region``, ``Alder``, ``Kon`` ...) it
has, which content codes (``ContentsCode``) we read and what they mean.

Verified and looked-up ids
--------------------------
* ``verified=True``: the v2 id, variable codes and content codes were checked against real
  PxWebApi 2.0 responses or metadata (``shared/reference/PXWEBAPI.md``; the recorded TAB4805
  response; TAB638/TAB5557 metadata seen in public client repositories). These ids are used
  directly.
* ``verified=False``: SCB's v2 id is not known for certain. The spec stores a search query
  for ``GET /tables?query=`` and label keywords that identify the table among the hits; the
  client resolves the id at run time (the search answer is cached on disk like any other
  answer). ``id_hint`` holds an id seen in public code comments (a lead, not verified); it
  is preferred when the search returns it and it matches the keywords. The content codes of
  the pre-2025 tables come from real extracts of these tables (``BE0101E2`` births,
  ``BE0101D8`` deaths, ``BE0101AU``..``BE0101A4`` migration, ``000005RC`` regional
  projection); the content codes of the Cell Key Method (CKM) tables from 2025 are not
  known, so those tables are read with ``ContentsCode=*`` and contents are recognised by
  their labels.

Any id can be overridden by the user (``calculator data fetch --table births=TAB1234``).

Conventions (as everywhere in the calculator): stocks at 31 December; flows per calendar
year; age = age reached during the year (for stocks: completed age on 31 December); SCB's
``Kon`` code 1 = men, 2 = women.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from calculator.grid import CKM_FIRST_YEAR

#: Last reference year published without Cell Key Method noise.
LAST_PRE_CKM_YEAR: Final = 2024

#: SCB region codes: "00" Sweden, 2 digits a county (län), 4 digits a municipality (kommun).
REGION_CODE_RE: Final = re.compile(r"^(00|\d{2}|\d{4})$")

#: Codes of the time and contents variables in every SCB table.
TIME_VAR: Final = "Tid"
CONTENTS_VAR: Final = "ContentsCode"

#: Age codes that mean the open age group 100+ in single-year classifications. ``100+5`` and
#: ``100+10`` repeat the same group in the 5- and 10-year classifications and are ignored.
OPEN_AGE_CODES: Final = frozenset({"100+", "100+1"})
#: Age codes that mean "all ages" (a published total).
AGE_TOTAL_CODES: Final = frozenset({"tot", "TOT", "TOT1", "TotSA", "totalt"})
#: Sex codes: SCB 1 = men, 2 = women; totals are published under these codes.
SEX_TOTAL_CODES: Final = frozenset({"TotSa", "TotSA", "1+2", "tot"})
#: Mother's-age codes for births below 15 (counted at 15) and 49 and over (counted at 49).
MOTHER_AGE_LOW_CODES: Final = frozenset({"-14", "<15", "14-"})
MOTHER_AGE_HIGH_CODES: Final = frozenset({"49+", "49-"})
#: Mother's-age codes that are not an age (unknown age) and are left out of the age pattern.
MOTHER_AGE_UNKNOWN_CODES: Final = frozenset({"us", "US", "okänd"})


@dataclass(frozen=True)
class TableSpec:
    """One SCB table and how to read it.

    ``contents`` maps SCB content codes to our measure names (e.g. ``"BE0101AX"`` ->
    ``"immigrants"``); ``content_labels`` maps lower-case label fragments to measure names for
    tables whose content codes are not known (matched against the content label in the
    answer). ``fixed`` holds selections of other variables that must be fixed (e.g.
    ``Civilstand=SC`` in TAB5557, where civil status is mandatory).
    """

    key: str
    description: str
    table_id: str | None = None
    verified: bool = False
    id_hint: str | None = None
    search_query: str | None = None
    label_all: tuple[str, ...] = ()
    label_none: tuple[str, ...] = ()
    ckm: bool = False
    v1_name: str = ""
    region_var: str = "Region"
    age_var: str | None = "Alder"
    sex_var: str | None = "Kon"
    contents: dict[str, str] = field(default_factory=dict)
    content_labels: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    first_year: int | None = None
    last_year: int | None = None
    reference: str = ""

    @property
    def needs_lookup(self) -> bool:
        """True when the v2 id must be resolved with ``GET /tables?query=``."""
        return self.table_id is None


def _ages_0_99() -> tuple[str, ...]:
    return tuple(str(a) for a in range(100))


#: Single-year age codes of TAB638 (``100+`` is the open group) and its total code.
TAB638_AGE_CODES: Final = (*_ages_0_99(), "100+")
#: Single-year age codes of TAB5557 (``100+1`` is the open group), plus the published total.
TAB5557_AGE_CODES: Final = (*_ages_0_99(), "100+1")
TAB5557_AGE_TOTAL: Final = "TOT1"

POPULATION: Final = TableSpec(
    key="population",
    description="Folkmängd 31 december efter region, ålder och kön (final, 1968-2024)",
    table_id="TAB638",
    verified=True,
    v1_name="BE0101/BE0101A/BefolkningNy",
    contents={"BE0101N1": "population"},
    last_year=LAST_PRE_CKM_YEAR,
    reference="PXWEBAPI.md (TAB638, BE0101N1); Civilstand may be eliminated (summed by SCB)",
)

POPULATION_CKM: Final = TableSpec(
    key="population_ckm",
    description="Folkmängd 31 december efter region, ålder och kön, 2025- (Cell Key Method)",
    table_id="TAB5557",
    verified=True,
    ckm=True,
    v1_name="BE0101/BE0101A/BefolkningNyCKM",
    contents={"000007ME": "population"},
    fixed={"Civilstand": ("SC",)},
    first_year=CKM_FIRST_YEAR,
    reference="PXWEBAPI.md (TAB5557, 000007ME); Civilstand is mandatory, SC = all",
)

TFR: Final = TableSpec(
    key="tfr",
    description="Summerad fruktsamhet efter region och år (women)",
    table_id="TAB4805",
    verified=True,
    age_var=None,
    v1_name="BE0101/BE0101H/FruktsamhetSumKom",
    contents={"000001J4": "tfr_children_per_woman"},
    fixed={"Kon": ("2",)},
    first_year=2000,
    reference="recorded response TAB4805 (SOURCES.md section 22); '..' below 30 births",
)

BIRTHS: Final = TableSpec(
    key="births",
    description="Levande födda efter region, moderns ålder och barnets kön (1968-2024)",
    search_query="levande födda moderns ålder barnets kön",
    label_all=("levande födda", "moderns ålder", "kön"),
    label_none=("födelseland", "födelseregion", "medelålder"),
    v1_name="BE0101/BE0101H/FoddaK",
    age_var="AlderModer",
    contents={"BE0101E2": "births"},
    content_labels={"levande födda": "births", "födda": "births"},
    last_year=LAST_PRE_CKM_YEAR,
    reference="content code from a real extract (SOURCES.md section 15)",
)

BIRTHS_CKM: Final = TableSpec(
    key="births_ckm",
    description="Levande födda efter region, moderns ålder och barnets kön, 2025- (CKM)",
    search_query=BIRTHS.search_query,
    label_all=BIRTHS.label_all,
    label_none=BIRTHS.label_none,
    ckm=True,
    v1_name="BE0101/BE0101H/FoddaKCKM",
    age_var="AlderModer",
    content_labels={"levande födda": "births", "födda": "births"},
    first_year=CKM_FIRST_YEAR,
)

DEATHS: Final = TableSpec(
    key="deaths",
    description="Döda efter region, ålder (uppnådd under året) och kön (1968-2024)",
    search_query="döda ålder uppnådd under året kön",
    label_all=("döda", "ålder", "kön"),
    label_none=("födelseland", "födelseregion", "dödsorsak", "medellivslängd", "dödsrisk"),
    v1_name="BE0101/BE0101I/DodaFodelsearK",
    contents={"BE0101D8": "deaths"},
    content_labels={"döda": "deaths"},
    last_year=LAST_PRE_CKM_YEAR,
    reference="content code from a real extract (SOURCES.md section 16)",
)

DEATHS_CKM: Final = TableSpec(
    key="deaths_ckm",
    description="Döda efter region, ålder (uppnådd under året) och kön, 2025- (CKM)",
    search_query=DEATHS.search_query,
    label_all=DEATHS.label_all,
    label_none=DEATHS.label_none,
    ckm=True,
    v1_name="BE0101/BE0101I/DodaFodelsearKCKM",
    content_labels={"döda": "deaths"},
    first_year=CKM_FIRST_YEAR,
)

#: Flyttningar97 contents. The meaning of the codes was inferred from identities that hold in
#: a real extract (SOURCES.md section 17): AZ = AU - AV, A1 = AX - AY, A2 = AU - AX, ...
MIGRATION_CONTENTS: Final = {
    "BE0101AX": "immigrants",
    "BE0101AY": "emigrants",
    "BE0101A2": "in_migrants",
    "BE0101A3": "out_migrants",
}
#: Label fragments (lower case) of the same four flows, for tables whose codes are unknown.
#: Checked in order; the first fragment found in a content label wins.
MIGRATION_CONTENT_LABELS: Final = {
    "inrikes inflyttningar": "in_migrants",
    "inrikes utflyttningar": "out_migrants",
    "inrikes inflyttade": "in_migrants",
    "inrikes utflyttade": "out_migrants",
    "invandringar": "immigrants",
    "utvandringar": "emigrants",
    "invandrade": "immigrants",
    "utvandrade": "emigrants",
}

MIGRATION: Final = TableSpec(
    key="migration",
    description="Flyttningar efter region, ålder och kön (1997-2024)",
    id_hint="TAB1212",
    search_query="flyttningar region ålder kön",
    label_all=("flyttningar", "ålder", "kön"),
    label_none=("födelseland", "födelseregion", "medborgarskap", "län till", "kommun till"),
    v1_name="BE0101/BE0101J/Flyttningar97",
    contents=dict(MIGRATION_CONTENTS),
    content_labels=dict(MIGRATION_CONTENT_LABELS),
    first_year=1997,
    last_year=LAST_PRE_CKM_YEAR,
    reference="content codes from a real extract (SOURCES.md section 17); TAB1212 per "
    "public code comments, unverified",
)

MIGRATION_CKM: Final = TableSpec(
    key="migration_ckm",
    description="Flyttningar efter region, ålder och kön, 2025- (CKM)",
    search_query=MIGRATION.search_query,
    label_all=MIGRATION.label_all,
    label_none=MIGRATION.label_none,
    ckm=True,
    v1_name="BE0101/BE0101J/Flyttningar97CKM",
    content_labels=dict(MIGRATION_CONTENT_LABELS),
    first_year=CKM_FIRST_YEAR,
)

REGIONAL_PROJECTION: Final = TableSpec(
    key="regional_projection",
    description="SCB:s regionala befolkningsframskrivning: folkmängd 31 december efter region, "
    "kön och ålder (counties and all municipalities)",
    id_hint="TAB698",
    search_query="framskriven folkmängd region ålder kön",
    label_all=("framskriven folkmängd", "region"),
    label_none=("födelseland", "hushåll"),
    v1_name="BE0401/BE0401A/BefProgOsiktRegN",
    contents={"000005RC": "population"},
    content_labels={"folkmängd": "population"},
    fixed={"InrikesUtrikes": ("83",)},
    reference="content 000005RC and InrikesUtrikes=83 (born in Sweden and abroad) from a "
    "real extract (SOURCES.md section 18); TAB698 per public code comments, unverified",
)

NATIONAL_PROJECTION: Final = TableSpec(
    key="national_projection",
    description="SCB:s nationella befolkningsframskrivning: folkmängd 31 december efter ålder "
    "och kön (Sweden)",
    search_query="framskriven folkmängd ålder kön riket",
    label_all=("framskriven folkmängd", "ålder", "kön"),
    label_none=("region", "län", "kommun", "hushåll", "födelseland"),
    v1_name="BE0401/BE0401A/BefolkprognRevNb",
    region_var="",
    content_labels={"folkmängd": "population"},
    reference="v1 BE0401/BE0401A/BefolkprognRevNb; no region variable",
)

TABLES: Final[dict[str, TableSpec]] = {
    spec.key: spec
    for spec in (
        POPULATION,
        POPULATION_CKM,
        TFR,
        BIRTHS,
        BIRTHS_CKM,
        DEATHS,
        DEATHS_CKM,
        MIGRATION,
        MIGRATION_CKM,
        REGIONAL_PROJECTION,
        NATIONAL_PROJECTION,
    )
}


def region_level(region_code: str) -> str:
    """``"country"``, ``"county"`` or ``"municipality"`` for an SCB region code.

    >>> region_level("00"), region_level("25"), region_level("2580")
    ('country', 'county', 'municipality')
    """
    code = str(region_code).strip()
    if not REGION_CODE_RE.match(code):
        raise ValueError(
            f"region code {region_code!r}; allowed: '00' (Sweden), two digits (county, e.g. "
            "'25'), four digits (municipality, e.g. '2580')"
        )
    if code == "00":
        return "country"
    return "county" if len(code) == 2 else "municipality"


def matches_search_hit(spec: TableSpec, hit: dict[str, object]) -> bool:
    """Whether one entry of ``GET /tables`` answers is the table ``spec`` describes.

    Uses the label keywords and, for pre-2025 / CKM tables, the period the table covers.

    >>> hit = {"id": "TAB9", "label": "Döda efter region, ålder (uppnådd under året) och kön. "
    ...        "År 1968-2024", "firstPeriod": "1968", "lastPeriod": "2024"}
    >>> matches_search_hit(DEATHS, hit), matches_search_hit(DEATHS_CKM, hit)
    (True, False)
    """
    label = str(hit.get("label", "")).lower()
    if not all(word in label for word in spec.label_all):
        return False
    if any(word in label for word in spec.label_none):
        return False
    if hit.get("discontinued") is True:
        return False
    first = _year(hit.get("firstPeriod"))
    if spec.ckm and first is not None and first < CKM_FIRST_YEAR:
        return False
    return not (
        not spec.ckm and spec.last_year is not None and first is not None and first > spec.last_year
    )


def _year(value: object) -> int | None:
    match = re.match(r"^\s*(\d{4})", str(value)) if value is not None else None
    return int(match.group(1)) if match else None


def choose_search_hit(spec: TableSpec, hits: list[dict[str, object]]) -> dict[str, object] | None:
    """Pick the table for ``spec`` among search hits (``None`` if nothing matches).

    Prefers ``spec.id_hint`` when it matches; otherwise the matching table with the longest
    period (then the latest last period).

    >>> hits = [{"id": "TAB1", "label": "Döda efter region, ålder och kön", "firstPeriod": "2000",
    ...          "lastPeriod": "2024"},
    ...         {"id": "TAB2", "label": "Döda efter region, ålder och kön", "firstPeriod": "1968",
    ...          "lastPeriod": "2024"}]
    >>> choose_search_hit(DEATHS, hits)["id"]
    'TAB2'
    """
    matching = [hit for hit in hits if matches_search_hit(spec, hit)]
    if not matching:
        return None
    for hit in matching:
        if spec.id_hint and hit.get("id") == spec.id_hint:
            return hit

    def rank(hit: dict[str, object]) -> tuple[int, int]:
        first = _year(hit.get("firstPeriod")) or 9999
        last = _year(hit.get("lastPeriod")) or 0
        return (last - first, last)

    return max(matching, key=rank)
