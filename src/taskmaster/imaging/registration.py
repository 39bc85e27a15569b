"""Fingerprints of known page layouts: identify a page and map it onto its reference.

Two steps, each cheap:

1. Coarse: ORB features on a small copy of the page (long side `WORK_SIZE` px) are
   matched to the fingerprint's and a RANSAC homography is fitted. ORB is rotation
   invariant, so upside-down and sideways pages need no extra passes.
2. Fine (`anchors`): small patches of the reference chosen at build time (box corners,
   registration marks, spread over the whole page) are looked up by normalised
   correlation around where the coarse homography puts them, and the homography is
   refitted on those points. The share of anchors found in place is the match score:
   a page that merely shares the header with a form (the consent page, another form
   of the same clinic) finds only the header's anchors and scores low.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from taskmaster.imaging.anchors import Anchor, coarse_level, find_anchors, refine

Gray = npt.NDArray[np.uint8]
Mat = npt.NDArray[np.float64]

WORK_SIZE = 1000  # long side of the copy on which features are matched
# Matching costs page x reference features; the reference keeps more so that the
# page's strongest corners find their partner. (1000 x 1500 matches in 40% of the time
# and moves the final homography by under 0.25 px, but the readers are that sensitive:
# 5 of 1,100 fields of the dev and fresh typed samples read differently, net worse.)
_PAGE_FEATURES = 1500
_REF_FEATURES = 2500
_RATIO = 0.8  # Lowe's ratio test
_MIN_MATCHES = 12  # RANSAC inliers needed before anchors are even tried
MIN_SCORE = 0.5  # share of anchors found in place to accept a page type; see bench/identify.py
# A page that finds this share of a layout's anchors in place is that layout; the later
# layouts are not tried where they are distinct from it (`distinct`): ~25 ms a layout.
EARLY_ACCEPT = 0.85


@dataclass
class Fingerprint:
    """A known page layout: the reference image at 300 dpi and its precomputed features."""

    page_type: str
    reference: Gray
    keypoints: npt.NDArray[np.float32] = field(repr=False)  # N x 2, work-scale pixels
    descriptors: Gray = field(repr=False)  # N x 32 ORB descriptors
    work_scale: float = 1.0  # work pixels per reference pixel
    anchors: list[Anchor] = field(default_factory=list, repr=False)
    # id(other) -> (other, whether this reference finds under MIN_SCORE of its anchors)
    _distinct: dict[int, tuple[Fingerprint, bool]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the reference in pixels."""
        return int(self.reference.shape[1]), int(self.reference.shape[0])


@dataclass
class Match:
    """The result of identifying a page: which layout, how sure, and how it maps."""

    page_type: str | None
    score: float  # 0..1: share of the layout's anchors found in place
    homography: Mat | None  # 3x3, page pixels -> reference pixels
    rotation: int  # 0, 90, 180 or 270: clockwise turn that makes the page upright
    inliers: int  # anchors found in place


def build_fingerprint(
    page_type: str, reference: Gray, marks: list[tuple[int, int, int, int]] | None = None
) -> Fingerprint:
    """Precompute features and anchors of a reference page (a blank form at 300 dpi).

    `marks` are the registration marks' bboxes; they are always used as anchors.
    """
    ref = _as_gray(reference)
    small, scale = _work_copy(ref)
    pts, desc = _features(small, _REF_FEATURES)
    anchors = find_anchors(ref, marks or [])
    return Fingerprint(
        page_type=page_type,
        reference=ref,
        keypoints=pts,
        descriptors=desc,
        work_scale=scale,
        anchors=anchors,
    )


def identify(img: Gray, fingerprints: list[Fingerprint], min_score: float = MIN_SCORE) -> Match:
    """Find the fingerprint a page matches best; page_type is None when none is convincing."""
    page = _as_gray(img)
    small, scale = _work_copy(page)
    pts, desc = _features(small, _PAGE_FEATURES)
    best = Match(page_type=None, score=0.0, homography=None, rotation=0, inliers=0)
    best_fp: Fingerprint | None = None
    half: Gray | None = None  # the page at the anchors' coarse level, made once
    for fp in fingerprints:
        if best_fp is not None and best.score >= EARLY_ACCEPT and distinct(best_fp, fp):
            continue
        coarse = _coarse_homography(pts, desc, fp)
        if coarse is None:
            continue
        # work(page) -> work(ref)  ==>  page -> ref at full resolution
        h_full = (
            np.diag([1 / fp.work_scale, 1 / fp.work_scale, 1.0])
            @ coarse
            @ np.diag([scale, scale, 1.0])
        )
        if half is None:
            half = coarse_level(page)
        refined, found = refine(page, fp.anchors, h_full, half)
        score = found / max(len(fp.anchors), 1)
        if score > best.score:
            best = Match(
                page_type=fp.page_type,
                score=score,
                homography=refined,
                rotation=_rotation(refined),
                inliers=found,
            )
            best_fp = fp
    if best.score < min_score:
        # The best candidate's score is kept: it tells an admin how close the page came.
        return Match(
            page_type=None, score=best.score, homography=None, rotation=0, inliers=best.inliers
        )
    return best


def distinct(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether layout `a`'s own reference finds under MIN_SCORE of `b`'s anchors in place
    (the two forms differ beyond a shared header), worked out once per pair.

    A page that matches `a` at EARLY_ACCEPT then cannot match `b` better: it looks like
    `a`'s blank form where `b`'s does not. Versions of one form are not distinct: both are
    tried and the better match wins, and so are layouts of different sizes.
    """
    known = a._distinct.get(id(b))
    if known is not None and known[0] is b:
        return known[1]
    if a.size != b.size or not b.anchors:
        answer = False  # not compared: both are tried, as always
    else:
        _, found = refine(a.reference, b.anchors, np.eye(3))
        answer = found / len(b.anchors) < MIN_SCORE
    a._distinct[id(b)] = (b, answer)
    return answer


def warp_to_reference(img: Gray, match: Match, fp: Fingerprint) -> Gray:
    """Resample the page into the reference frame, so the field map's bboxes apply as is."""
    if match.homography is None:
        raise ValueError("the page matched no fingerprint; there is nothing to warp onto")
    out: Gray = np.asarray(
        cv2.warpPerspective(
            _as_gray(img),
            match.homography,
            fp.size,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        ),
        np.uint8,
    )
    return out


def _as_gray(img: npt.NDArray[np.generic]) -> Gray:
    if img.ndim == 3:
        img = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(img, dtype=np.uint8)


def _work_copy(img: Gray) -> tuple[Gray, float]:
    scale = WORK_SIZE / max(img.shape)
    small: Gray = np.asarray(
        cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), np.uint8
    )
    return small, scale


def _features(small: Gray, n: int) -> tuple[npt.NDArray[np.float32], Gray]:
    orb = cv2.ORB.create(nfeatures=n, scaleFactor=1.2, nlevels=6, fastThreshold=10)
    kps, desc = orb.detectAndCompute(small, None)
    if desc is None or not kps:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    return np.array([k.pt for k in kps], dtype=np.float32), np.asarray(desc, np.uint8)


def _coarse_homography(pts: npt.NDArray[np.float32], desc: Gray, fp: Fingerprint) -> Mat | None:
    if len(desc) < _MIN_MATCHES or len(fp.descriptors) < _MIN_MATCHES:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(desc, fp.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < _MIN_MATCHES:
        return None
    src = pts[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = fp.keypoints[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    h, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, 3.0, maxIters=2000, confidence=0.999)
    if h is None or mask is None or int(mask.sum()) < _MIN_MATCHES:
        return None
    fit: Mat = np.asarray(h, dtype=np.float64)
    return fit if _plausible(fit) else None


def _plausible(h: npt.NDArray[np.float64]) -> bool:
    """Reject degenerate fits: a page is not mirrored, squashed or wildly tilted."""
    a = h[:2, :2] / h[2, 2]
    det = float(np.linalg.det(a))
    if det <= 0:
        return False
    s = np.linalg.svd(a, compute_uv=False)
    return bool(s[1] > 0.2 and s[0] < 5 and s[0] / s[1] < 1.6 and np.abs(h[2, :2]).max() < 0.01)


def _rotation(h: Mat) -> int:
    """Quarter turn the homography applies to the page's x axis, as 0/90/180/270."""
    v = h[:2, :2] @ np.array([1.0, 0.0])
    angle = float(np.degrees(np.arctan2(v[1], v[0])))
    return int(round(angle / 90.0)) % 4 * 90
