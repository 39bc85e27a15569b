"""Commands imported only when they run, so `taskmaster --help` stays fast.

A command is named in `main.COMMANDS` by its module and attribute (`module:attr`) with
the one-line help that the command list shows. The group lists them from those names;
only the command that runs (or whose `--help` is asked) imports its module, which may
pull in the engines, the web server or the database layer.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    """One top-level command: its name, where it lives, and its line in the list."""

    name: str
    target: str  # "taskmaster.cli.process:process": a function, or a typer.Typer group
    help: str

    def load(self) -> Any:
        """The real click command (imports the module)."""
        module, _, attr = self.target.partition(":")
        obj = getattr(importlib.import_module(module), attr)
        if isinstance(obj, typer.Typer):
            obj.info.name = self.name
            return typer.main.get_group(obj)
        single = typer.Typer(add_completion=False)
        single.command(self.name, help=self.help if not obj.__doc__ else None)(obj)
        return typer.main.get_command(single)


class LazyCommand(TyperCommand):
    """A placeholder with the command's name and help; the real one is made on use."""

    def __init__(self, spec: Lazy) -> None:
        super().__init__(spec.name, help=spec.help, short_help=spec.help)
        self.spec = spec
        self._real: Any = None

    def real(self) -> Any:
        if self._real is None:
            self._real = self.spec.load()
        return self._real

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        # The group runs `sub_ctx.command.invoke(sub_ctx)`: the real command from here on.
        return self.real().make_context(info_name, args, parent=parent, **extra)


class LazyGroup(TyperGroup):
    """The root group: lists `commands` by name and loads one only when it runs."""

    lazy: dict[str, Lazy] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*self.lazy, *super().list_commands(ctx)]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in self.lazy:
            found = LazyCommand(self.lazy[cmd_name])
            self.add_command(found, cmd_name)
        return found


def group_class(commands: list[Lazy]) -> type[LazyGroup]:
    """A LazyGroup subclass holding `commands` (typer instantiates the class itself)."""
    return type("TaskmasterGroup", (LazyGroup,), {"lazy": {c.name: c for c in commands}})
