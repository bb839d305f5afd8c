"""`python -m search.predict EXPERIMENT_DIR IMAGE_OR_FOLDER…`: the emotion in each face image,
by the experiment's deliverable, `best/model.pt2` — the program exported with torch.export, with its
standardization, flip test-time augmentation and ensemble members inside, so what is predicted
here is what the experiment's figures describe.

Any image PIL reads (any size, colour or greyscale) is turned into a FER2013 input — 48×48
greyscale (`trainables.inference.to_face`). One line per image on stdout, `path, emotion,
probability`, or a CSV with every emotion's probability (`--output`). An image that cannot be
read gets one line on stderr naming it and the others still go through; the exit status is 2
only when no image could be read (or the experiment has no `best/`).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from experiment.files import BEST_DIR, EXPORT_FILE

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")


def image_paths(inputs: list[str]) -> list[Path]:
    """The files named, and the images inside the folders named (sorted), in the order given."""
    paths = []
    for item in map(Path, inputs):
        if item.is_dir():
            paths += sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            paths.append(item)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m search.predict",
                                     description="The emotion in face images, by an experiment's best model.")
    parser.add_argument("experiment", type=Path, help="experiment folder written by python -m search.run")
    parser.add_argument("images", nargs="+", help="image files or folders of images")
    parser.add_argument("--output", type=Path, help="write a CSV here instead of printing (path, emotion, probability, "
                                                   "and each emotion's probability)")
    args = parser.parse_args(argv)
    exported = args.experiment / BEST_DIR / EXPORT_FILE
    if not exported.is_file():
        print(f"search.predict: error: {exported} is missing (is {args.experiment} a finished experiment?)",
              file=sys.stderr)
        return 2
    paths = image_paths(args.images)
    if args.output is not None and args.output.exists():
        print(f"search.predict: error: {args.output} already exists; choose another --output", file=sys.stderr)
        return 2

    # imported after the argument checks: torch takes seconds to load, a usage error should not wait
    import numpy as np
    import torch
    from PIL import Image, UnidentifiedImageError

    from trainables import EMOTIONS
    from trainables.inference import load_exported, to_face

    faces, readable = [], []
    for path in paths:
        try:
            with Image.open(path) as image:
                faces.append(to_face(image))
            readable.append(path)
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            print(f"search.predict: skipped {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                  file=sys.stderr)
    if not faces:
        print(f"search.predict: error: none of the {len(paths)} image(s) could be read", file=sys.stderr)
        return 2
    with torch.inference_mode():
        probs = load_exported(exported)(torch.from_numpy(np.stack(faces)).float()).numpy()
    rows = [(str(path), EMOTIONS[int(p.argmax())], float(p.max()), p) for path, p in zip(readable, probs)]
    if args.output is None:
        for path, emotion, probability, _ in rows:
            print(f"{path}\t{emotion}\t{probability:.3f}")
    else:
        with open(args.output, "w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["path", "emotion", "probability", *EMOTIONS])
            writer.writerows([path, emotion, f"{probability:.6f}", *(f"{v:.6f}" for v in p)]
                             for path, emotion, probability, p in rows)
        print(f"search.predict: {len(rows)} image(s) → {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
