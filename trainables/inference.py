"""A trained model put to use: emotion probabilities for any face image, per-class results on a
labelled split, and the model exported (`torch.export`) with its input scaling folded in.

Any image becomes a FER2013 input the way FER2013's own were made: greyscale, 48×48 pixels
(`to_face`). The exported module takes such faces as float32 0–255 values, (N, 48, 48), and
returns probabilities over `EMOTIONS`: a user needs neither this package nor the standardizer.
One exported program may hold several models, their probabilities averaged with weights (an
ensemble), and each may see the face and its mirror image (flip test-time augmentation: a
face's expression is the same mirrored, so the two predictions are averaged).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from trainables.dataset import EMOTIONS, IMAGE_SIZE
from trainables.device import resolve_precision
from trainables.loop import autocast, to_device_tensors
from trainables.standardize import Standardizer

BATCH = 256


def to_face(image: Image.Image) -> np.ndarray:
    """Any image (size, colour mode) as a 48×48 greyscale uint8 face, as FER2013 stores them."""
    return np.asarray(image.convert("L").resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR), dtype=np.uint8)


@torch.inference_mode()
def probabilities(model: nn.Module, standardizer: Standardizer, faces: np.ndarray, precision: str = "fp32",
                  flip: bool = False) -> np.ndarray:
    """(N, 7) emotion probabilities for (N, 48, 48) uint8 faces (`precision` as in training); with
    `flip`, of the mirrored faces instead (average the two for flip test-time augmentation)."""
    model.eval()
    device = next(model.parameters()).device
    x, _ = to_device_tensors(standardizer(faces), np.zeros(len(faces), dtype=np.int64), device)
    batches = []
    for first in range(0, len(x), BATCH):
        batch = x[first:first + BATCH]
        with autocast(resolve_precision(precision, device), device):
            batches.append(F.softmax(model(batch.flip(-1) if flip else batch).float(), dim=1))
    return torch.cat(batches).cpu().numpy()


def per_class_results(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Precision, recall, F1 and support per emotion, macro-F1 and the confusion matrix (rows:
    true emotion, columns: predicted), with scikit-learn's definitions."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    classes = list(range(len(EMOTIONS)))
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=classes,
                                                                     zero_division=0)
    return {"emotions": list(EMOTIONS), "precision": precision.tolist(), "recall": recall.tolist(),
            "f1": f1.tolist(), "support": support.tolist(),
            "macro_f1": float(f1_score(labels, predicted, labels=classes, average="macro", zero_division=0)),
            "confusion": confusion_matrix(labels, predicted, labels=classes).tolist()}


class DeployedModel(nn.Module):
    """The model with its input standardization folded in: 0–255 faces (N, 48, 48) in,
    probabilities over the emotions out; with `flip`, averaged over the face and its mirror image."""

    def __init__(self, model: nn.Module, standardizer: Standardizer, flip: bool = False):
        super().__init__()
        self.model = model
        self.kind = standardizer.kind
        self.flip = flip
        self.register_buffer("mean", torch.as_tensor(np.asarray(standardizer.mean), dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(np.asarray(standardizer.std), dtype=torch.float32))

    def forward(self, faces: torch.Tensor) -> torch.Tensor:
        x = faces.float()
        if self.kind != "raw":
            x = x / 255.0
            if self.kind == "per_image":
                x = x - x.mean(dim=(1, 2), keepdim=True)
                x = x / torch.where(x.std(dim=(1, 2), keepdim=True, unbiased=False) > 0,
                                    x.std(dim=(1, 2), keepdim=True, unbiased=False), torch.ones(1))
            else:
                x = (x - self.mean) / self.std
        x = x.unsqueeze(1)
        probabilities = F.softmax(self.model(x).float(), dim=1)
        if self.flip:  # a per-pixel standardization is mirrored after it is applied, as in training
            probabilities = (probabilities + F.softmax(self.model(x.flip(-1)).float(), dim=1)) / 2
        return probabilities


class DeployedEnsemble(nn.Module):
    """Several deployed models, their probabilities averaged with `weights` (how often ensemble
    selection chose each): one program in, one out."""

    def __init__(self, members: list[DeployedModel], weights: list[float]):
        super().__init__()
        if len(members) != len(weights) or not members or min(weights) <= 0:
            raise ValueError(f"an ensemble needs one positive weight per member; got {weights} for {len(members)}")
        self.members = nn.ModuleList(members)
        self.register_buffer("weights", torch.tensor(weights, dtype=torch.float32) / sum(weights))

    def forward(self, faces: torch.Tensor) -> torch.Tensor:
        total = self.members[0](faces) * self.weights[0]
        for i in range(1, len(self.members)):
            total = total + self.members[i](faces) * self.weights[i]
        return total


def export_model(model: nn.Module, standardizer: Standardizer, path: Path, flip: bool = False) -> None:
    """`DeployedModel` on the CPU in fp32, exported with `torch.export` for any batch size (load
    with `torch.export.load(path).module()`)."""
    export_ensemble([(model, standardizer)], [1.0], path, flip)


def export_ensemble(models: list[tuple[nn.Module, Standardizer]], weights: list[float], path: Path,
                    flip: bool = False) -> None:
    """Models with their standardizers, averaged with `weights` (each with flip test-time augmentation
    when `flip`), on the CPU in fp32, exported as one `torch.export` program for any batch size."""
    members = [DeployedModel(model.float().cpu().eval(), standardizer, flip) for model, standardizer in models]
    deployed = (members[0] if len(members) == 1 else DeployedEnsemble(members, weights)).eval().requires_grad_(False)
    example = torch.zeros(2, IMAGE_SIZE, IMAGE_SIZE)
    program = torch.export.export(deployed, (example,), dynamic_shapes=({0: torch.export.Dim("batch")},))
    with warnings.catch_warnings():  # torch 2.13 warns of weights not on the CPU; they are on the CPU here
        warnings.filterwarnings("ignore", message="No complete tensor found in the group")
        torch.export.save(program, str(path))


def load_exported(path: Path):
    """The exported model as a callable module: 0–255 faces (N, 48, 48) → probabilities (N, 7)."""
    return torch.export.load(str(path)).module()
