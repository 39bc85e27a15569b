"""Webhook export: POST each document's result to a URL, signed per Standard Webhooks.

    exports:
      - kind: webhook
        options:
          url: https://erp.example.org/hooks/taskmaster
          secret_file: /run/secrets/intake-webhook   # or secret_env: INTAKE_WEBHOOK_SECRET
          timeout_s: 10

The body is `{"type": "document.exported", "timestamp": ..., "data": <result JSON>}`;
the headers `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64
HMAC-SHA256 of "id.timestamp.body">`) follow https://www.standardwebhooks.com, so any of
its libraries verifies a delivery. The secret is `whsec_<base64>`, one per application,
read from a file or an environment variable: never written in the application itself.

Delivery is at least once. The export stage records a delivery after the receiver
answered 2xx; a worker that dies in between delivers again after the restart, with the
same `webhook-id` (`<document>-v<version>`), so a receiver drops repeats by that id.
A correction after export bumps the version and is a new delivery. Connection errors,
timeouts, 408, 429 and 5xx are retried by the export stage's retries; any other answer
fails the batch with the receiver's reason.
"""

from __future__ import annotations

import binascii
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from taskmaster.errors import ConfigError, DeliveryError
from taskmaster.exporters import ExportTarget
from taskmaster.hookspecs import hookimpl

EVENT = "document.exported"
RETRY_STATUSES = {408, 425, 429}


def webhook_id(result: dict[str, Any]) -> str:
    """The same for every delivery of one version of a document (receivers dedupe by it)."""
    return f"{result['document']}-v{int(result.get('version', 1))}"


def read_secret(options: dict[str, Any]) -> str:
    """The application's webhook secret, from the file or variable its options name."""
    if "secret" in options:
        raise ConfigError(
            "webhook export: write the secret in a file (secret_file) or an "
            "environment variable (secret_env), never in the application"
        )
    if options.get("secret_file"):
        path = Path(str(options["secret_file"]))
        if not path.is_absolute():
            raise ConfigError(f"webhook export: secret_file {str(path)!r} must be absolute")
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"webhook export: cannot read secret_file {str(path)!r}: {exc.strerror}"
            ) from exc
    elif options.get("secret_env"):
        name = str(options["secret_env"])
        # The variable is named by the application, so it cannot be a settings field.
        secret = os.environ.get(name, "").strip()
        if not secret:
            raise ConfigError(f"webhook export: environment variable {name} is not set")
    else:
        raise ConfigError("webhook export needs secret_file or secret_env")
    if not secret.startswith("whsec_"):
        raise ConfigError("webhook export: the secret must look like whsec_<base64>")
    return secret


def signer(secret: str) -> Webhook:
    try:
        return Webhook(secret)
    except (binascii.Error, ValueError, EmptyWebhookSecretError) as exc:
        raise ConfigError(f"webhook export: the secret is not valid base64: {exc}") from exc


def _url(options: dict[str, Any]) -> str:
    url = str(options.get("url") or "")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"webhook export needs an http(s) url, not {url!r}")
    return url


class WebhookExporter:
    name = "webhook"

    def export(self, result: dict[str, Any], target: ExportTarget) -> str:
        options = target.options
        url = _url(options)
        hook = signer(read_secret(options))
        now = datetime.now(UTC)
        body = json.dumps(
            {"type": EVENT, "timestamp": now.isoformat(), "data": result},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        msg_id = webhook_id(result)
        headers = {
            "content-type": "application/json",
            "user-agent": "Taskmaster",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": hook.sign(msg_id, now, body),
        }
        import httpx  # 0.07 s of CPU (it loads rich): only when a webhook is called

        try:
            response = httpx.post(
                url,
                content=body.encode("utf-8"),
                headers=headers,
                timeout=float(options.get("timeout_s", 10)),
            )
        except httpx.HTTPError as exc:  # refused, reset, timed out: a retry may help
            raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return f"{url} ({msg_id})"
        reason = f"webhook {url} answered HTTP {status}: {response.text[:200]}"
        if status >= 500 or status in RETRY_STATUSES:
            raise DeliveryError(reason)
        raise ConfigError(reason)  # 4xx: wrong URL, secret or payload; retrying won't help


@hookimpl
def taskmaster_exporters() -> dict[str, Any]:
    return {"webhook": WebhookExporter}
