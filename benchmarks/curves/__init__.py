"""Recorded FER2013 learning curves and a simulator that replays search strategies against them
(`python -m benchmarks.curves record|simulate`), as HPO benchmarks (HPOBench, YAHPO Gym, Syne
Tune's blackbox repository) do: train configurations once, compare strategies many times."""
