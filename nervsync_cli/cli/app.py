"""The typer application, the shared options, and the one place exceptions become exit codes."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import typer

from ..errors import ExitStatus, NervsyncError

HELP = """Structure-aware diff, sync and merge of JSON, YAML and CSV model files.

Exit codes: 0 no differences / success, 1 differences or unresolved conflicts,
2 usage or input error (3 for an internal crash). With --detailed-exitcode, diff
uses terraform's convention instead: 0 none, 2 differences, 1 error.
"""

app = typer.Typer(
    name="nervsync",
    help=HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"nervsync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Structure-aware diff, sync and merge of JSON, YAML and CSV model files."""


# Where each command is defined (a module registers its commands when it is imported).
_COMMAND_MODULES = {
    "check": "check_cmd", "diff": "diff_cmd", "history": "history_cmd", "undo": "history_cmd",
    "merge": "merge_cmd", "patch": "patch_cmd", "apply": "plan_cmd", "show": "plan_cmd", "sync": "sync_cmd",
}


def _register_commands(name: str | None) -> None:
    """Import the module of command ``name``, or of every command (help, or a name to correct).

    Scripts and CI call one command thousands of times: importing every other command (and what
    it pulls in) would add up to 0.1 s to each start. The root callback keeps typer in subcommand
    mode, so a command parses exactly as with all commands registered.
    """
    modules = [_COMMAND_MODULES[name]] if name in _COMMAND_MODULES else sorted(set(_COMMAND_MODULES.values()))
    for module in modules:
        importlib.import_module(f"{__package__}.{module}")


def _error(message: str) -> None:
    sys.stderr.write(f"nervsync: error: {message}\n")


def run(argv: Sequence[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (no ``sys.exit``), mapping every error."""
    args = list(argv)
    _register_commands(args[0] if args else None)
    debug = "--debug" in args
    detailed = "--detailed-exitcode" in args
    try:
        result = app(args=args, prog_name="nervsync", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitStatus.OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:
        message = exc.format_message().strip()
        show = getattr(exc, "show", None)
        if "\n" in message and show is not None:
            show()  # the help screen of a command given no arguments
        else:
            # One line like every other error, so scripts can grep stderr the same way for all.
            command = getattr(getattr(exc, "ctx", None), "command_path", None)
            hint = f" (see '{command} --help')" if command else ""
            _error(message + hint)
        code = ExitStatus.ERROR
    except typer.Abort:
        _error("aborted")
        code = ExitStatus.ERROR
    except NervsyncError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        code = exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        code = 130
    except BrokenPipeError:
        code = ExitStatus.ERROR
    except Exception as exc:  # a crash must never look like "differences" (exit 1)
        if debug:
            traceback.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        code = ExitStatus.CRASH
    if detailed and code in (ExitStatus.DIFFERENCES, ExitStatus.ERROR):
        code = ExitStatus.ERROR if code == ExitStatus.DIFFERENCES else ExitStatus.DIFFERENCES
    return code


_KEPT: list[object] = []


def keep_until_exit(*trees: object) -> None:
    """Let the operating system reclaim these loaded documents when :func:`main` ends the process.

    Freeing a tree object by object costs about 0.2 s per 100,000-record file, after the work is done.
    """
    _KEPT.extend(trees)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Console-script entry point.

    Ends with ``os._exit`` once the output is flushed, so the documents held by
    :func:`keep_until_exit` are not freed one object at a time. Every file nervsync writes is
    complete (written, synced and renamed) and every store committed before a command returns.
    """
    code = run(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or ExitStatus.ERROR
    os._exit(code)
