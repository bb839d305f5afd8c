"""Data, models and training for one FER2013 configuration; knows nothing of the search."""

from trainables.data_quality import DataQuality, check_data_quality
from trainables.dataset import EMOTIONS, DataError, Splits, stratified_sample
from trainables.fer2013 import load_fer2013
from trainables.hyperparameters import Hyperparameters, TrialSettings
from trainables.models import ARCHITECTURES, build_model, count_parameters
from trainables.sources import SYNTHETIC_NOTICE, load_splits, synthetic_splits
from trainables.trainable import evaluate_split, load_model, run_trial, train_fer

__all__ = [
    "ARCHITECTURES", "EMOTIONS", "DataError", "DataQuality", "Hyperparameters", "SYNTHETIC_NOTICE", "Splits",
    "TrialSettings", "build_model", "check_data_quality", "count_parameters", "evaluate_split", "load_fer2013",
    "load_model", "load_splits", "run_trial", "stratified_sample", "synthetic_splits", "train_fer",
]
