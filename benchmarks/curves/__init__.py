"""Recorded FER2013 learning curves and a simulator that replays search strategies against them
(`python -m benchmarks.curves record|simulate|check|defaults`), as HPO benchmarks (HPOBench,
YAHPO Gym, Syne Tune's blackbox repository) do: train configurations once, compare strategies
many times.

record.py (the table) → surrogate.py (curves for unseen configurations, and their noise) →
simulator.py (the virtual clock, the strategies' own code deciding) → arms.py (the strategies)
→ simulate.py (many seeds, the figures), check.py (against real searches), defaults.py (the
project's knobs), plot.py (the anytime plot)."""
