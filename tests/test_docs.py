"""Every command has help and is documented in the README with each of its options."""
from __future__ import annotations

from pathlib import Path

import pytest

from cchc_sheets.cli import COMMANDS, cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_and_a_readme_section(name, run_cli):
    result = run_cli(name, "--help")
    assert result.exit_code == 0 and "Usage: " in result.output
    assert f"cchc {name}" in README


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_is_in_the_readme(name):
    command = cli.get_command(None, name)
    options = [opt for param in command.params for opt in getattr(param, "opts", []) if opt.startswith("--")]
    missing = [opt for opt in options if opt not in README]
    assert not missing, f"cchc {name}: options not in README.md: {missing}"


def test_readme_starts_with_the_two_commands():
    head = README.split("\n", 12)[:8]
    assert any("scripts/demo.sh" in line for line in head) and any("scripts/test.sh" in line for line in head)
