"""The search: CLI, Ray Tune assembly, truthful Optuna bookkeeping and Parquet results."""
