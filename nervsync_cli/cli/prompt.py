"""``--strategy manual`` on a terminal: ask per conflict."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.prompt import Prompt

from ..model import Conflict
from ..paths import format_path
from ..render.diff_table import value_text
from ..resolve import UNRESOLVED


class PromptResolver:
    """Asks keep source / keep target / edit value / skip for each conflict."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def resolve(self, conflict: Conflict) -> Any:
        """The value chosen at the prompt, or ``UNRESOLVED`` to skip."""
        self.console.print(f"[bold]{format_path(conflict.path)}[/bold]", markup=True)
        self.console.print(f"  s) source: {value_text(conflict.source)}", markup=False)
        self.console.print(f"  t) target: {value_text(conflict.target)}", markup=False)
        answer = Prompt.ask("keep [s]ource, keep [t]arget, [e]dit value, s[k]ip",
                            choices=["s", "t", "e", "k"], default="k", console=self.console)
        if answer == "s":
            return conflict.source
        if answer == "t":
            return conflict.target
        if answer == "e":
            while True:
                text = Prompt.ask("new value (JSON)", console=self.console)
                try:
                    return json.loads(text)
                except json.JSONDecodeError as exc:
                    self.console.print(f"not JSON: {exc}", markup=False)
        return UNRESOLVED
