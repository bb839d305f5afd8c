"""What an experiment folder holds, and the formulas every floor computes the same way.

The ground floor shared by the search that writes an experiment (`search/`), the report that
reads it (`reports/`) and the benchmarks: file names and atomic writes (`files`), Parquet
schemas, trial states and summary keys (`schema`), the full-run time projection (`full_run`)
and the Pareto math (`pareto`). Importable without Ray or torch (pyarrow and numpy only).
"""
