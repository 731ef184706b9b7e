"""Befolkningskalkylatorn: a vectorised cohort-component population projection model.

Layers (bottom to top): ``grid`` (ages, sexes, axis order) -> ``inputs`` (validated model
inputs) -> component maths (``fertility``, ``mortality``, ``migration``) -> ``projection``
(one-year kernel, loop over years, balance check) -> ``results`` (tidy tables).
``calculator.data`` is the only package that does I/O. Nothing here imports the UI.

Conventions used everywhere: stocks are at 31 December; flows are per calendar year; age is
age at the end of the year (= age reached during the year, i.e. birth-year cohorts), as in
SCB's population statistics; rates are per person-year.
"""

__version__ = "0.1.0"
