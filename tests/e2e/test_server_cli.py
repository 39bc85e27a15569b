"""The server's CLI around a running server: port taken, doctor, users."""

from __future__ import annotations

from typer.testing import CliRunner

from taskmaster.cli.main import app
from tests.e2e.conftest import Server


def test_serve_names_the_process_holding_the_port(server: Server) -> None:
    done = server.cli("serve", "--port", str(server.port))
    assert done.returncode != 0
    assert f"port {server.port} is already in use" in done.stderr
    assert f"pid={server.pid}" in done.stderr and "serve" in done.stderr


def test_doctor_reports_listener_database_engines(server: Server) -> None:
    env = {**server.env, "TASKMASTER_PORT": str(server.port)}
    server.env, saved = env, server.env
    try:
        done = server.cli("doctor")
    finally:
        server.env = saved
    lines = {line.split()[1]: line for line in done.stdout.splitlines()}
    assert f"pid={server.pid}" in lines["port"]
    assert lines["database"].startswith("ok") and "schema at" in lines["database"]
    assert "tesseract" in lines["engines"] and "zxing-cpp" in lines["engines"]
    assert lines["tls"].startswith("ok") and "loopback" in lines["tls"]


def test_users_add_list_passwd(server: Server) -> None:
    added = server.cli(
        "users",
        "add",
        "cli-user",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="cli-user-password\n",
    )
    assert added.returncode == 0, added.stderr
    with server.client(server.admin_token) as c:
        assert c.get("/api/v1/users/cli-user").json()["role"] == "viewer"
    changed = server.cli(
        "users", "passwd", "cli-user", "--password-stdin", stdin="cli-user-password-2\n"
    )
    assert changed.returncode == 0, changed.stderr
    with server.client() as c:
        r = c.post(
            "/api/v1/auth/login", json={"username": "cli-user", "password": "cli-user-password-2"}
        )
    assert r.status_code == 200 and r.json()["role"] == "viewer"


def test_list_commands_in_process(server: Server) -> None:
    # In-process (typer's runner): a subprocess start costs seconds on a busy machine.
    runner = CliRunner()
    users = runner.invoke(app, ["users", "list"], env=server.env)
    assert users.exit_code == 0 and "admin\tadmin\tactive" in users.stdout.splitlines()
    tokens = runner.invoke(app, ["tokens", "list"], env=server.env)
    assert tokens.exit_code == 0
    first = tokens.stdout.splitlines()[0].split("\t")
    assert (
        first[0] == "1" and first[1] == server.admin_token[:11] and first[2:4] == ["admin", "admin"]
    )
