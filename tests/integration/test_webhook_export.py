"""The webhook exporter against a real HTTP receiver on loopback that checks signatures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from taskmaster.errors import ConfigError, DeliveryError
from taskmaster.exporters import ExportTarget
from taskmaster.exporters.webhook_export import WebhookExporter, signer, webhook_id
from taskmaster.plugins import create
from tests.webhook_receiver import SECRET, Receiver, expected_signature


def _result(doc: str = "d-1", **extra: object) -> dict[str, object]:
    return {
        "document": doc,
        "batch": "b-1",
        "app": "intake",
        "type": "intake-v1",
        "status": "done",
        "pages": [],
        **extra,
        "fields": {"last_name": {"value": "Łukasz Wiśniewski 王"}, "amount": {"value": "€12,50"}},
    }


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "hook.secret"
    path.write_text(SECRET + "\n")
    return path


def _target(tmp_path: Path, **options: object) -> ExportTarget:
    return ExportTarget(root=tmp_path, database_url="sqlite://", options=options)


def test_the_signature_matches_the_specifications_test_vector() -> None:
    # https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    hook = signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    when = datetime.fromtimestamp(1614265330, UTC)
    assert (
        hook.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", when, '{"test": 2432232314}')
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_delivery_is_signed_and_carries_the_result(
    receiver: Receiver, tmp_path: Path, secret_file: Path
) -> None:
    exporter = create("exporters", "webhook")  # registered through the entry point
    where = exporter.export(
        _result(), _target(tmp_path, url=receiver.url, secret_file=str(secret_file))
    )
    assert "d-1-v1" in where
    [got] = receiver.deliveries
    assert got.verified and got.id == "d-1-v1"
    assert abs(got.timestamp - time.time()) < 300
    assert got.payload["type"] == "document.exported"
    assert got.payload["data"]["fields"]["last_name"]["value"] == "Łukasz Wiśniewski 王"


def test_a_library_receiver_verifies_it_too(tmp_path: Path, secret_file: Path) -> None:
    body = '{"data":{"document":"d-1"}}'
    now = datetime.now(UTC)
    headers = {
        "webhook-id": "d-1-v1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer(SECRET).sign("d-1-v1", now, body),
    }
    assert headers["webhook-signature"] == expected_signature(
        SECRET, "d-1-v1", headers["webhook-timestamp"], body.encode()
    )
    assert Webhook(SECRET).verify(body, headers) == {"data": {"document": "d-1"}}


def test_the_id_is_stable_per_document_version() -> None:
    assert webhook_id(_result()) == "d-1-v1"
    assert webhook_id(_result(version=3)) == "d-1-v3"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_are_retryable(
    receiver: Receiver, tmp_path: Path, secret_file: Path, status: int
) -> None:
    receiver.statuses.append(status)
    target = _target(tmp_path, url=receiver.url, secret_file=str(secret_file))
    with pytest.raises(DeliveryError, match=f"HTTP {status}") as err:
        WebhookExporter().export(_result(), target)
    assert err.value.retryable
    WebhookExporter().export(_result(), target)  # the retry
    assert [d.id for d in receiver.deliveries] == ["d-1-v1", "d-1-v1"]


def test_a_refusal_is_not_retried(receiver: Receiver, tmp_path: Path, secret_file: Path) -> None:
    receiver.statuses.append(404)
    with pytest.raises(ConfigError, match="HTTP 404") as err:
        WebhookExporter().export(
            _result(), _target(tmp_path, url=receiver.url, secret_file=str(secret_file))
        )
    assert not err.value.retryable


def test_a_wrong_secret_is_refused_by_the_receiver(receiver: Receiver, tmp_path: Path) -> None:
    other = tmp_path / "other.secret"
    other.write_text("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    with pytest.raises(ConfigError, match="HTTP 401"):
        WebhookExporter().export(
            _result(), _target(tmp_path, url=receiver.url, secret_file=str(other))
        )
    assert not receiver.deliveries[0].verified


def test_an_unreachable_receiver_is_retryable(tmp_path: Path, secret_file: Path) -> None:
    with pytest.raises(DeliveryError, match="ConnectError") as err:
        WebhookExporter().export(
            _result(),
            _target(tmp_path, url="http://127.0.0.1:9/hook", secret_file=str(secret_file)),
        )
    assert err.value.retryable


def test_the_secret_comes_from_an_environment_variable(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_HOOK_SECRET", SECRET)
    WebhookExporter().export(
        _result(), _target(tmp_path, url=receiver.url, secret_env="INTAKE_HOOK_SECRET")
    )
    assert receiver.deliveries[0].verified


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "http://x/h", "secret": SECRET}, "never in the application"),
        ({"url": "http://x/h"}, "needs secret_file or secret_env"),
        ({"url": "http://x/h", "secret_file": "hook.secret"}, "must be absolute"),
        ({"url": "http://x/h", "secret_file": "/nonexistent/hook"}, "cannot read secret_file"),
        ({"url": "http://x/h", "secret_env": "TM_TEST_UNSET_SECRET"}, "is not set"),
        ({"url": "ftp://x/h", "secret_env": "X"}, "needs an http"),
    ],
)
def test_bad_options_name_the_problem(
    tmp_path: Path, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        WebhookExporter().export(_result(), _target(tmp_path, **options))


def test_a_secret_that_is_not_whsec_base64_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.secret"
    for text, message in (("hunter2", "whsec_"), ("whsec_!!!", "not valid base64")):
        bad.write_text(text)
        with pytest.raises(ConfigError, match=message):
            WebhookExporter().export(
                _result(), _target(tmp_path, url="http://127.0.0.1:9/h", secret_file=str(bad))
            )
