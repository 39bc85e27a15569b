"""Fresh intake pages the readers were never tuned on, with their ground truth.

Our own filler of the blank form (the package's intake-v1.png and the shared field
map): typed text in other fonts (DejaVu, Liberation), hand print made of real
handwritten characters from ../shared/datasets (MNIST and EMNIST test-split tiles,
never trained on), checkboxes marked by X, tick, circle, partial slash, solid fill or
scribble with a light, normal or heavy pen, our own degradations (scanner grey + noise,
200 x 100 dpi 1-bit fax, phone photo with perspective/blur/uneven light as JPEG, JPEG).
Writes the samples' layout (manifest.tsv, NAME.json), so bench/intake.py scores it:

    .venv/bin/python bench/fresh_forms.py /tmp/fresh --pages 40 --seed 101
    .venv/bin/python bench/intake.py --samples /tmp/fresh --no-baseline --show-errors
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any, cast

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from fresh_ink import Gray, Hand, degrade, fonts, hand_line, signature, stamp  # noqa: E402
from tests.marks import MARKED, PENS, draw_mark  # noqa: E402

SHARED = Path(os.environ.get("TASKMASTER_SHARED", ROOT.parent / "shared"))
FORM = SHARED / "forms" / "intake"
BLANK = ROOT / "src/taskmaster/apps/builtin/intake/intake-v1.png"
LEX = ROOT / "src/taskmaster/reading/lexicons"
NOISES = ["clean", "scan", "fax", "phone", "jpeg"]


def lex(name: str) -> list[str]:
    return [w for w in (LEX / f"{name}.txt").read_text().splitlines() if w and w[0] != "#"]


def values(rng: random.Random, hand: bool) -> dict[str, Any]:
    """Ground truth of one filled form (canonical formats of the samples' README)."""
    first, last = rng.choice(lex("first_names")), rng.choice(lex("surnames"))
    meds = [m for m in lex("medications") if m.isalpha() and len(m) > 6]

    def d(y0: int, y1: int) -> str:
        return f"{rng.randint(y0, y1)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def phone() -> str:
        return rng.choice(["312", "217", "309", "773", "618"]) + "".join(
            rng.choice("0123456789") for _ in range(7)
        )

    def maybe(v: Any, p: float = 0.75) -> Any:
        return v if rng.random() < p else None

    visit = d(2024, 2026)
    street = (
        f"{rng.randint(10, 9999)} {rng.choice(['N ', 'S ', 'E ', 'W ', '', ''])}"
        f"{rng.choice(lex('streets')[10:80])} "
        f"{rng.choice(['ST', 'AVE', 'RD', 'DR', 'LN', 'CT'])}"
    )
    v: dict[str, Any] = {
        "visit_date": visit,
        "last_name": last,
        "first_name": first,
        "date_of_birth": d(1935, 2015),
        "sex": rng.choice(["male", "female", "other"]),
        "marital_status": maybe(rng.choice(["single", "married", "divorced", "widowed"])),
        "address_street": street,
        "city": rng.choice(lex("cities")),
        "state": rng.choice(["IL", "IN", "WI", "MO", "IA", "MI"]),
        "zip": f"{rng.randint(10000, 99999)}",
        "preferred_language": maybe(rng.choice(lex("languages")), 0.5),
        "phone_mobile": phone(),
        "phone_home": maybe(phone(), 0.5),
        "preferred_contact": maybe(rng.choice(["phone", "text", "email", "mail"])),
        "email": maybe(
            f"{first[0].lower()}{last.lower()}"
            f"{rng.choice(['', str(rng.randint(1, 99))])}@"
            f"{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'])}"
        ),
        "emergency_name": maybe(f"{rng.choice(lex('first_names'))} {rng.choice(lex('surnames'))}"),
        "emergency_relationship": maybe(rng.choice(lex("relationships"))),
        "emergency_phone": maybe(phone()),
        "insurance_provider": rng.choice(lex("insurers")),
        "group_number": maybe(rng.choice(["GR", "A", ""]) + str(rng.randint(100000, 9999999))),
        # The app's pattern: the insurer's three letters and nine digits.
        "member_id": "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        + "".join(rng.choice("0123456789") for _ in range(9)),
        "policy_holder": maybe(rng.choice(["self", "spouse", "parent", "other"])),
        "allergy_details": maybe(
            ", ".join(rng.sample(["PENICILLIN", "SULFA", "LATEX", "CODEINE", "ASPIRIN"], 2)), 0.4
        ),
        "medications": maybe(
            "\n".join(
                f"{rng.choice(meds)} {rng.choice([5, 10, 20, 50])} MG "
                f"{rng.choice(['DAILY', 'TWICE DAILY', 'AT NIGHT'])}"
                for _ in range(rng.randint(1, 3))
            )
        ),
        "consent_treatment": rng.random() < 0.9,
        "consent_privacy": rng.random() < 0.8,
        "signature": rng.random() < 0.9,
        "signature_date": visit,
    }
    for k in (
        "diabetes",
        "high_blood_pressure",
        "asthma",
        "heart_disease",
        "drug_allergies",
        "smoker",
    ):
        v[k] = rng.choice([True, False, False, None])
    if not hand and rng.random() < 0.4:  # typed forms come in mixed case too
        for k in ("last_name", "first_name", "city", "emergency_name", "insurance_provider"):
            if v[k]:
                v[k] = v[k].title()
    return v


def chars_of(field: dict[str, Any], value: Any) -> str:
    """What is written in the boxes of a comb or date field."""
    if field["type"] == "date":
        y, m, d = str(value).split("-")
        return d + m + y
    return str(value)


class Filler:
    def __init__(self, hand: Hand, rng: random.Random) -> None:
        self.hand, self.rng = hand, rng
        self.fonts = fonts()

    def typed(
        self,
        page: np.ndarray,
        text: str,
        box: tuple[int, int, int, int],
        font: Path,
        size: int,
        center: bool = False,
    ) -> None:
        pil = Image.fromarray(page)
        draw = ImageDraw.Draw(pil)
        f = ImageFont.truetype(str(font), size)
        x0, y0, x1, y1 = box
        for i, line in enumerate(text.split("\n")):
            if center:
                draw.text(((x0 + x1) / 2, (y0 + y1) / 2), line, fill=20, font=f, anchor="mm")
            else:
                draw.text((x0 + 14, (y0 + y1) / 2 + i * 70), line, fill=20, font=f, anchor="lm")
        page[:] = np.asarray(pil)

    def fill(
        self, page: np.ndarray, fields: list[dict[str, Any]], v: dict[str, Any], hand: bool
    ) -> list[str]:
        rng = self.rng
        font, size = rng.choice(self.fonts), rng.randint(30, 40)
        level = rng.randint(10, 90)
        kinds: list[str] = []
        for f in fields:
            val = v.get(f["name"])
            if f["kind"] == "checkbox":
                kinds += self.boxes(page, f, val)
            if val is None or f["kind"] in ("checkbox", "barcode"):
                continue
            if f["kind"] == "signature":
                if val:
                    signature(page, tuple(f["bbox"]), rng)
            elif f["kind"] == "text":
                x0, y0, x1, y1 = f["bbox"]
                lines = str(val).split("\n")
                for i, line in enumerate(lines):
                    box = (
                        (x0, y0 + i * 70, x1, y0 + i * 70 + 74)
                        if f.get("lines", 1) > 1
                        else (x0, y0, x1, y1)
                    )
                    if hand:
                        hand_line(page, self.hand, line, box, rng.randint(30, 40), level, rng)
                    else:
                        self.typed(page, line, box, font, size)
            elif f["kind"] in ("comb", "date"):
                text = chars_of(f, val)
                cells = f.get("boxes") or [
                    (p[0] + i * (p[2] - p[0]) // n, p[1], p[0] + (i + 1) * (p[2] - p[0]) // n, p[3])
                    for p, n in zip(f["parts"], (2, 2, 4), strict=True)
                    for i in range(n)
                ]
                for ch, cell in zip(text, cells, strict=False):
                    if hand:
                        g = self.hand.glyph(ch, rng.randint(36, 46))
                        cx = (cell[0] + cell[2]) // 2 - g.shape[1] // 2 + rng.randint(-4, 4)
                        cy = (cell[1] + cell[3]) // 2 - g.shape[0] // 2 + rng.randint(-4, 4)
                        stamp(page, g, cx, cy, level)
                    else:
                        self.typed(page, ch, tuple(cell), font, size, center=True)
        return kinds

    def boxes(self, page: np.ndarray, f: dict[str, Any], val: Any) -> list[str]:
        opts = f["options"]
        if len(opts) == 1:
            chosen = [opts[0]] if val else []
        else:
            want = {True: "true", False: "false"}.get(val, val)
            chosen = [o for o in opts if str(o["value"]).lower() == str(want).lower()]
        kinds = []
        for o in chosen:
            kind = self.rng.choice(MARKED)
            pen = self.rng.choice(list(PENS))
            draw_mark(page, tuple(o["bbox"]), kind, self.rng, pen)
            kinds.append(f"{kind}/{pen}")
        return kinds


def label(page: np.ndarray, pid: str, name: str, rng: random.Random) -> None:
    """A printed patient label (QR code or Code 128 and the MRN) in the dashed box."""
    import zxingcpp

    x0, y0 = 1880 + rng.randint(0, 30), 185 + rng.randint(0, 20)
    cv2.rectangle(page, (x0, y0), (x0 + 450, y0 + 210), 255, -1)
    cv2.rectangle(page, (x0, y0), (x0 + 450, y0 + 210), 120, 2)
    qr = rng.random() < 0.5
    fmt = zxingcpp.BarcodeFormat.QRCode if qr else zxingcpp.BarcodeFormat.Code128
    code = np.asarray(zxingcpp.create_barcode(pid, fmt).to_image(scale=5 if qr else 2))
    if not qr:
        code = cv2.resize(code, (min(code.shape[1], 420), 90), interpolation=cv2.INTER_NEAREST)
    h, w = code.shape
    page[y0 + 10 : y0 + 10 + h, x0 + 10 : x0 + 10 + w] = code
    font = ImageFont.truetype(str(fonts()[1]), 22)
    pil = Image.fromarray(page)
    tx, ty = (x0 + w + 20, y0 + 40) if qr else (x0 + 15, y0 + h + 20)
    for i, text in enumerate([f"MRN {pid}", name[:18]]):
        ImageDraw.Draw(pil).text((tx, ty + i * 32), text, fill=0, font=font)
    page[:] = np.asarray(pil)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--style", choices=["typed", "hand", "both"], default="both")
    ap.add_argument(
        "--noise", default=",".join(NOISES), help="comma-separated: " + ",".join(NOISES)
    )
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fields = json.loads((FORM / "fields.json").read_text())["fields"]
    read = cv2.imread(str(BLANK), cv2.IMREAD_GRAYSCALE)
    assert read is not None, BLANK
    blank = cast(Gray, read)
    filler = Filler(Hand(SHARED, rng), rng)
    noises = args.noise.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = ["file\tstyle\tnoise\tmarks"]
    for n in range(args.pages):
        style = args.style if args.style != "both" else ("hand" if n % 2 else "typed")
        noise = noises[n % len(noises)]
        v = values(rng, style == "hand")
        page = blank.copy()
        v["patient_id"] = "P" + "".join(rng.choice("0123456789") for _ in range(8))
        label(page, v["patient_id"], f"{v['first_name']} {v['last_name']}".upper(), rng)
        marks = filler.fill(page, fields, v, style == "hand")
        page = degrade(page, noise, rng)
        stem = f"fresh_{args.seed}_{n:03d}_{style}_{noise}"
        name = stem + (".jpg" if noise in ("phone", "jpeg") else ".png")
        quality = [cv2.IMWRITE_JPEG_QUALITY, rng.randint(60, 85)]
        cv2.imwrite(str(args.out / name), page, quality if name.endswith(".jpg") else [])
        (args.out / f"{stem}.json").write_text(
            json.dumps(
                {
                    "file": name,
                    "form": "intake-v1",
                    "fields": {f["name"]: v.get(f["name"]) for f in fields},
                },
                indent=1,
            )
        )
        manifest.append(f"{name}\t{style}\t{noise}\t{' '.join(marks)}")
    (args.out / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    print(f"{args.pages} fresh pages in {args.out}")


if __name__ == "__main__":
    main()
