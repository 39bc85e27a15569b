"""Long-lived things a worker process builds once: database, store, apps, engines."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from taskmaster.apps.registry import AppRegistry
from taskmaster.calibration.store import Fits
from taskmaster.db.engine import Database
from taskmaster.engines.base import Engines, OcrEngine
from taskmaster.errors import ConfigError
from taskmaster.imaging.heap import keep_page_buffers
from taskmaster.imaging.loader import Limits, PageImage
from taskmaster.imaging.registration import Fingerprint, build_fingerprint
from taskmaster.imaging.sandbox import Budget, DecoderPool
from taskmaster.plugins import create, registered
from taskmaster.private import owner_only, private_dir
from taskmaster.settings import Settings
from taskmaster.store import MemoStore, store_from_settings

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Per-process services shared by every stage run in that process."""

    settings: Settings
    db: Database
    store: MemoStore
    apps: AppRegistry
    _engines: Engines | None = None
    _fits: Fits | None = None
    _fingerprints: dict[tuple[str, str], Fingerprint] = field(default_factory=dict)
    _ocr: dict[str, OcrEngine] = field(default_factory=dict)
    _decoder: DecoderPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Its own lock: building a fingerprint takes ~0.15 s, and `warm_fingerprints` does it
    # beside ingest, which must not wait for it to reach the decoder or the engines.
    _fingerprint_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings, *, migrate: bool = True) -> Services:
        owner_only()  # patient data: 0600 files in 0700 folders (taskmaster.private)
        private_dir(settings.home)
        cv2.setNumThreads(settings.engine_threads)  # per process: see Settings.engine_threads
        keep_page_buffers()  # page-sized arrays reuse the heap (imaging.heap)
        return cls(
            settings=settings,
            db=Database(settings.db_url, migrate=migrate),
            store=MemoStore(store_from_settings(settings)),
            apps=AppRegistry([settings.apps_path]),
        )

    @property
    def fits(self) -> Fits:
        """Each application's calibration fit, read again when its file changes."""
        with self._lock:
            if self._fits is None:
                self._fits = Fits(self.settings.home, self.apps)
            return self._fits

    @property
    def engines(self) -> Engines:
        """The recognition engines, created on first use (model loading is slow)."""
        with self._lock:
            if self._engines is None:
                icr = registered("icr_engines")
                self._engines = Engines(
                    ocr=create("ocr_engines", "tesseract"),
                    barcode=create("barcode_engines", "zxing"),
                    omr=create("omr_engines", "ink"),
                    icr=create("icr_engines", "onnx") if "onnx" in icr else None,
                )
            return self._engines

    @property
    def decoder(self) -> DecoderPool:
        """The decoder processes every untrusted file goes through (started on first use)."""
        with self._lock:
            if self._decoder is None:
                s = self.settings
                self._decoder = DecoderPool(
                    Budget(
                        memory_mb=s.decode_memory_mb,
                        cpu_s=s.decode_cpu_seconds,
                        wall_s=s.decode_timeout_seconds,
                    ),
                    size=s.upload_checks,
                )
            return self._decoder

    def decode_pages(self, data: bytes, name: str, wait: float | None = None) -> list[PageImage]:
        """Every page of an untrusted file, decoded in the sandbox (`self.decoder`), for
        work that keeps no batch (onboarding a blank, the designer's "try it")."""
        return [p.page_image() for p in self.decoder.decode(data, name, self.limits, wait=wait)]

    @property
    def limits(self) -> Limits:
        """What one input file may declare (bytes, pages, pixels) and the render DPI."""
        s = self.settings
        return Limits(
            max_bytes=s.max_upload_bytes,
            max_pages=s.max_pages,
            max_page_pixels=s.max_page_pixels,
            render_dpi=s.render_dpi,
        )

    def ocr(self, name: str | None) -> OcrEngine:
        """An OCR engine by plugin name (None: the default one), created once."""
        if name is None:
            return self.engines.ocr
        with self._lock:
            if name not in self._ocr:
                self._ocr[name] = create("ocr_engines", name)
            return self._ocr[name]

    def fingerprint(self, app: str, page_type: str) -> Fingerprint:
        """The fingerprint of one page type, built once per process."""
        key = (app, page_type)
        with self._fingerprint_lock:
            if key not in self._fingerprints:
                loaded = self.apps.get(app)
                ref = loaded.reference(page_type)
                assert ref is not None
                image = cv2.imread(str(ref), cv2.IMREAD_GRAYSCALE)
                if image is None:
                    raise ConfigError(f"{app}: reference image {ref} is unreadable")
                marks = list(loaded.app.page_type(page_type).marks) or None
                self._fingerprints[key] = build_fingerprint(
                    page_type, image.astype(np.uint8), marks=marks
                )
            return self._fingerprints[key]

    def warm_fingerprints(self, apps: Sequence[str]) -> threading.Thread:
        """Build the fingerprints of `apps`' form page types on a background thread (ingest
        starts it: this process mostly waits for the decoder child there, and identify
        needs them next). An error is left for identify to raise, where it always was."""

        def build() -> None:
            for name in apps:
                try:
                    for pt in self.apps.get(name).app.page_types:
                        if pt.reference:
                            self.fingerprint(name, pt.name)
                except Exception:  # identify builds it again and reports what is wrong
                    log.debug("fingerprints of %s left to identify", name, exc_info=True)

        thread = threading.Thread(target=build, name="fingerprints", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
        self.db.dispose()
