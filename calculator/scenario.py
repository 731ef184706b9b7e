"""Scenarios: named changes to a baseline's inputs, one component at a time.

A :class:`Scenario` says which baseline it changes (``"official"``: SCB's official forecast;
``"trend"``: the trend baseline estimated from observed data) and, per component, what to
change. Every change left out is the identity: a scenario with no changes reproduces its
baseline exactly, so the official forecast is the empty scenario on the official baseline.

The same object is read from and written to TOML files (``scenarios/*.toml``, schema in
``scenarios/README.md``), and to and from the flat ``{"fertility.tfr_target": "1.6"}``
dictionaries the app keeps in its URL. :data:`PARAMETERS` holds, for every key, its type,
default, allowed range, slider step, unit and Swedish and English labels; the validation
here and the app's sliders both use it.

:func:`apply_scenario` turns a baseline's :class:`~calculator.inputs.ProjectionInputs` into
the scenario's inputs; :func:`apply_scenarios` batches several scenarios along the scenario
axis. Conventions are the engine's: stocks at 31 Dec, flows per calendar year, age reached
during the year, rates per person-year.

Migration levels
----------------
Changes of the gross flows (immigration, emigration, domestic in- and out-migration) are
multipliers on the baseline's counts (persons per year) and rates (per person-year), or a
total per year for the counts; the engine applies the rates to the scenario's own population,
so extra immigrants can leave again and extra out-migration is taken from the people present
in the scenario. Both baselines of a region with gross migration data are in gross mode: the
trend baseline, and the official one, whose gross flows are the trend's profiles plus a
signed net adjustment that makes it reproduce SCB's population
(:mod:`calculator.official_baseline`); the adjustment is kept fixed in every scenario except
``migration.mode = "none"``, which removes all migration. A baseline with net migration only
(Sweden, ``00``; a net-migration input template) cannot have its flow levels changed; the
error names the region.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import tomli_w

from calculator.exceptions import InputValidationError
from calculator.fertility import age_pattern, shift_age_pattern, tfr_of
from calculator.grid import FEMALE, MALE, FloatArray
from calculator.inputs import ProjectionInputs
from calculator.migration import scale_by_multiplier, scale_counts_to_total
from calculator.mortality import e0_from_death_prob, scale_death_prob_to_e0

BaselineKind = Literal["official", "trend"]
BASELINES: Final = ("official", "trend")
DEFAULT_REGION: Final = "2580"
DEFAULT_END_YEAR: Final = 2050


@dataclass(frozen=True)
class Parameter:
    """One scenario key: type, default, allowed values, slider step, unit and labels.

    ``default`` is the identity (no change); ``None`` means "the baseline's own value"
    (e.g. a TFR target: the slider should start at the baseline's TFR).
    """

    key: str
    kind: Literal["float", "int", "str"]
    default: float | int | str | None
    label_sv: str
    label_en: str
    unit_sv: str = ""
    unit_en: str = ""
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help_en: str = ""

    @property
    def allowed(self) -> str:
        """The allowed values in words, for error messages."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.min is not None and self.max is not None:
            unit = f" {self.unit_en}" if self.unit_en else ""
            return f"{self.kind} in {self.min:g}..{self.max:g}{unit}"
        return f"a {self.kind}"


def _p(*args: Any, **kwargs: Any) -> tuple[str, Parameter]:
    param = Parameter(*args, **kwargs)
    return param.key, param


def _t(key: str, label_sv: str, label_en: str, template: dict[str, Any]) -> tuple[str, Parameter]:
    return _p(key, label_sv=label_sv, label_en=label_en, **template)


_MULT: dict[str, Any] = dict(
    kind="float", default=1.0, unit_sv="× basnivå", unit_en="x baseline", min=0.0, max=5.0,
    step=0.05,
)
_COUNT: dict[str, Any] = dict(
    kind="float", default=None, unit_sv="personer per år", unit_en="persons per year", min=0.0,
    max=500_000.0, step=10.0,
)
_YEAR: dict[str, Any] = dict(
    kind="int", default=None, unit_sv="år", unit_en="year", min=2000, max=2100, step=1
)

#: Every scenario key (dotted path) with its metadata; the single source of defaults, ranges,
#: steps, units and labels for validation and for the app's widgets.
PARAMETERS: Final[dict[str, Parameter]] = dict([
    _p("name", "str", "Eget scenario", "Namn", "Name"),
    _p("description", "str", "", "Beskrivning", "Description"),
    _p("region", "str", DEFAULT_REGION, "Region (SCB-kod)", "Region (SCB code)",
       help_en="SCB region code as a string: '00' Sweden, 2 digits county, 4 digits municipality"),
    _p("end_year", "int", DEFAULT_END_YEAR, "Sista prognosår", "Last projection year",
       "år", "year", 2001, 2100, 1),
    _p("baseline", "str", "official", "Utgångsläge", "Baseline", choices=BASELINES,
       help_en="'official': SCB's official forecast; 'trend': trend baseline from observed data"),
    _p("sex_ratio_at_birth", "float", None, "Könskvot vid födseln", "Sex ratio at birth",
       "pojkar per flicka", "boys per girl", 1.0, 1.2, 0.005),
    _p("fertility.tfr_target", "float", None, "Summerad fruktsamhet, mål",
       "Total fertility rate, target", "barn per kvinna", "children per woman", 0.5, 4.0, 0.01),
    _t("fertility.target_year", "Målår fruktsamhet", "Target year, fertility", _YEAR),
    _p("fertility.path_shape", "str", "linear", "Väg mot målet", "Path to the target",
       choices=("linear", "smooth")),
    _p("fertility.mean_age_shift_years", "float", 0.0, "Ändrad medelålder vid barnafödande",
       "Shift of mean age at childbearing", "år", "years", -5.0, 5.0, 0.1),
    _p("mortality.e0_female_target_years", "float", None, "Medellivslängd kvinnor, mål",
       "Life expectancy women, target", "år", "years", 60.0, 100.0, 0.1),
    _p("mortality.e0_male_target_years", "float", None, "Medellivslängd män, mål",
       "Life expectancy men, target", "år", "years", 60.0, 100.0, 0.1),
    _p("mortality.e0_female_change_years", "float", None,
       "Medellivslängd kvinnor, ändring mot basen", "Life expectancy women, change vs baseline",
       "år", "years", -10.0, 10.0, 0.1),
    _p("mortality.e0_male_change_years", "float", None,
       "Medellivslängd män, ändring mot basen", "Life expectancy men, change vs baseline",
       "år", "years", -10.0, 10.0, 0.1),
    _t("mortality.target_year", "Målår dödlighet", "Target year, mortality", _YEAR),
    _p("migration.mode", "str", None, "Flyttningsmodell", "Migration model",
       choices=("gross", "net", "none"),
       help_en="absent: the baseline's; 'none': no migration at all (zero flows at every age)"),
    _t("migration.immigration_multiplier", "Invandring, nivå", "Immigration, level", _MULT),
    _t("migration.immigrants_per_year", "Invandrade per år", "Immigrants per year", _COUNT),
    _t("migration.emigration_multiplier", "Utvandring, nivå", "Emigration, level", _MULT),
    _t("migration.in_migration_multiplier", "Inflyttning, nivå", "Domestic in-migration, level",
       _MULT),
    _t("migration.in_migrants_per_year", "Inflyttade per år", "Domestic in-migrants per year",
       _COUNT),
    _t("migration.out_migration_multiplier", "Utflyttning, nivå",
       "Domestic out-migration, level", _MULT),
])

SECTIONS: Final = ("fertility", "mortality", "migration")
_REGION_RE = re.compile(r"^(\d{2}|\d{4})$")


def _fields_of(section: str) -> tuple[str, ...]:
    return tuple(k.split(".", 1)[1] for k in PARAMETERS if k.startswith(section + "."))


@dataclass(frozen=True)
class FertilityChange:
    """A change of the baseline's fertility, as a deviation from the baseline's own path.

    The baseline's TFR (children per woman) in each year gets a deviation that grows from 0 in
    the base year (the year of the base stock) to ``tfr_target`` minus the baseline's TFR in
    ``target_year``, reached in ``target_year`` and kept constant afterwards; ``path_shape``
    is linear or smooth (cosine). So the TFR equals ``tfr_target`` in ``target_year``, the
    baseline's later rise or fall is kept, and a higher target gives a higher TFR in every
    year (the same semantics as :class:`MortalityChange`). The age pattern of each year is
    the baseline's; the mean age at childbearing moves by ``mean_age_shift_years`` (linearly
    from the base year, fully reached in ``target_year``). ``None``/0 = the baseline's
    fertility. A target year beyond the horizon is compared with the last projection year."""

    tfr_target: float | None = None
    target_year: int | None = None
    path_shape: Literal["linear", "smooth"] = "linear"
    mean_age_shift_years: float = 0.0

    @property
    def is_identity(self) -> bool:
        return self.tfr_target is None and self.mean_age_shift_years == 0.0


@dataclass(frozen=True)
class MortalityChange:
    """Life expectancy at birth by sex reaching a target (``e0_*_target_years``) or deviating
    from the baseline by ``e0_*_change_years`` in ``target_year``; the deviation from the
    baseline's e0 grows linearly from zero in the base year (the year of the base stock, so a
    target year equal to the first projection year is met in that year) and stays constant
    after the target year (so the baseline's later gains are kept and e0 moves on from the
    target afterwards, as the TFR does in :class:`FertilityChange`). Hazards are scaled
    proportionally at every age (the age pattern of mortality is kept)."""

    e0_female_target_years: float | None = None
    e0_male_target_years: float | None = None
    e0_female_change_years: float | None = None
    e0_male_change_years: float | None = None
    target_year: int | None = None

    @property
    def is_identity(self) -> bool:
        return all(
            v is None for v in (self.e0_female_target_years, self.e0_male_target_years,
                                self.e0_female_change_years, self.e0_male_change_years)
        )


@dataclass(frozen=True)
class MigrationChange:
    """Levels of the four gross flows, from the first projection year on.

    Counts (immigrants, in-migrants) are either multiplied or set to a total per year (keeping
    the baseline's age-sex profile); rates (emigration, out-migration) are multiplied.
    ``mode = "none"`` removes all migration (with the official baseline's net adjustment).
    A baseline with net migration only accepts ``mode = "none"`` alone."""

    mode: Literal["gross", "net", "none"] | None = None
    immigration_multiplier: float = 1.0
    immigrants_per_year: float | None = None
    emigration_multiplier: float = 1.0
    in_migration_multiplier: float = 1.0
    in_migrants_per_year: float | None = None
    out_migration_multiplier: float = 1.0

    @property
    def is_identity(self) -> bool:
        return self.mode != "none" and dataclasses.replace(self, mode=None) == MigrationChange()


@dataclass(frozen=True)
class Scenario:
    """A named change to a baseline (see the module docstring and ``scenarios/README.md``)."""

    name: str = "Eget scenario"
    description: str = ""
    region: str = DEFAULT_REGION
    end_year: int = DEFAULT_END_YEAR
    baseline: BaselineKind = "official"
    fertility: FertilityChange = field(default_factory=FertilityChange)
    mortality: MortalityChange = field(default_factory=MortalityChange)
    migration: MigrationChange = field(default_factory=MigrationChange)
    sex_ratio_at_birth: float | None = None

    def __post_init__(self) -> None:
        _validate(self.to_dict(), source="scenario")

    @property
    def is_identity(self) -> bool:
        """True if the scenario changes nothing in its baseline."""
        return (
            self.fertility.is_identity and self.mortality.is_identity
            and self.migration.is_identity and self.sex_ratio_at_birth is None
        )

    # ---- conversions ---------------------------------------------------------------
    def to_flat(self) -> dict[str, Any]:
        """Every key (dotted path) with its value, ``None`` for "not set"."""
        flat: dict[str, Any] = {}
        for key in PARAMETERS:
            if "." in key:
                section, name = key.split(".", 1)
                flat[key] = getattr(getattr(self, section), name)
            else:
                flat[key] = getattr(self, key)
        return flat

    def to_dict(self) -> dict[str, Any]:
        """Nested dictionary (the TOML layout) without unset or default-valued keys.

        ``name``, ``region``, ``end_year`` and ``baseline`` are always included.
        """
        out: dict[str, Any] = {}
        for key, value in self.to_flat().items():
            param = PARAMETERS[key]
            always = key in ("name", "description", "region", "end_year", "baseline")
            if value is None or (value == param.default and not always):
                continue
            if key == "description" and value == "":
                continue
            if "." in key:
                section, name = key.split(".", 1)
                out.setdefault(section, {})[name] = value
            else:
                out[key] = value
        return out

    def to_toml(self) -> str:
        """The scenario as TOML text (the format of ``scenarios/*.toml``)."""
        return tomli_w.dumps(self.to_dict())

    def to_query_params(self) -> dict[str, str]:
        """Flat ``{dotted key: text}`` of the values that differ from the defaults (for URLs).

        >>> Scenario(fertility=FertilityChange(tfr_target=1.6, target_year=2035)).to_query_params()
        {'fertility.tfr_target': '1.6', 'fertility.target_year': '2035'}
        """
        params: dict[str, str] = {}
        for key, value in self.to_flat().items():
            if value is None or value == PARAMETERS[key].default:
                continue
            params[key] = format(value, "g") if isinstance(value, float) else str(value)
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, str]) -> Scenario:
        """Inverse of :meth:`to_query_params`; text values are parsed by each key's type."""
        flat: dict[str, Any] = {}
        for key, text in params.items():
            if key not in PARAMETERS:
                raise InputValidationError(
                    f"unknown key; allowed: {', '.join(PARAMETERS)}", location=f"query {key}"
                )
            param = PARAMETERS[key]
            try:
                if param.kind == "float":
                    flat[key] = float(str(text).replace(",", "."))
                elif param.kind == "int":
                    flat[key] = int(str(text))
                else:
                    flat[key] = str(text)
            except ValueError as exc:
                raise InputValidationError(
                    f"value {text!r} is not a {param.kind}; allowed: {param.allowed}",
                    location=f"query {key}",
                ) from exc
        nested: dict[str, Any] = {}
        for key, value in flat.items():
            if "." in key:
                section, name = key.split(".", 1)
                nested.setdefault(section, {})[name] = value
            else:
                nested[key] = value
        return scenario_from_dict(nested, source="query")


# ---- validation -------------------------------------------------------------------------
def _check_value(key: str, value: Any, source: str) -> Any:
    param = PARAMETERS[key]
    where = f"{source}: {key}"
    if param.kind == "str":
        if not isinstance(value, str):
            hint = ""
            if key == "region" and isinstance(value, int):
                hint = f'; write the SCB code as text in quotes, e.g. region = "{value:04d}"'
            raise InputValidationError(
                f"value {value!r} ({type(value).__name__}) must be text{hint}", location=where
            )
        if param.choices and value not in param.choices:
            raise InputValidationError(
                f"value {value!r} is not allowed; allowed: {param.allowed}", location=where
            )
        if key == "region" and not _REGION_RE.match(value):
            raise InputValidationError(
                f"value {value!r} is not an SCB region code; allowed: '00' (Sweden), two digits "
                "(county) or four digits (municipality), e.g. '2580' for Luleå",
                location=where,
            )
        if key == "name" and not value.strip():
            raise InputValidationError("must not be empty", location=where)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputValidationError(
            f"value {value!r} ({type(value).__name__}) must be a number; allowed: "
            f"{param.allowed}",
            location=where,
        )
    if param.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise InputValidationError(
                f"value {value!r} must be a whole number; allowed: {param.allowed}",
                location=where,
            )
        value = int(value)
    else:
        value = float(value)
        if not np.isfinite(value):
            raise InputValidationError(
                f"value {value!r} is not finite; allowed: {param.allowed}", location=where
            )
    if (param.min is not None and value < param.min) or (
        param.max is not None and value > param.max
    ):
        raise InputValidationError(
            f"value {value!r} is outside the allowed range; allowed: {param.allowed}",
            location=where,
        )
    return value


def _validate(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check a nested dictionary; return it flat with checked, typed values."""
    if not isinstance(data, Mapping):
        raise InputValidationError("a scenario must be a table of keys", location=source)
    top_keys = [k for k in PARAMETERS if "." not in k]
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in SECTIONS:
            if not isinstance(value, Mapping):
                raise InputValidationError(
                    f"must be a table ([{key}]) of keys {', '.join(_fields_of(key))}",
                    location=f"{source}: {key}",
                )
            for sub, sub_value in value.items():
                dotted = f"{key}.{sub}"
                if dotted not in PARAMETERS:
                    raise InputValidationError(
                        f"unknown key; allowed in [{key}]: {', '.join(_fields_of(key))}",
                        location=f"{source}: {dotted}",
                    )
                flat[dotted] = _check_value(dotted, sub_value, source)
        elif key in top_keys:
            flat[key] = _check_value(key, value, source)
        else:
            raise InputValidationError(
                f"unknown key; allowed: {', '.join(top_keys)} and the tables "
                f"{', '.join('[' + s + ']' for s in SECTIONS)}",
                location=f"{source}: {key}",
            )
    _check_combinations(flat, source)
    return flat


def _check_combinations(flat: Mapping[str, Any], source: str) -> None:
    def has(key: str) -> bool:
        return flat.get(key) is not None

    def need(key: str, when: str) -> None:
        raise InputValidationError(f"is required when {when} is given", location=f"{source}: {key}")

    for a, b in (
        ("migration.immigration_multiplier", "migration.immigrants_per_year"),
        ("migration.in_migration_multiplier", "migration.in_migrants_per_year"),
        ("mortality.e0_female_target_years", "mortality.e0_female_change_years"),
        ("mortality.e0_male_target_years", "mortality.e0_male_change_years"),
    ):
        if has(a) and has(b) and not (
            PARAMETERS[a].default is not None and flat[a] == PARAMETERS[a].default
        ):
            raise InputValidationError(
                f"give either {a} or {b}, not both", location=f"{source}: {b}"
            )
    fert_change = has("fertility.tfr_target") or flat.get("fertility.mean_age_shift_years", 0)
    if fert_change and not has("fertility.target_year"):
        need("fertility.target_year", "fertility.tfr_target or fertility.mean_age_shift_years")
    mort_keys = [k for k in PARAMETERS if k.startswith("mortality.e0_") and has(k)]
    if mort_keys and not has("mortality.target_year"):
        need("mortality.target_year", mort_keys[0])
    mode = flat.get("migration.mode")
    if mode in ("none", "net"):
        levels = [
            k for k in PARAMETERS
            if k.startswith("migration.") and k != "migration.mode" and has(k)
            and flat[k] != PARAMETERS[k].default
        ]
        if levels:
            raise InputValidationError(
                f"{levels[0]} cannot be combined with migration.mode = {mode!r} (it changes "
                "the gross flows); remove one of them",
                location=f"{source}: {levels[0]}",
            )


def scenario_from_dict(data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
    """Build a :class:`Scenario` from the nested TOML layout, validating every key.

    >>> scenario_from_dict({"name": "x", "fertility": {"tfr_target": 9}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calculator.exceptions.InputValidationError: scenario: fertility.tfr_target: value 9.0 is ...
    """
    flat = _validate(data, source)
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for key, value in flat.items():
        if "." in key:
            section, name = key.split(".", 1)
            sections[section][name] = value
        else:
            top[key] = value
    return Scenario(
        **top,
        fertility=FertilityChange(**sections["fertility"]),
        mortality=MortalityChange(**sections["mortality"]),
        migration=MigrationChange(**sections["migration"]),
    )


def scenario_from_toml(text: str, *, source: str = "scenario") -> Scenario:
    """Parse TOML text (e.g. an uploaded file) into a validated :class:`Scenario`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputValidationError(f"not valid TOML: {exc}", location=source) from exc
    return scenario_from_dict(data, source=source)


# ---- applying a scenario to a baseline ---------------------------------------------------
def _ramp(
    years: np.ndarray, base_year: int, target_year: int, shape: str = "linear"
) -> FloatArray:
    """Share of a change reached in each of ``years``: 0 in ``base_year`` (the base stock's
    year), 1 from ``target_year`` on; linear in between, or a cosine ease for ``"smooth"``.

    A target year at or before the first projection year gets the full change at once.

    >>> _ramp(np.arange(2025, 2030), 2024, 2028).tolist()
    [0.25, 0.5, 0.75, 1.0, 1.0]
    >>> _ramp(np.arange(2025, 2027), 2024, 2025).tolist()
    [1.0, 1.0]
    """
    span = max(target_year - base_year, 1)
    share = np.clip((np.asarray(years) - base_year) / span, 0.0, 1.0)
    if shape == "smooth":
        share = 0.5 - 0.5 * np.cos(np.pi * share)
    return np.asarray(share, dtype=np.float64)


def _value_in_target_year(value_year: FloatArray, years: np.ndarray, target_year: int) -> FloatArray:
    """The baseline's value in ``target_year`` along the last axis (the last projection year's
    value if the target year lies beyond the horizon; a year missing in a rate file is the
    same as the last year given)."""
    index = int(np.clip(target_year - int(years[0]), 0, len(years) - 1))
    return np.asarray(value_year, dtype=np.float64)[..., index]


def _apply_fertility(
    fert_rate_year_age: FloatArray, change: FertilityChange, years: np.ndarray, base_year: int
) -> FloatArray:
    """Scenario rates (R, T, 101) from baseline rates (R, T, 101); see FertilityChange."""
    assert change.target_year is not None
    base_tfr_year = tfr_of(fert_rate_year_age)  # (R, T)
    pattern_year_age = age_pattern(fert_rate_year_age)  # the baseline's own pattern each year
    if change.tfr_target is None:
        tfr_year = base_tfr_year
    else:
        ramp = _ramp(years, base_year, change.target_year, change.path_shape)
        deviation = change.tfr_target - _value_in_target_year(
            base_tfr_year, years, change.target_year)  # (R,)
        tfr_year = np.maximum(base_tfr_year + deviation[:, np.newaxis] * ramp, 0.0)
    shift_year = change.mean_age_shift_years * _ramp(years, base_year, change.target_year)
    if not np.any(shift_year):
        out: FloatArray = tfr_year[..., np.newaxis] * pattern_year_age
        return out
    out = np.empty_like(pattern_year_age)
    for t in range(len(years)):  # the shift is an interpolation per year: loop over years only
        for r in range(pattern_year_age.shape[0]):
            out[r, t] = tfr_year[r, t] * shift_age_pattern(pattern_year_age[r, t], shift_year[t])
    return out


def _apply_mortality(
    death_prob_year_sex_age: FloatArray, change: MortalityChange, years: np.ndarray,
    base_year: int,
) -> FloatArray:
    """Scenario probabilities (R, T, 2, 101) from the baseline's; see MortalityChange."""
    assert change.target_year is not None
    out = np.array(death_prob_year_sex_age, dtype=np.float64, copy=True)
    ramp = _ramp(years, base_year, change.target_year)
    for sex, target, delta in (
        (FEMALE, change.e0_female_target_years, change.e0_female_change_years),
        (MALE, change.e0_male_target_years, change.e0_male_change_years),
    ):
        if target is None and delta is None:
            continue
        for r in range(out.shape[0]):
            q_year_age = death_prob_year_sex_age[r, :, sex, :]
            e0_base_year = np.asarray(e0_from_death_prob(q_year_age, sex), dtype=np.float64)
            if target is not None:
                delta_r = target - float(
                    _value_in_target_year(e0_base_year, years, change.target_year))
            else:
                delta_r = float(delta or 0.0)
            for t in range(len(years)):
                shift = delta_r * ramp[t]
                if abs(shift) < 1e-12:
                    continue
                out[r, t, sex] = scale_death_prob_to_e0(
                    q_year_age[t], float(e0_base_year[t] + shift), sex
                )
    return out


def _apply_migration(
    fields: dict[str, FloatArray | None],
    mode: str,
    change: MigrationChange,
    regions: Sequence[str] = (),
) -> tuple[dict[str, FloatArray | None], str]:
    names = ("immig_count_year_sex_age", "emig_rate_year_sex_age", "inmig_count_year_sex_age",
             "outmig_rate_year_sex_age", "netmig_count_year_sex_age")
    out = dict(fields)
    if change.mode == "none":
        for name in names:
            value = out[name]
            out[name] = None if value is None else np.zeros_like(value)
        return out, mode
    if change.mode is not None and change.mode != mode:
        raise InputValidationError(
            f"migration.mode = {change.mode!r} needs a baseline in {change.mode!r} mode, but the "
            f"baseline uses {mode!r}; allowed here: {mode!r} or 'none'",
            location="scenario: migration.mode",
        )
    if mode != "gross":
        if not change.is_identity:
            where = f"region {', '.join(regions)}" if regions else "the baseline"
            raise InputValidationError(
                f"{where} has no gross migration flows in its baseline ({mode!r} migration), "
                "so immigration, emigration and domestic in- and out-migration cannot be "
                "changed; allowed here: migration.mode = 'none' only",
                location=f"scenario: migration ({where})",
            )
        return out, mode

    def scaled(name: str, multiplier: float, total: float | None) -> FloatArray | None:
        value = out[name]
        if value is None:
            if multiplier != 1.0 or total:
                raise InputValidationError(
                    f"the baseline has no {name}, so its level cannot be changed",
                    location="scenario: migration",
                )
            return value
        if total is not None:
            return scale_counts_to_total(value, total)
        return scale_by_multiplier(value, multiplier) if multiplier != 1.0 else value

    out["immig_count_year_sex_age"] = scaled(
        "immig_count_year_sex_age", change.immigration_multiplier, change.immigrants_per_year)
    out["inmig_count_year_sex_age"] = scaled(
        "inmig_count_year_sex_age", change.in_migration_multiplier, change.in_migrants_per_year)
    out["emig_rate_year_sex_age"] = scaled(
        "emig_rate_year_sex_age", change.emigration_multiplier, None)
    out["outmig_rate_year_sex_age"] = scaled(
        "outmig_rate_year_sex_age", change.out_migration_multiplier, None)
    return out, mode


def gross_flow_changes_available(baseline: ProjectionInputs) -> bool:
    """Whether the gross-flow level keys (``migration.*_multiplier``, ``*_per_year``) can be
    applied to ``baseline``: exactly when it is in gross mode (the trend and official
    baselines of a region with gross migration data, e.g. Luleå 2580; not Sweden 00)."""
    return baseline.migration_mode == "gross"


def _single(arr: FloatArray | None) -> FloatArray | None:
    """The first scenario slice (R, ...) of a batched input array."""
    return None if arr is None else np.asarray(arr)[0]


def apply_scenario(
    baseline: ProjectionInputs,
    scenario: Scenario,
    base_info: Mapping[str, Any] | None = None,
) -> ProjectionInputs:
    """The scenario's inputs: the baseline's with the scenario's changes, one component each.

    ``baseline`` must hold one scenario (S = 1) and any number of regions; the result has
    S = 1, labelled with ``scenario.name``. Components the scenario leaves out are passed
    through unchanged (an identity scenario reproduces the baseline's arrays exactly).
    ``base_info`` may say which baseline this is (``{"kind": "official"|"trend", ...}``); if
    given, it must match ``scenario.baseline``. A gross-mode baseline's net adjustment
    (``netmig_count_year_sex_age``, the official baseline's residual) is passed through
    unchanged unless ``migration.mode = "none"``.
    """
    if baseline.batch_shape[0] != 1:
        raise InputValidationError(
            f"the baseline holds {baseline.batch_shape[0]} scenarios; one expected",
            location="apply_scenario",
        )
    if base_info is not None and base_info.get("kind") not in (None, scenario.baseline):
        raise InputValidationError(
            f"scenario {scenario.name!r} changes the {scenario.baseline!r} baseline but was "
            f"given the {base_info.get('kind')!r} baseline",
            location="apply_scenario",
        )
    years = baseline.years
    fert = _single(baseline.fert_rate_year_age)
    death = _single(baseline.death_prob_year_sex_age)
    srb = _single(np.asarray(baseline.srb_males_per_female_year))
    assert fert is not None and death is not None and srb is not None
    if not scenario.fertility.is_identity:
        fert = _apply_fertility(fert, scenario.fertility, years, baseline.base_year)
    if not scenario.mortality.is_identity:
        death = _apply_mortality(death, scenario.mortality, years, baseline.base_year)
    if scenario.sex_ratio_at_birth is not None:
        srb = np.full(srb.shape, scenario.sex_ratio_at_birth)
    fields = {
        name: _single(getattr(baseline, name))
        for name in ("immig_count_year_sex_age", "emig_rate_year_sex_age",
                     "inmig_count_year_sex_age", "outmig_rate_year_sex_age",
                     "netmig_count_year_sex_age")
    }
    if baseline.migration_mode != "gross":
        for name in ("immig_count_year_sex_age", "emig_rate_year_sex_age",
                     "inmig_count_year_sex_age", "outmig_rate_year_sex_age"):
            fields[name] = None
    if not baseline.has_net_migration:
        fields["netmig_count_year_sex_age"] = None
    fields, mode = _apply_migration(
        fields, baseline.migration_mode, scenario.migration, baseline.regions
    )

    def batch(arr: FloatArray | None) -> FloatArray | None:
        return None if arr is None else np.asarray(arr)[np.newaxis]

    return ProjectionInputs(
        base_year=baseline.base_year,
        pop_count_sex_age_base=baseline.pop_count_sex_age_base,
        fert_rate_year_age=batch(fert),  # type: ignore[arg-type]
        death_prob_year_sex_age=batch(death),  # type: ignore[arg-type]
        immig_count_year_sex_age=batch(fields["immig_count_year_sex_age"]),
        emig_rate_year_sex_age=batch(fields["emig_rate_year_sex_age"]),
        inmig_count_year_sex_age=batch(fields["inmig_count_year_sex_age"]),
        outmig_rate_year_sex_age=batch(fields["outmig_rate_year_sex_age"]),
        netmig_count_year_sex_age=batch(fields["netmig_count_year_sex_age"]),
        srb_males_per_female_year=batch(srb),  # type: ignore[arg-type]
        migration_mode=mode,  # type: ignore[arg-type]
        scenarios=(scenario.name,),
        regions=baseline.regions,
        n_years=baseline.n_years,
    )


def stack_scenarios(inputs: Sequence[ProjectionInputs]) -> ProjectionInputs:
    """Concatenate single- or multi-scenario inputs along the scenario axis.

    All must share base year, regions, number of years and migration mode. Scenario names
    must be unique (they label the results). A gross-mode net adjustment present in any of
    them is kept (zeros for the others).
    """
    if not inputs:
        raise InputValidationError("no scenarios to run", location="scenarios")
    first = inputs[0]
    for other in inputs[1:]:
        for attr in ("base_year", "regions", "n_years", "migration_mode"):
            if getattr(other, attr) != getattr(first, attr):
                raise InputValidationError(
                    f"{attr} differs between scenarios ({getattr(first, attr)!r} vs "
                    f"{getattr(other, attr)!r}); a batch needs the same {attr}",
                    location="scenarios",
                )
    names = [n for inp in inputs for n in inp.scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputValidationError(
            f"scenario name(s) {dupes} used more than once; every scenario in a batch needs "
            "its own name",
            location="scenarios",
        )

    has_net = any(inp.has_net_migration for inp in inputs)

    def cat(name: str) -> FloatArray | None:
        arrays = [getattr(inp, name) for inp in inputs]
        if name == "netmig_count_year_sex_age" and not has_net:
            return None
        if first.migration_mode != "gross" and name in (
            "immig_count_year_sex_age", "emig_rate_year_sex_age", "inmig_count_year_sex_age",
            "outmig_rate_year_sex_age",
        ):
            return None
        return np.concatenate([np.asarray(a) for a in arrays], axis=0)

    return ProjectionInputs(
        base_year=first.base_year,
        pop_count_sex_age_base=cat("pop_count_sex_age_base"),  # type: ignore[arg-type]
        fert_rate_year_age=cat("fert_rate_year_age"),  # type: ignore[arg-type]
        death_prob_year_sex_age=cat("death_prob_year_sex_age"),  # type: ignore[arg-type]
        immig_count_year_sex_age=cat("immig_count_year_sex_age"),
        emig_rate_year_sex_age=cat("emig_rate_year_sex_age"),
        inmig_count_year_sex_age=cat("inmig_count_year_sex_age"),
        outmig_rate_year_sex_age=cat("outmig_rate_year_sex_age"),
        netmig_count_year_sex_age=cat("netmig_count_year_sex_age"),
        srb_males_per_female_year=cat("srb_males_per_female_year"),  # type: ignore[arg-type]
        migration_mode=first.migration_mode,
        scenarios=tuple(names),
        regions=first.regions,
        n_years=first.n_years,
    )


def apply_scenarios(
    baseline: ProjectionInputs,
    scenarios: Iterable[Scenario],
    base_info: Mapping[str, Any] | None = None,
) -> ProjectionInputs:
    """Several scenarios on one baseline, batched along the scenario axis (S = len)."""
    return stack_scenarios([apply_scenario(baseline, s, base_info) for s in scenarios])
