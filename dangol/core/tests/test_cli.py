"""The ``dangol`` console script runs Django's commands from a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DANGOL = Path(sys.executable).parent / "dangol"


def _run(*args: str) -> subprocess.CompletedProcess:
    # The child inherits the environment (DATABASE_URL, DANGOL_DATA_DIR) of the test run.
    return subprocess.run(  # noqa: S603 - a fixed executable with fixed arguments
        [str(DANGOL), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_help_lists_the_commands():
    result = _run("--help")
    assert result.returncode == 0, result.stderr
    assert "Type 'dangol help <subcommand>' for help on a specific subcommand." in result.stdout
    assert "migrate" in result.stdout


def test_check_finds_no_issues():
    result = _run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_unknown_command_fails_with_a_message():
    result = _run("no-such-command")
    assert result.returncode == 1
    assert "Unknown command: 'no-such-command'" in result.stderr
