"""The one settings model. Built once at an entry point (CLI, server, worker), passed down.

Every setting comes from the environment (`TASKMASTER_<NAME>`); nothing else reads
the environment.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_home() -> Path:
    """`$TASKMASTER_HOME`, else `./taskmaster-data` in the current directory."""
    return Path(os.environ.get("TASKMASTER_HOME") or Path.cwd() / "taskmaster-data")


class Settings(BaseSettings):
    """Taskmaster's settings. Each one is documented in docs/settings.md."""

    model_config = SettingsConfigDict(env_prefix="TASKMASTER_", extra="ignore")

    home: Path = Field(default_factory=default_home,
                       description="Data directory: database, page images, inbox, exports.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<home>/taskmaster.db (WAL).")
    admin_password: str | None = Field(
        None, description="Password for the first admin instead of a random one.")
    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(2402, description="Port `serve` listens on (IANA taskmaster2000).")
    tls_cert: Path | None = Field(None, description="PEM certificate for HTTPS.")
    tls_key: Path | None = Field(None, description="PEM private key for HTTPS.")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1,
                         description="Embedded worker pool size of `serve`.")
    engine_threads: int = Field(
        1, ge=1, description="Threads OpenCV may use inside one process; workers already "
                             "run one process per core, so more only oversubscribes.")
    max_upload_bytes: int = Field(100 * 1024 * 1024, description="Largest accepted file.")
    max_pages: int = Field(500, description="Most pages accepted in one file.")
    max_page_pixels: int = Field(60_000_000, description="Most pixels in one page image.")
    render_dpi: int = Field(300, description="DPI at which PDF pages are rendered.")
    apps_dir: Path | None = Field(
        None, description="Extra application directory; default <home>/apps.")
    session_secret: str | None = Field(
        None, description="Secret for browser sessions; default a random one kept in home.")
    hot_folder: bool = Field(True, description="Watch <home>/inbox while serving.")
    inbox_app: str = Field("intake", description="Application for files dropped at the top "
                                                 "of the inbox (inbox/<app>/ picks another).")
    queue: Literal["embedded", "procrastinate"] = Field(
        "embedded", description="Who runs batches: `embedded` (the worker pool of `serve`) "
        "or `procrastinate` (`taskmaster worker` processes; needs PostgreSQL).")
    store: Literal["file", "s3"] = Field(
        "file", description="Where page images and input files live: `file` (<home>, a "
        "shared volume for several machines) or `s3` (S3-compatible object storage).")
    s3_bucket: str | None = Field(None, description="Bucket of the `s3` store.")
    s3_prefix: str = Field("", description="Key prefix inside the bucket of the `s3` store.")
    s3_endpoint_url: str | None = Field(
        None, description="Endpoint of S3-compatible storage (MinIO, Ceph); default AWS. "
        "Credentials come from the usual AWS_* variables.")
    s3_region: str | None = Field(None, description="Region of the `s3` store's bucket.")
    imap_host: str | None = Field(
        None, description="IMAP server whose mails' attachments become batches while "
        "serving (docs/intake.md); unset: no mailbox.")
    imap_port: int = Field(993, description="Port of the IMAP server.")
    imap_tls: Literal["ssl", "starttls", "none"] = Field(
        "ssl", description="How to reach the IMAP server: `ssl` (IMAPS), `starttls`, or "
        "`none` (plain text: only on a trusted network or loopback).")
    imap_user: str | None = Field(None, description="IMAP user name.")
    imap_password_file: Path | None = Field(
        None, description="File holding the IMAP password (never the password itself).")
    imap_folder: str = Field("INBOX", description="Folder whose unseen mails are taken.")
    imap_app: str = Field("intake", description="Application for mailed attachments.")
    imap_done_folder: str | None = Field(
        None, description="Folder taken mails are moved to; unset: flagged \\Seen and left.")
    imap_failed_folder: str = Field(
        "Taskmaster-failed", description="Folder for mails without a usable attachment "
        "(created when missing).")
    imap_poll_s: float = Field(30.0, gt=0, description="Seconds between mailbox polls.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks (CIDR) of reverse proxies "
        "whose X-Forwarded-For and X-Forwarded-Proto are believed; default none: the "
        "client address is the TCP peer's.")

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
