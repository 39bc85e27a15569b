"""The one settings model. Built once at an entry point (CLI, server, worker), passed down.

Every setting comes from the environment (`TASKMASTER_<NAME>`) or from a file named by
`TASKMASTER_<NAME>_FILE` (Docker and compose secrets, systemd credentials); nothing else
reads the environment. An invalid value is a ConfigError naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from taskmaster.errors import ConfigError

PREFIX = "TASKMASTER_"


class FileSettingsSource(PydanticBaseSettingsSource):
    """`TASKMASTER_<NAME>_FILE=/run/secrets/x`: the setting is the file's content.

    One trailing newline is dropped (`echo secret > file` leaves one). Setting both
    `TASKMASTER_<NAME>` and `TASKMASTER_<NAME>_FILE` is an error: which one wins would be
    a guess.
    """

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        var = f"{PREFIX}{field_name.upper()}"
        path = os.environ.get(f"{var}_FILE")
        if not path:
            return None, field_name, False
        if os.environ.get(var):
            raise ConfigError(f"both {var} and {var}_FILE are set; keep one")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{var}_FILE: cannot read {path}: {exc.strerror}") from exc
        return text.removesuffix("\n").removesuffix("\r"), field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                found[key] = value
        return found


def default_home() -> Path:
    """`$TASKMASTER_HOME`, else `./taskmaster-data` in the current directory."""
    return Path(os.environ.get("TASKMASTER_HOME") or Path.cwd() / "taskmaster-data")


class Settings(BaseSettings):
    """Taskmaster's settings. Each one is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError("; ".join(_describe(e) for e in exc.errors())) from exc

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments (CLI options) win over the environment, which wins over files.
        return init_settings, env_settings, FileSettingsSource(settings_cls)

    home: Path = Field(
        default_factory=default_home,
        description="Data directory: database, page images, inbox, exports.",
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<home>/taskmaster.db (WAL)."
    )
    admin_password: str | None = Field(
        None, description="Password for the first admin instead of a random one."
    )
    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(
        2402, ge=1, le=65535, description="Port `serve` listens on (IANA taskmaster2000)."
    )
    tls_cert: Path | None = Field(None, description="PEM certificate for HTTPS.")
    tls_key: Path | None = Field(None, description="PEM private key for HTTPS.")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="Embedded worker pool size of `serve`.",
    )
    engine_threads: int = Field(
        1,
        ge=1,
        description="Threads OpenCV may use inside one process; workers already "
        "run one process per core, so more only oversubscribes.",
    )
    max_upload_bytes: int = Field(100 * 1024 * 1024, description="Largest accepted file.")
    max_pages: int = Field(500, description="Most pages accepted in one file.")
    max_page_pixels: int = Field(60_000_000, description="Most pixels in one page image.")
    render_dpi: int = Field(300, description="DPI at which PDF pages are rendered.")
    decode_memory_mb: int = Field(
        1024,
        ge=64,
        description="Memory a decoder process may use for one file (MiB) on top "
        "of its libraries; a file needing more is refused (over a limit).",
    )
    decode_cpu_seconds: int = Field(
        30, ge=1, description="CPU seconds a decoder process may spend on one page."
    )
    decode_timeout_seconds: float = Field(
        100.0, gt=0, description="Wall-clock seconds decoding one file may take in all."
    )
    upload_checks: int = Field(
        2,
        ge=1,
        description="Files one process decodes at once (the upload checks of `serve`, "
        "the ingest of a `taskmaster worker -c N`); an upload that finds every decoder busy "
        "for 2 s gets 429 Too Many Requests.",
    )
    apps_dir: Path | None = Field(
        None, description="Extra application directory; default <home>/apps."
    )
    session_secret: str | None = Field(
        None, description="Secret for browser sessions; default a random one kept in home."
    )
    hot_folder: bool = Field(True, description="Watch <home>/inbox while serving.")
    inbox_app: str = Field(
        "intake",
        description="Application for files dropped at the top "
        "of the inbox (inbox/<app>/ picks another).",
    )
    qa_share: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Share of documents that would go straight through "
        "sent to verify anyway (chosen by a hash of the document id), so the error among "
        "accepted fields keeps being measured.",
    )
    calibrate_every: int = Field(
        50,
        ge=0,
        description="`serve` refits an application's calibration after this many "
        "more verified documents of it (0: only `taskmaster calibrate` refits).",
    )
    queue: Literal["embedded", "procrastinate"] = Field(
        "embedded",
        description="Who runs batches: `embedded` (the worker pool of `serve`) "
        "or `procrastinate` (`taskmaster worker` processes; needs PostgreSQL).",
    )
    store: Literal["file", "s3"] = Field(
        "file",
        description="Where page images and input files live: `file` (<home>, a "
        "shared volume for several machines) or `s3` (S3-compatible object storage).",
    )
    s3_bucket: str | None = Field(None, description="Bucket of the `s3` store.")
    s3_prefix: str = Field("", description="Key prefix inside the bucket of the `s3` store.")
    s3_endpoint_url: str | None = Field(
        None,
        description="Endpoint of S3-compatible storage (MinIO, Ceph); default AWS. "
        "Credentials come from the usual AWS_* variables.",
    )
    s3_region: str | None = Field(None, description="Region of the `s3` store's bucket.")
    imap_host: str | None = Field(
        None,
        description="IMAP server whose mails' attachments become batches while "
        "serving (docs/intake.md); unset: no mailbox.",
    )
    imap_port: int = Field(993, description="Port of the IMAP server.")
    imap_tls: Literal["ssl", "starttls", "none"] = Field(
        "ssl",
        description="How to reach the IMAP server: `ssl` (IMAPS), `starttls`, or "
        "`none` (plain text: only on a trusted network or loopback).",
    )
    imap_user: str | None = Field(None, description="IMAP user name.")
    imap_password_file: Path | None = Field(
        None, description="File holding the IMAP password (never the password itself)."
    )
    imap_folder: str = Field("INBOX", description="Folder whose unseen mails are taken.")
    imap_app: str = Field("intake", description="Application for mailed attachments.")
    imap_done_folder: str | None = Field(
        None, description="Folder taken mails are moved to; unset: flagged \\Seen and left."
    )
    imap_failed_folder: str = Field(
        "Taskmaster-failed",
        description="Folder for mails without a usable attachment (created when missing).",
    )
    imap_poll_s: float = Field(30.0, gt=0, description="Seconds between mailbox polls.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies "
        "whose X-Forwarded-For and X-Forwarded-Proto are believed; default none: the "
        "client address is the TCP peer's.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"not an address or network: {item!r}") from exc
        return value

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies' addresses and networks."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    log_format: Literal["json", "text"] = Field(
        "json",
        description="Logs of `serve` and `worker` on stderr: `json` (one object a "
        "line, with request id and user) or `text` (key=value, for a terminal).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Least severe log level written (`debug` adds health probes)."
    )

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'taskmaster.db'}"

    @property
    def apps_path(self) -> Path:
        return self.apps_dir or self.home / "apps"

    @property
    def pages_dir(self) -> Path:
        return self.home / "pages"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def hotfolder_dir(self) -> Path:
        """Where the hot folder puts finished files and results: outside the inbox share."""
        return self.home / "hotfolder"

    @property
    def exports_dir(self) -> Path:
        return self.home / "exports"


def _describe(error: Any) -> str:
    """One pydantic error as `TASKMASTER_PORT: Input should be ... (got 'abc')`."""
    name = ".".join(str(p) for p in error["loc"])
    got = f" (got {error['input']!r})" if "input" in error and error["type"] != "missing" else ""
    return f"{PREFIX}{name.upper()}: {error['msg']}{got}"
