"""Settings from files (`TASKMASTER_<NAME>_FILE`) and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskmaster.errors import ConfigError
from taskmaster.settings import Settings


def test_a_secret_comes_from_the_file_named_by_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "admin_password"
    secret.write_text("s3cret-from-a-file\n")  # as `echo ... > file` leaves it
    monkeypatch.setenv("TASKMASTER_ADMIN_PASSWORD_FILE", str(secret))
    monkeypatch.delenv("TASKMASTER_ADMIN_PASSWORD", raising=False)
    url = tmp_path / "db_url"
    url.write_text("postgresql+psycopg://tm:pw@db/tm")
    monkeypatch.setenv("TASKMASTER_DATABASE_URL_FILE", str(url))
    monkeypatch.delenv("TASKMASTER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TASKMASTER_PORT_FILE", str(tmp_path / "port"))
    (tmp_path / "port").write_text("2499\n")
    settings = Settings()
    assert settings.admin_password == "s3cret-from-a-file"
    assert settings.db_url == "postgresql+psycopg://tm:pw@db/tm"
    assert settings.port == 2499
    assert Settings(port=2500).port == 2500  # an explicit argument (a CLI option) wins


def test_both_the_variable_and_its_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pw").write_text("one")
    monkeypatch.setenv("TASKMASTER_SESSION_SECRET_FILE", str(tmp_path / "pw"))
    monkeypatch.setenv("TASKMASTER_SESSION_SECRET", "two")
    with pytest.raises(
        ConfigError, match="both TASKMASTER_SESSION_SECRET and TASKMASTER_SESSION_SECRET_FILE"
    ):
        Settings()


def test_an_unreadable_file_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKMASTER_ADMIN_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="TASKMASTER_ADMIN_PASSWORD_FILE: cannot read"):
        Settings()


def test_a_bad_value_is_a_config_error_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKMASTER_QUEUE", "rabbit")
    with pytest.raises(ConfigError, match="TASKMASTER_QUEUE: .*'embedded'.*got 'rabbit'"):
        Settings()
