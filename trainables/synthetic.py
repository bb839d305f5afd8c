"""Procedurally generated 48x48 greyscale "faces" with seven expressions.

This is the built-in data set for machines that do not have FER2013 on disk.
It mimics FER2013's format (48x48 uint8 greyscale, labels 0..6 in FER2013's
order: Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral) and its class
imbalance, so the whole search pipeline can run end to end anywhere.  Results
obtained on it say nothing about real facial-emotion recognition and must
always be labelled synthetic wherever they are reported.

Why procedural and not random noise: hyperparameter search is only worth
testing on a task where architectures and settings make a difference.  Each
expression is therefore drawn from a cartoon face whose features (mouth
curvature, openness and width; brow height and tilt; eye openness; nose
wrinkle; lip asymmetry) follow the expression, while pose, scale, identity,
backdrop clutter, lighting, noise and occlusion vary as nuisances.  Expression intensity varies
from subtle to full, per-feature jitter makes the class distributions overlap
and a few percent of labels are replaced at random (FER2013 has label noise
too), so small CNNs stay far from 100% accuracy.

Generation is vectorised over the batch with numpy broadcasting (rendered in
chunks to bound memory) and is deterministic in ``(n_images, seed)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainables.dataset import IMAGE_SIZE, TRAIN_SHARES

__all__ = ["CLASS_WEIGHTS", "make_synthetic_faces"]

CLASS_WEIGHTS: tuple[float, ...] = TRAIN_SHARES
"""FER2013 train-split class proportions (sum to 1), indexed by label."""

# Images rendered at once.  Small on purpose: each (12, 48, 48) float32 temporary stays under
# glibc's 128 KiB mmap threshold, so it is served from the heap without fresh page faults
# (about 3x faster than chunks of 256 or 2,000 images in a fresh process).
_CHUNK = 12
_LABEL_NOISE = 0.04    # fraction of labels replaced by a uniformly random class
_OCCLUSION_P = 0.25    # fraction of images with an occluding rectangle or bar

# Expression feature means, one row per class, columns as in _FEATURES.
# Units are face coordinates: the face ellipse has half-width ~0.8 and half-height 1.
_FEATURES = ("mouth_curve", "mouth_open", "mouth_width", "brow_raise", "brow_tilt",
             "eye_open", "wrinkle", "lip_asym")
_NEUTRAL = np.array([0.00, 0.00, 0.32, 0.00, 0.00, 1.00, 0.00, 0.00])
_EXPRESSION_MEANS = np.array([
    # curve  open  width  raise  tilt   eye   wrinkle asym
    [-0.07, 0.00, 0.24, -0.10, -0.17, 0.70, 0.50, 0.00],   # Angry: brows down and in, tight mouth
    [-0.10, 0.04, 0.28, -0.06, -0.07, 0.50, 1.00, 0.10],   # Disgust: wrinkle, raised lip corner, squint
    [-0.06, 0.11, 0.44, 0.12, 0.13, 1.60, 0.00, 0.00],     # Fear: brows up, wide eyes, stretched mouth
    [0.18, 0.04, 0.44, 0.00, 0.00, 0.75, 0.00, 0.00],      # Happy: smile
    [-0.15, 0.00, 0.28, 0.03, 0.16, 0.80, 0.00, 0.00],     # Sad: frown, inner brows up
    [0.00, 0.22, 0.20, 0.19, 0.00, 1.70, 0.00, 0.00],      # Surprise: brows high, round open mouth, wide eyes
    _NEUTRAL,                                              # Neutral: flat
])
# Per-image jitter of each feature (same for every class), so class distributions overlap.
_FEATURE_JITTER = np.array([0.05, 0.035, 0.055, 0.05, 0.065, 0.25, 0.2, 0.035])


def make_synthetic_faces(n_images: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (images uint8 of shape (n_images, 48, 48), labels int64 of shape (n_images,)).

    Labels are drawn with FER2013's class proportions (`CLASS_WEIGHTS`); then a few percent
    are replaced by random classes.  The same `(n_images, seed)` always gives the same bytes.
    """
    if n_images < 0:
        raise ValueError(f"n_images must be >= 0, got {n_images}")
    rng = np.random.default_rng(seed)
    true_labels = rng.choice(len(CLASS_WEIGHTS), size=n_images, p=CLASS_WEIGHTS)
    expression = _sample_expression_params(true_labels, rng)
    nuisance = _sample_nuisance_params(n_images, rng)
    images = np.empty((n_images, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for start in range(0, n_images, _CHUNK):
        part = slice(start, min(start + _CHUNK, n_images))
        chunk_nuisance = {name: values[part] for name, values in nuisance.items()}
        faces = _render_faces({name: values[part] for name, values in expression.items()}, chunk_nuisance)
        images[part] = _photograph(faces, chunk_nuisance, rng)
    labels = _add_label_noise(true_labels, rng).astype(np.int64)
    return images, labels


def _sample_expression_params(labels: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-image expression features: class mean scaled by a random intensity, plus jitter."""
    n = labels.shape[0]
    # FER2013 mixes subtle and full expressions: interpolate from neutral to the class mean.
    intensity = rng.uniform(0.45, 1.2, size=(n, 1))
    means = _NEUTRAL + intensity * (_EXPRESSION_MEANS[labels] - _NEUTRAL)
    values = means + rng.normal(size=(n, len(_FEATURES))) * _FEATURE_JITTER
    params = {name: values[:, i] for i, name in enumerate(_FEATURES)}
    params["mouth_open"] = np.clip(params["mouth_open"], 0.0, None)
    params["mouth_width"] = np.clip(params["mouth_width"], 0.12, 0.55)
    params["eye_open"] = np.clip(params["eye_open"], 0.2, 2.4)
    params["wrinkle"] = np.clip(params["wrinkle"], 0.0, 1.3)
    params["lip_asym"] = np.abs(params["lip_asym"]) * rng.choice([-1.0, 1.0], size=n)
    return params


def _sample_nuisance_params(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-image pose, identity, backdrop, lighting, noise and occlusion parameters."""

    def u(low: float, high: float) -> np.ndarray:
        return rng.uniform(low, high, size=n)

    skin = u(0.45, 0.85)
    return {
        # pose and scale (pixels per face unit; face half-height is one unit)
        "angle": rng.normal(0.0, 0.2, size=n),
        "shift_x": rng.normal(0.0, 2.5, size=n),
        "shift_y": rng.normal(0.0, 2.5, size=n),
        "scale": u(17.0, 24.0),
        # identity
        "face_aspect": u(0.72, 0.88),
        "eye_dx": u(0.28, 0.38),
        "eye_y": u(-0.2, -0.06),
        "mouth_y": u(0.42, 0.56),
        "hairline": u(-0.75, -0.4),
        "hair": u(0.02, 0.9),
        "skin": skin,
        "feature_dark": skin * u(0.15, 0.45),
        "softness": u(0.7, 1.6),
        # backdrop: flat background, shoulders, one blob of clutter
        "background": u(0.05, 0.95),
        "clothes": u(0.0, 1.0),
        "blob_u": u(-1.6, 1.6),
        "blob_v": u(-1.6, 1.6),
        "blob_ru": u(0.15, 0.8),
        "blob_rv": u(0.15, 0.8),
        "blob_value": u(0.0, 1.0),
        # lighting and camera
        "grad_strength": u(0.0, 0.5),
        "grad_angle": u(0.0, 2 * np.pi),
        "contrast": u(0.7, 1.3),
        "brightness": rng.normal(0.0, 0.08, size=n),
        "gamma": u(0.7, 1.4),
        "noise_std": u(0.005, 0.05),
        # occlusion rectangle (pixels), active in a fraction of images
        "occluded": rng.random(n) < _OCCLUSION_P,
        "occ_x0": u(0, 40),
        "occ_y0": u(0, 40),
        "occ_w": u(6, 28),
        "occ_h": u(4, 20),
        "occ_value": u(0.0, 1.0),
    }


def _col(values: np.ndarray) -> np.ndarray:
    """Reshape a per-image vector to (N, 1, 1) float32 for broadcasting over pixels."""
    return values.astype(np.float32).reshape(-1, 1, 1)


def _face_coordinates(nuisance: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel grid mapped to rotated, shifted, scaled face coordinates (u right, v down), each (N, 48, 48)."""
    half = (IMAGE_SIZE - 1) / 2
    grid = np.arange(IMAGE_SIZE, dtype=np.float32) - half
    x = grid[None, None, :] - _col(nuisance["shift_x"])
    y = grid[None, :, None] - _col(nuisance["shift_y"])
    cos, sin = _col(np.cos(nuisance["angle"])), _col(np.sin(nuisance["angle"]))
    scale = _col(nuisance["scale"])
    return (cos * x + sin * y) / scale, (cos * y - sin * x) / scale


def _composite(canvas: np.ndarray, coverage: np.ndarray, value: np.ndarray) -> None:
    """Paint `value` over `canvas` in place with the given coverage."""
    canvas += coverage * (value - canvas)


@dataclass(frozen=True)
class _Frame:
    """Per-chunk drawing context: face coordinates of every pixel and per-image drawing constants."""

    u: np.ndarray       # (N, 48, 48) face coordinate, right
    v: np.ndarray       # (N, 48, 48) face coordinate, down
    au: np.ndarray      # |u|, to draw left/right pairs in one pass
    px: np.ndarray      # (N, 1, 1) pixels per face unit
    soft: np.ndarray    # (N, 1, 1) edge softness in pixels
    skin: np.ndarray    # (N, 1, 1) skin intensity
    dark: np.ndarray    # (N, 1, 1) intensity of eyes, brows and lips

    def coverage(self, distance: np.ndarray) -> np.ndarray:
        """Soft coverage of a shape whose signed distance (face units, < 0 inside) is given."""
        return np.clip(0.5 - distance * self.px / self.soft, 0.0, 1.0)


def _render_faces(expr: dict[str, np.ndarray], nuisance: dict[str, np.ndarray]) -> np.ndarray:
    """Draw the clean faces (float32 intensities in [0, 1], shape (N, 48, 48))."""
    u, v = _face_coordinates(nuisance)
    frame = _Frame(u=u, v=v, au=np.abs(u), px=_col(nuisance["scale"]), soft=_col(nuisance["softness"]),
                   skin=_col(nuisance["skin"]), dark=_col(nuisance["feature_dark"]))
    canvas = np.broadcast_to(_col(nuisance["background"]), u.shape).copy()
    _draw_backdrop(canvas, frame, nuisance)
    _draw_head(canvas, frame, nuisance)
    _draw_eyes(canvas, frame, expr, nuisance)
    _draw_brows(canvas, frame, expr, nuisance)
    _draw_nose(canvas, frame, expr)
    _draw_mouth(canvas, frame, expr, nuisance)
    return canvas


def _draw_backdrop(canvas: np.ndarray, f: _Frame, nuisance: dict[str, np.ndarray]) -> None:
    """Shoulders below the face and one random blob of background clutter."""
    shoulders = np.sqrt((f.u / 1.5) ** 2 + ((f.v - 2.0) / 0.95) ** 2) - 1.0
    _composite(canvas, f.coverage(shoulders), _col(nuisance["clothes"]))
    blob = np.sqrt(((f.u - _col(nuisance["blob_u"])) / _col(nuisance["blob_ru"])) ** 2
                   + ((f.v - _col(nuisance["blob_v"])) / _col(nuisance["blob_rv"])) ** 2) - 1.0
    _composite(canvas, f.coverage(blob * _col(nuisance["blob_rv"])), _col(nuisance["blob_value"]))


def _draw_head(canvas: np.ndarray, f: _Frame, nuisance: dict[str, np.ndarray]) -> None:
    """Face ellipse in skin tone, with hair above a random hairline."""
    aspect = _col(nuisance["face_aspect"])
    radius = np.sqrt((f.u / aspect) ** 2 + f.v ** 2)
    _composite(canvas, f.coverage((radius - 1.0) * aspect), f.skin)
    hair_edge = np.maximum(radius - 1.08, f.v - _col(nuisance["hairline"]) - 0.08 * f.u * f.u)
    _composite(canvas, f.coverage(hair_edge * aspect), _col(nuisance["hair"]))


def _draw_eyes(canvas: np.ndarray, f: _Frame, expr: dict[str, np.ndarray], nuisance: dict[str, np.ndarray]) -> None:
    """Both eyes as dark ellipses (mirrored via |u|); height follows eye openness."""
    rx, ry = 0.13, _col(0.06 * expr["eye_open"])
    du = f.au - _col(nuisance["eye_dx"])
    dv = f.v - _col(nuisance["eye_y"])
    radius = np.sqrt((du / rx) ** 2 + (dv / ry) ** 2)
    _composite(canvas, f.coverage((radius - 1.0) * ry), f.dark)


def _draw_brows(canvas: np.ndarray, f: _Frame, expr: dict[str, np.ndarray], nuisance: dict[str, np.ndarray]) -> None:
    """Brows as thick strokes whose height and inner/outer tilt follow the expression."""
    inner, outer, thick = 0.1, 0.52, 0.055
    t = np.clip((f.au - inner) / (outer - inner), 0.0, 1.0)   # 0 at the inner end, 1 at the outer end
    base = _col(nuisance["eye_y"]) - 0.2 - _col(expr["brow_raise"])
    centre = base - _col(expr["brow_tilt"]) * (1.0 - t) + 0.06 * (t - 0.5) ** 2
    edge = np.maximum(np.abs(f.v - centre) - thick, np.maximum(inner - f.au, f.au - outer))
    _composite(canvas, f.coverage(edge), f.dark)


def _draw_nose(canvas: np.ndarray, f: _Frame, expr: dict[str, np.ndarray]) -> None:
    """Faint nose ridge and nostrils; creases on the bridge and between the brows scale with `wrinkle`."""
    shade = f.skin + 0.5 * (f.dark - f.skin)
    ridge = np.maximum(np.abs(f.u - 0.04) - 0.025, np.abs(f.v - 0.12) - 0.14)
    _composite(canvas, 0.5 * f.coverage(ridge), shade)
    nostrils = np.sqrt((f.au - 0.08) ** 2 + ((f.v - 0.27) * 1.6) ** 2) - 0.04
    _composite(canvas, f.coverage(nostrils), shade)
    crease = np.maximum(np.abs(np.abs(f.v) - 0.05) - 0.018, f.au - 0.13)       # two across the bridge
    furrow = np.maximum(np.abs(f.au - 0.05) - 0.015, np.abs(f.v + 0.22) - 0.07)  # two between the brows
    strength = _col(np.clip(expr["wrinkle"], 0.0, 1.0))
    _composite(canvas, strength * f.coverage(np.minimum(crease, furrow)), shade)


def _draw_mouth(canvas: np.ndarray, f: _Frame, expr: dict[str, np.ndarray], nuisance: dict[str, np.ndarray]) -> None:
    """Lips along a parabola (curvature = smile/frown), opening in the middle, optional raised corner."""
    width = _col(expr["mouth_width"])
    q = np.clip(f.u / width, -1.0, 1.0)                     # -1 .. 1 from one corner to the other
    centre = _col(nuisance["mouth_y"]) - _col(expr["mouth_curve"]) * (q * q - 0.5)
    asym = _col(expr["lip_asym"])                           # its sign picks the raised side
    upper_raise = np.abs(asym) * np.clip(0.5 + 0.5 * q * np.sign(asym), 0.0, 1.0)
    opening = _col(expr["mouth_open"]) * np.sqrt(1.0 - q * q)
    dv = f.v - centre
    half_height = np.where(dv < 0, 0.035 + opening + upper_raise, 0.035 + opening)
    lips = np.maximum(np.abs(dv) - half_height, np.abs(f.u) - width)
    _composite(canvas, 0.9 * f.coverage(lips), f.dark)
    inside = np.maximum(np.abs(dv) - opening * 0.85, np.abs(f.u) - width * 0.9)
    _composite(canvas, f.coverage(inside), 0.4 * f.dark)


def _photograph(faces: np.ndarray, nuisance: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Turn clean faces into camera images: occlusion, lighting, sensor noise, uint8 quantisation."""
    _occlude(faces, nuisance)
    _light(faces, nuisance)
    faces += rng.standard_normal(size=faces.shape, dtype=np.float32) * _col(nuisance["noise_std"])
    np.clip(faces, 0.0, 1.0, out=faces)
    return np.rint(faces * 255.0).astype(np.uint8)


def _light(faces: np.ndarray, nuisance: dict[str, np.ndarray]) -> None:
    """Linear illumination gradient, then contrast, brightness and gamma, in place."""
    centred = (np.arange(IMAGE_SIZE, dtype=np.float32) - (IMAGE_SIZE - 1) / 2) / IMAGE_SIZE
    angle = nuisance["grad_angle"]
    gradient = _col(np.cos(angle)) * centred[None, None, :] + _col(np.sin(angle)) * centred[None, :, None]
    faces *= 1.0 + _col(nuisance["grad_strength"]) * gradient
    faces -= 0.5
    faces *= _col(nuisance["contrast"])
    faces += 0.5 + _col(nuisance["brightness"])
    np.clip(faces, 0.0, 1.0, out=faces)
    faces **= _col(nuisance["gamma"])


def _occlude(faces: np.ndarray, nuisance: dict[str, np.ndarray]) -> None:
    """Paint a flat rectangle (hand, glasses, bar) over part of the image in occluded images, in place."""
    grid = np.arange(IMAGE_SIZE, dtype=np.float32)
    x0, y0 = _col(nuisance["occ_x0"]), _col(nuisance["occ_y0"])
    inside_x = (grid[None, None, :] >= x0) & (grid[None, None, :] < x0 + _col(nuisance["occ_w"]))
    inside_y = (grid[None, :, None] >= y0) & (grid[None, :, None] < y0 + _col(nuisance["occ_h"]))
    mask = inside_x & inside_y & nuisance["occluded"].reshape(-1, 1, 1)
    np.copyto(faces, np.broadcast_to(_col(nuisance["occ_value"]), faces.shape), where=mask)


def _add_label_noise(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace a small fraction of labels with uniformly random classes."""
    flip = rng.random(labels.shape[0]) < _LABEL_NOISE
    random_labels = rng.integers(0, len(CLASS_WEIGHTS), size=labels.shape[0])
    return np.where(flip, random_labels, labels)
