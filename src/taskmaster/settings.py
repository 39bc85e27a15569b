"""The one settings model. Built once at an entry point (CLI, server, worker), passed down.

Every setting comes from the environment (`TASKMASTER_<NAME>`); nothing else reads
the environment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
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
    qa_share: float = Field(
        0.03, ge=0, le=1, description="Share of documents that would go straight through "
        "sent to verify anyway (chosen by a hash of the document id), so the error among "
        "accepted fields keeps being measured.")
    calibrate_every: int = Field(
        50, ge=0, description="`serve` refits an application's calibration after this many "
        "more verified documents of it (0: only `taskmaster calibrate` refits).")
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
    def exports_dir(self) -> Path:
        return self.home / "exports"
