"""The CLI behaves: a mistake is one line and exit 2, `--help` loads nothing heavy,
`--json` prints only JSON, progress bars appear only for a person at a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import BIN, BLANK

TASKMASTER = str(BIN / "taskmaster")


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TASKMASTER, *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


MISTAKES = [
    ["bogus"],
    ["--bogus"],
    ["process"],
    ["process", "--bogus", "x.png"],
    ["serve", "--port", "abc"],
    ["serve", "--port", "99999"],
    ["serve", "--workers", "many"],
    ["import"],
    ["worker", "--concurrency", "0"],
    ["apps", "bogus"],
    ["apps", "show"],
    ["db", "upgrade", "head", "extra"],
    ["users", "add"],
    ["users", "add", "bob", "--role"],
    ["tokens", "create"],
    ["tokens", "revoke"],
    ["doctor", "--jsn"],
]


@pytest.mark.parametrize("args", MISTAKES, ids=" ".join)
def test_a_mistyped_command_is_one_line_and_exit_2(args: list[str], home: Path) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: taskmaster"), lines[0]
    assert "--help" in lines[0]  # says where to look


def test_the_line_names_the_problem(home: Path) -> None:
    assert "No such command 'bogus'" in run("bogus").stderr
    assert "'--port'" in run("serve", "--port", "abc").stderr
    assert "Missing argument 'files'" in run("process").stderr


def test_a_bad_setting_is_one_line_naming_the_variable(home: Path) -> None:
    proc = run("apps", "list", env={**os.environ, "TASKMASTER_PORT": "abc"})
    assert proc.returncode == 3
    assert proc.stderr.strip() == (
        "error: TASKMASTER_PORT: Input should be a valid integer, "
        "unable to parse string as an integer (got 'abc')"
    )


HEAVY = [
    "sqlalchemy",
    "fastapi",
    "uvicorn",
    "numpy",
    "cv2",
    "argon2",
    "tesserocr",
    "onnxruntime",
    "pydantic",
    "taskmaster.api",
    "taskmaster.pipeline",
    "taskmaster.db",
]


def test_help_imports_only_the_command_line(tmp_path: Path) -> None:
    listing = tmp_path / "modules.txt"
    code = (
        "import sys\nfrom taskmaster.cli.main import main\n"
        "sys.argv = ['taskmaster', '--help']\ncode = 0\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"open({str(listing)!r}, 'w').write(f'{{code}}\\n' + '\\n'.join(sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "process" in proc.stdout and "serve" in proc.stdout  # the command list
    status, *modules = listing.read_text().splitlines()
    assert status == "0"
    loaded = [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []
    assert "taskmaster.cli.main" in modules


def test_json_everywhere_a_command_prints_data(home: Path) -> None:
    apps = json.loads(run("apps", "list", "--json").stdout)
    assert {a["name"] for a in apps} >= {"intake", "receipts"}
    intake = json.loads(run("apps", "show", "intake", "--json").stdout)
    assert intake["name"] == "intake"
    assert any(f["name"] == "last_name" for pt in intake["page_types"] for f in pt["fields"])
    checked = json.loads(run("apps", "validate", "intake", "--json").stdout)
    assert checked[0]["ok"] is True
    made = subprocess.run(
        [TASKMASTER, "users", "add", "clerk", "--role", "operator", "--password-stdin"],
        input="a-long-password\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    users = json.loads(run("users", "list", "--json").stdout)
    assert {"name": "clerk", "role": "operator", "state": "active"}.items() <= next(
        u for u in users if u["name"] == "clerk"
    ).items()
    token = run("tokens", "create", "--user", "clerk", "--role", "viewer").stdout.strip()
    [row] = json.loads(run("tokens", "list", "--json").stdout)
    assert token.startswith(row["prefix"]) and row["state"] == "active"
    doctor = run("doctor", "--json")
    checks = {c["check"]: c for c in json.loads(doctor.stdout)}
    assert set(checks) == {"port", "database", "engines", "data", "tls"}
    assert checks["database"]["ok"] is True


def _on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (a person watching) and stdout on a pipe."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [TASKMASTER, *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=300)
    reader.join(timeout=10)
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_progress_on_a_terminal_only_and_never_with_json(home: Path) -> None:
    code, out, err = _on_a_terminal(["process", "--app", "intake", str(BLANK)])
    assert code == 0, err
    assert "1 file(s)" in err  # the workflow's bar, drawn on stderr
    assert "1 file(s)" not in out and "\x1b" not in out
    code, out, err = _on_a_terminal(["process", "--app", "intake", "--json", str(BLANK)])
    assert code == 0, err
    assert err == ""
    assert json.loads(out)[0]["type"] == "intake-v1"
    piped = run("import", BLANK, "--app", "intake")  # not a terminal: no bar
    assert piped.returncode == 0 and piped.stderr == ""
    code, out, err = _on_a_terminal(["import", str(BLANK), "--app", "intake"])
    assert code == 0 and "reading files" in err
    assert out.strip() and "\x1b" not in out  # only the batch id on stdout
