"""The Plotly report of one experiment, built from its Parquet files and Optuna study alone."""
