"""Domain errors and warnings: every message names what was wrong and what is allowed."""

from __future__ import annotations


class CalculatorError(Exception):
    """Base class of the calculator's own errors."""


class InputValidationError(CalculatorError, ValueError):
    """Model input that is outside what the model accepts.

    ``location`` says where (a file, row and column, or a field name); the message says what
    was found and what is allowed.
    """

    def __init__(self, message: str, *, location: str | None = None) -> None:
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class BalanceError(CalculatorError, ArithmeticError):
    """The demographic balance identity did not hold (a bug, never a user error)."""


class ScbApiError(CalculatorError):
    """SCB's API answered with an error or could not be reached."""


class CalculatorWarning(UserWarning):
    """Something the user should know about the result (e.g. net emigration clipped)."""
