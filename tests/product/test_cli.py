import subprocess
import sys

import pytest

SUBCOMMANDS = ["serve", "worker", "migrate", "createadmin", "emulator"]


def run_scs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simplecommercesync", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_every_subcommand() -> None:
    result = run_scs("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name: str) -> None:
    result = run_scs(name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: scs {name}" in result.stdout
