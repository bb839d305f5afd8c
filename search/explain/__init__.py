"""`python -m search.explain EXPERIMENT_DIR`: controlled runs around a finished search's best
configuration, which decide what the search alone could not (see `__main__`).

design.py (the arms and runs, as data) → plan.py (their cost, a budget's cut) → run.py (Ray Tune,
as a search runs its trials) and study.py (the runs as an Optuna study); `__main__` the command.
"""
