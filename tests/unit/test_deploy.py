"""The packaging an IT team takes through change control: Dockerfile, compose files,
systemd units, secrets, the lock file and the Makefile.

These machines have no container engine, so the image is not built here: the Dockerfile
is linted (hadolint, from the dev extra) and checked against the code (port, health path,
settings names), and the compose files are validated against the Compose Specification's
JSON schema (tests/data/compose-spec.json, what `docker compose config` checks) and for
consistency with each other, the Dockerfile and the settings. Where `docker compose` is
installed it also runs `docker compose config`.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from taskmaster.api.routes import health
from taskmaster.settings import Settings
from tests.conftest import BIN, ROOT

DEPLOY = ROOT / "deploy"
COMPOSE_FILES = [DEPLOY / "compose.yaml", DEPLOY / "compose.scale.yaml"]
SETTINGS = set(Settings.model_fields)


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def _setting_var(name: str) -> bool:
    """Whether TASKMASTER_<X> (or TASKMASTER_<X>_FILE) names a real setting."""
    key = name.removeprefix("TASKMASTER_").lower()
    return key in SETTINGS or key.removesuffix("_file") in SETTINGS


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_dockerfile_matches_the_code() -> None:
    steps = _instructions()
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    froms = [a for k, a in steps if k == "FROM"]
    assert len(froms) == 2 and all(f.startswith("${PYTHON_IMAGE}") for f in froms)
    assert re.fullmatch(r"python:3\.11-slim-\w+", args["PYTHON_IMAGE"])  # as constraints.txt
    [user] = [a for k, a in steps if k == "USER"]
    assert re.fullmatch(r"[1-9]\d+:[1-9]\d+", user)  # numeric and not root
    assert [a for k, a in steps if k == "EXPOSE"] == [str(Settings().port)]
    [check] = [a for k, a in steps if k == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{Settings().port}/readyz" in check
    assert "/readyz" in {getattr(r, "path", None) for r in health.router.routes}
    env = " ".join(a for k, a in steps if k == "ENV")
    names = re.findall(r"(TASKMASTER_\w+)=", env)
    assert names and all(_setting_var(n) for n in names), names
    assert "TASKMASTER_HOST=0.0.0.0" in env
    runs = " ".join(a for k, a in steps if k == "RUN")
    assert "-c constraints.txt" in runs
    assert not re.search(r"\b(curl|wget|apt-get)\b", runs)  # nothing fetched, nothing extra
    assert not any(k == "ADD" for k, _ in steps)
    assert [a for k, a in steps if k == "ENTRYPOINT"] == ['["taskmaster"]']


def test_dockerignore_lets_in_what_the_build_copies() -> None:
    allowed = {
        ln[1:].rstrip("/")
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.startswith("!")
    }
    copied = [
        src
        for k, a in _instructions()
        if k == "COPY" and "--from" not in a
        for src in a.split()[:-1]
    ]
    assert copied and all(src.rstrip("/") in allowed for src in copied), (copied, allowed)
    assert all((ROOT / src).exists() for src in copied)


def _compose(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_is_valid_compose(path: Path) -> None:
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_compose(path))
    # No container engine on these machines; where the compose plugin exists, ask it too.
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(
            [docker, "compose", "version"], capture_output=True, timeout=30
        ).returncode
        == 0
    ):
        done = subprocess.run(
            [docker, "compose", "-f", str(path), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr


def _secrets_made(tmp_path: Path) -> Path:
    out = tmp_path / "secrets"
    done = subprocess.run(
        [str(DEPLOY / "make-secrets.sh"), str(out)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
def test_compose_file_is_consistent(path: Path, tmp_path: Path) -> None:
    doc = _compose(path)
    services: dict[str, Any] = doc["services"]
    made = {p.name for p in _secrets_made(tmp_path).iterdir()}
    for name, svc in services.items():
        one_shot = svc.get("restart") == "no"
        assert one_shot or "healthcheck" in svc, f"{name} has no healthcheck"
        for dep, cond in svc.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} cannot become healthy"
            if cond["condition"] == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} never completes"
        for volume in svc.get("volumes", []):
            assert volume.split(":")[0] in doc["volumes"], f"{name}: undeclared {volume}"
        for secret in svc.get("secrets", []):
            assert secret in doc["secrets"], f"{name}: undeclared secret {secret}"
        env_file = svc.get("env_file")
        if env_file:
            assert Path(env_file).parent == Path("secrets") and Path(env_file).name in made
        env = svc.get("environment", {})
        bad = [k for k in env if k.startswith("TASKMASTER_") and not _setting_var(k)]
        assert not bad, f"{name}: no such setting {bad}"
        for key, value in env.items():
            if key.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                assert str(value).removeprefix("/run/secrets/") in svc["secrets"], key
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond localhost"
        if "build" in svc:
            assert (path.parent / svc["build"]["context"] / svc["build"]["dockerfile"]).exists()
        if (
            svc.get("command", [None])[0] in ("serve", None)
            and "build" in svc
            and "healthcheck" in svc
        ):
            assert "127.0.0.1:2402/readyz" in " ".join(svc["healthcheck"]["test"])
        if svc.get("command", [None])[0] == "worker":
            command = svc["command"]
            port = command[command.index("--metrics-port") + 1]
            assert f"127.0.0.1:{port}/healthz" in " ".join(svc["healthcheck"]["test"])
    for secret in doc["secrets"].values():
        assert (
            Path(secret["file"]).parent == Path("secrets") and Path(secret["file"]).name in made
        ), f"make-secrets.sh does not create {secret['file']}"


def test_scale_compose_runs_every_process_against_one_queue_and_store() -> None:
    services = _compose(DEPLOY / "compose.scale.yaml")["services"]
    ours = {n: s for n, s in services.items() if s.get("image", "").startswith("taskmaster")}
    assert {"server", "worker", "migrate", "bucket"} <= set(ours)
    for name in ("server", "worker", "migrate"):
        env = ours[name]["environment"]
        assert env["TASKMASTER_QUEUE"] == "procrastinate" and env["TASKMASTER_STORE"] == "s3"
        assert env["TASKMASTER_DATABASE_URL_FILE"] == "/run/secrets/database_url"
        assert env["TASKMASTER_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert ours["server"]["environment"]["TASKMASTER_WORKERS"] == "0"
    assert ours["migrate"]["command"] == ["db", "upgrade"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert (
        services["postgres"]["environment"]["POSTGRES_USER"]
        in (ROOT / "deploy" / "make-secrets.sh").read_text()
    )


@pytest.mark.parametrize("script", ["make-secrets.sh", "smoke-test.sh"])
def test_shell_scripts_parse(script: str) -> None:
    path = DEPLOY / script
    assert path.stat().st_mode & 0o111, f"{script} is not executable"
    done = subprocess.run(["sh", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_make_secrets_is_consistent_and_keeps_what_exists(tmp_path: Path) -> None:
    out = _secrets_made(tmp_path)
    password = (out / "postgres_password").read_text()
    assert len(password) >= 32
    assert (
        out / "database_url"
    ).read_text() == f"postgresql+psycopg://taskmaster:{password}@postgres:5432/taskmaster"
    minio = dict(ln.split("=", 1) for ln in (out / "minio.env").read_text().splitlines())
    creds = (out / "s3_credentials").read_text()
    assert f"aws_access_key_id = {minio['MINIO_ROOT_USER']}" in creds
    assert f"aws_secret_access_key = {minio['MINIO_ROOT_PASSWORD']}" in creds
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    before = {p.name: p.read_text() for p in out.iterdir()}
    _secrets_made(tmp_path)
    assert {p.name: p.read_text() for p in out.iterdir()} == before


@pytest.mark.parametrize("unit", ["taskmaster.service", "taskmaster-worker@.service"])
def test_systemd_unit_verifies_and_is_hardened(unit: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: `make test` installs Debian's systemd"
    text = (DEPLOY / unit).read_text()
    for key in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "User=taskmaster",
    ):
        assert key in text, key
    # verify checks that ExecStart's program exists: point it at this checkout's.
    local = tmp_path / unit
    local.write_text(text.replace("/opt/taskmaster/bin/taskmaster", str(BIN / "taskmaster")))
    name = unit.replace("@.", "@1.")
    if name != unit:
        (tmp_path / name).symlink_to(local)
    done = subprocess.run(
        [analyze, "verify", f"./{name}"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and (done.stdout + done.stderr).strip() == "", done.stderr
    score = subprocess.run(
        [analyze, "security", "--offline=yes", f"./{name}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    level = re.search(r"Overall exposure level for \S+: ([\d.]+)", score.stdout + score.stderr)
    assert level and float(level.group(1)) <= 2.0, score.stdout[-2000:]
    exec_start = next(ln for ln in text.splitlines() if ln.startswith("ExecStart="))
    assert shlex.split(exec_start.split("=", 1)[1])[1] in ("serve", "worker")


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def test_constraints_pin_every_dependency_within_its_range() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    import tomllib

    project = tomllib.loads(pyproject)["project"]
    wanted = [
        *project["dependencies"],
        *project["optional-dependencies"]["s3"],
        *project["optional-dependencies"]["dev"],
    ]
    pins = _pins()
    for spec in map(Requirement, wanted):
        name = canonicalize_name(spec.name)
        assert name in pins, f"{spec.name} is not in constraints.txt: run `make lock`"
        assert spec.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {spec.name}=={pins[name]}, pyproject wants {spec}"
        )


def test_make_run_installs_no_test_tools_and_make_test_does() -> None:
    def plan(target: str) -> str:
        return subprocess.run(
            ["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=30
        ).stdout

    run, test = plan("run"), plan("test")
    assert "-c constraints.txt -e ." in run and "[dev]" not in run
    assert "taskmaster serve" in run
    assert "-c constraints.txt -e '.[dev]'" in test and "pytest" in test
