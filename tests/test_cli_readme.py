"""The README's command list and the command line's own help say the same thing.

Every command and option in the README's "Command line" block exists in
``scorecard --help`` and the command's ``--help``, and every command and option of the
command line is in the README (``--db``, taken by every command that uses the store,
in the sentence under the block).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scorecard.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def _readme_commands() -> tuple[dict[str, set[str]], str]:
    """Each command of the README's block with its options; and the text after the block."""
    text = README.read_text("utf-8")
    section = text.split("## Command line", 1)[1]
    block, after = section.split("```sh\n", 1)[1].split("```", 1)
    commands: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        found = re.match(r"scorecard (\w[\w-]*)", line)
        if found:
            current = found.group(1)
            commands[current] = set()
        assert current is not None, f"README command block: {line!r} continues no command"
        commands[current] |= set(OPTION.findall(line))
    return commands, after.split("\n## ", 1)[0]


def _cli_commands(capsys: pytest.CaptureFixture[str]) -> dict[str, set[str]]:
    """Each command of ``scorecard --help`` with the options of its own help."""
    top = _help(capsys)
    listed = top.split("\n  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    names = re.findall(r"^    (\w[\w-]*)", listed, flags=re.M)
    assert names, top
    return {name: set(OPTION.findall(_help(capsys, name))) - {"--help"} for name in names}


def test_every_readme_command_and_option_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    cli = _cli_commands(capsys)
    readme, _ = _readme_commands()
    for command, options in readme.items():
        assert command in cli, f"README lists `scorecard {command}`, which `scorecard --help` does not have"
        missing = options - cli[command]
        assert not missing, f"README gives `scorecard {command}` {sorted(missing)}, not in its --help"


def test_every_command_and_option_of_the_help_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    cli = _cli_commands(capsys)
    readme, after = _readme_commands()
    assert "`--db URL`" in after, "the README says under its block that every store command takes --db"
    for command, options in cli.items():
        assert command in readme, f"`scorecard {command}` is not in the README's command list"
        undocumented = options - readme[command] - {"--db"}
        assert not undocumented, f"`scorecard {command}` options {sorted(undocumented)} are not in the README"


def test_the_readme_check_sees_a_missing_option(capsys: pytest.CaptureFixture[str]) -> None:
    """The parse is not vacuous: it finds the options it should."""
    readme, _ = _readme_commands()
    assert readme["kpis"] == {"--grain", "--from", "--to", "--by", "--la", "--format", "--audience"}
    assert "--no-recompute" in _cli_commands(capsys)["load"]
