"""The object-storage store: page images and input files in an S3-compatible bucket.

Same small interface as `taskmaster.store.FileStore` (keys are the same relative paths),
for workers on machines that share no volume. boto3 finds credentials the usual way
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role); the endpoint
setting points it at MinIO, Ceph or any S3-compatible service.
"""

from __future__ import annotations

from typing import Any

import boto3
import numpy as np
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskmaster.errors import ConfigError, Conflict, EngineError, NotFound
from taskmaster.store import Change, decode_png, encode_png

UPDATE_TRIES = 20  # conditional writes lost to other writers before giving up


class S3Store:
    """A bucket (and key prefix) holding what a FileStore keeps under its root."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _key(self, rel: str) -> str:
        parts = rel.replace("\\", "/").split("/")
        if rel.startswith("/") or ".." in parts:
            raise NotFound(f"{rel!r} is outside the store")
        return self.prefix + rel

    def _call(self, rel: str, op: str, **kwargs: Any) -> Any:
        """One S3 call with its errors mapped to ours (the one place they are)."""
        try:
            return getattr(self.client, op)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404"):
                raise NotFound(f"stored file {rel!r} is missing") from exc
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409"):
                raise Conflict(f"{rel!r} changed while it was being written") from exc
            if code == "NoSuchBucket":
                raise ConfigError(f"bucket {self.bucket!r} does not exist") from exc
            if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                raise ConfigError(f"object store refused {op} on {rel!r}: {code}") from exc
            raise EngineError(f"object store failed {op} on {rel!r}: {code}") from exc
        except BotoCoreError as exc:  # connection refused, timeouts: a retry may help
            raise EngineError(f"object store unreachable ({op} {rel!r}): {exc}") from exc

    def put_bytes(self, rel: str, data: bytes) -> str:
        """Store `data` under `rel` (an S3 PUT is atomic: readers see all or nothing)."""
        self._call(rel, "put_object", Key=self._key(rel), Body=data)
        return rel

    def get_bytes(self, rel: str) -> bytes:
        body = self._call(rel, "get_object", Key=self._key(rel))["Body"]
        return bytes(body.read())

    def put_image(self, rel: str, image: np.ndarray) -> str:
        return self.put_bytes(rel, encode_png(rel, image))

    def get_image(self, rel: str) -> np.ndarray:
        return decode_png(rel, self.get_bytes(rel))

    def delete_tree(self, rel: str) -> None:
        """Delete every object under `rel/`."""
        prefix = self._key(rel.rstrip("/")) + "/"
        token: dict[str, str] = {}
        while True:
            page = self._call(rel, "list_objects_v2", Prefix=prefix, **token)
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._call(rel, "delete_objects", Delete={"Objects": keys, "Quiet": True})
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def update_bytes(self, rel: str, change: Change) -> None:
        """Read-modify-write with a conditional PUT (If-Match on the ETag read, or
        If-None-Match for a new object), tried again when another writer came first."""
        key = self._key(rel)
        for _ in range(UPDATE_TRIES):
            try:
                got = self._call(rel, "get_object", Key=key)
                old: bytes | None = bytes(got["Body"].read())
                condition = {"IfMatch": got["ETag"]}
            except NotFound:
                old, condition = None, {"IfNoneMatch": "*"}
            new = change(old)
            if new is None:
                return
            try:
                self._call(rel, "put_object", Key=key, Body=new, **condition)
                return
            except Conflict:
                continue
        raise EngineError(f"{rel!r}: {UPDATE_TRIES} writers in a row came first; try again")

    def locate(self, rel: str) -> str:
        """Where `rel` is, for people: its s3:// URL."""
        return f"s3://{self.bucket}/{self._key(rel)}"
