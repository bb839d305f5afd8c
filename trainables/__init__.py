"""Data, models and training for one FER2013 configuration; knows nothing of the search.

The names below load their module on first use (PEP 562), so a program that needs only the
hyperparameters' vocabulary or the data (the command line's `--help`, the data checks) does
not import torch.
"""

from importlib import import_module

_HOME = {
    "DataQuality": "data_quality", "check_data_quality": "data_quality",
    "EMOTIONS": "dataset", "DataError": "dataset", "Splits": "dataset", "stratified_sample": "dataset",
    "load_fer2013": "fer2013",
    "ARCHITECTURES": "hyperparameters", "Hyperparameters": "hyperparameters", "TrialSettings": "hyperparameters",
    "build_model": "models", "count_parameters": "models",
    "SYNTHETIC_NOTICE": "sources", "load_splits": "sources", "synthetic_splits": "sources",
    "load_model": "trainable", "run_trial": "trainable", "train_fer": "trainable",
}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'trainables' has no attribute {name!r}")
    value = getattr(import_module(f"trainables.{_HOME[name]}"), name)
    globals()[name] = value  # once loaded, an ordinary attribute
    return value
