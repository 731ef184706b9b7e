"""Reading scenario files (``scenarios/*.toml``, schema in ``scenarios/README.md``).

The file I/O for :mod:`calculator.scenario`, which parses and validates text only
(:func:`calculator.scenario.scenario_from_toml`).
"""

from __future__ import annotations

from pathlib import Path

from calculator.exceptions import InputValidationError
from calculator.scenario import Scenario, scenario_from_toml


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file; errors name the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputValidationError(
            f"cannot read the file ({exc.strerror})", location=str(path)
        ) from exc
    return scenario_from_toml(text, source=str(path))
