"""Rich output and the one place where errors become exit codes.

Commands only declare options and call plain functions; any ``DrawsvcError`` or
``LedgerError`` that escapes is printed here (code, message, field/rule/rows) and turned
into an exit code. No traceback for bad input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape

from drawsvc import errors
from ledger import errors as ledger_errors

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_VERIFICATION_FAILED = 3
EXIT_NOT_FOUND = 4
EXIT_FORBIDDEN = 5

_EXIT_CODES: list[tuple[type[BaseException], int]] = [
    (ledger_errors.VerificationError, EXIT_VERIFICATION_FAILED),
    (ledger_errors.LedgerError, EXIT_INVALID),
    (errors.InvalidInput, EXIT_INVALID),
    (errors.NotFound, EXIT_NOT_FOUND),
    (errors.Forbidden, EXIT_FORBIDDEN),
    (errors.Unauthenticated, EXIT_FORBIDDEN),
    (errors.DrawsvcError, EXIT_ERROR),
]


def exit_code_for(exc: BaseException) -> int:
    for cls, code in _EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return EXIT_ERROR


def report_error(exc: BaseException) -> None:
    code = getattr(exc, "code", "error")
    err_console.print(f"[bold red]error[/] {escape(f'[{code}] {exc}')}", highlight=False)
    if isinstance(exc, errors.DrawsvcError):
        detail: dict[str, Any] = dict(exc.detail)
        rows = detail.pop("rows", None)
        for key, value in detail.items():
            if value is not None:
                err_console.print(escape(f"  {key}: {value}"), highlight=False)
        if rows:
            for row in rows:
                err_console.print(
                    escape(f"  row {row['row']}, column {row['column']}: {row['message']} ({row['rule']})"),
                    highlight=False,
                )


def run_guarded(fn: Callable[[], Any]) -> Any:
    """Call ``fn``; turn domain and ledger errors into a printed report and an exit code."""
    try:
        return fn()
    except (errors.DrawsvcError, ledger_errors.LedgerError) as exc:
        report_error(exc)
        sys.exit(exit_code_for(exc))
