"""The Plotly report of one experiment, built from its Parquet files and Optuna study alone.

Entry points: `python -m reports.build <dir>` and `reports.build.build_report(folder)`
(kept out of this `__init__` so that `python -m reports.build` runs the module only once).
"""
