"""A progress display on stderr that appears only when a run takes more than a second."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

_DELAY_SECONDS = 1.0


class StageProgress:
    """Context manager receiving ``callback(stage, current, total)`` calls from the library.

    Nothing is drawn on a pipe, nor for runs shorter than a second, so scripts and quick runs see
    clean stderr. The display's timer, a thread, starts with the first stage, not before: until
    then the process has one thread, and may fork (see ``split_load``).
    """

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Progress | None = _bar() if self.enabled else None
        self._task: TaskID | None = None
        self._timer: threading.Timer | None = None
        # The timer thread starts the display while the main thread may be leaving: the lock makes
        # "start" and "closed" one decision, so a late timer never draws after the run ended.
        self._lock = threading.Lock()
        self._started = False
        self._closed = False

    def __enter__(self) -> StageProgress:
        if self._progress is not None:
            self._task = self._progress.add_task("starting", total=None)
        return self

    def _start(self) -> None:
        with self._lock:
            if not self._closed and self._progress is not None:
                self._progress.start()
                self._started = True

    def __call__(self, stage: str, current: int = 0, total: int | None = None) -> None:
        if self._task is not None and self._progress is not None:
            self._progress.update(self._task, description=stage, completed=current, total=total)
            if self._timer is None:
                self._timer = threading.Timer(_DELAY_SECONDS, self._start)
                self._timer.daemon = True
                self._timer.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._closed = True
            # Only a display that was drawn is stopped: rich's stop() on a never-started display
            # still writes a newline to stderr, which breaks the one-line error contract.
            if self._started and self._progress is not None:
                self._progress.stop()


def _bar() -> Progress:
    # rich is imported only for a terminal: on a pipe (scripts, CI) nothing is drawn.
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)
