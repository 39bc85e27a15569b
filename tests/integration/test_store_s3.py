"""The S3 store against moto's S3 server on loopback (a real HTTP endpoint, real boto3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from taskmaster.errors import ConfigError, NotFound
from taskmaster.settings import Settings
from taskmaster.store import FileStore, store_from_settings

moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")
boto3 = pytest.importorskip("boto3")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def settings(endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    bucket = f"tm-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return Settings(
        home=tmp_path,
        store="s3",
        s3_bucket=bucket,
        s3_prefix="site-a",
        s3_endpoint_url=endpoint,
        s3_region="us-east-1",
    )


def test_bytes_and_images_round_trip(settings: Settings) -> None:
    store = store_from_settings(settings)
    assert store.put_bytes("files/b-1/0001-scan.pdf", b"%PDF-1.7") == "files/b-1/0001-scan.pdf"
    assert store.get_bytes("files/b-1/0001-scan.pdf") == b"%PDF-1.7"
    page = np.full((40, 30), 255, np.uint8)
    page[10:20, 5:25] = 0
    store.put_image("pages/b-1/00001-in.png", page)
    assert np.array_equal(store.get_image("pages/b-1/00001-in.png"), page)
    assert not list(settings.home.iterdir())  # nothing went to the local disk


def test_missing_keys_and_escapes_are_not_found(settings: Settings) -> None:
    store = store_from_settings(settings)
    with pytest.raises(NotFound):
        store.get_bytes("files/none")
    with pytest.raises(NotFound):
        store.put_bytes("../outside", b"x")


def test_delete_tree_removes_one_batch_only(settings: Settings) -> None:
    store = store_from_settings(settings)
    for batch in ("b-1", "b-10"):
        for i in range(3):
            store.put_bytes(f"pages/{batch}/{i}.png", b"x")
    store.delete_tree("pages/b-1")
    with pytest.raises(NotFound):
        store.get_bytes("pages/b-1/0.png")
    assert store.get_bytes("pages/b-10/2.png") == b"x"


def test_a_missing_bucket_is_a_configuration_error(settings: Settings) -> None:
    store = store_from_settings(settings.model_copy(update={"s3_bucket": "no-such-bucket"}))
    with pytest.raises(ConfigError):
        store.put_bytes("x", b"x")
    with pytest.raises(ConfigError):
        store_from_settings(settings.model_copy(update={"s3_bucket": None}))


def test_the_default_store_is_the_data_directory(tmp_path: Path) -> None:
    assert isinstance(store_from_settings(Settings(home=tmp_path)), FileStore)
