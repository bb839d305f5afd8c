"""Ray Tune callbacks of a search: the Parquet files, the progress line, the trials waiting for
resources (and the bound on it), the CPU-fallback warning and the forwarding of Ctrl-C to Tune."""

from search.callbacks.device_check import CpuFallbackWarning
from search.callbacks.forward_interruption import ForwardInterruption
from search.callbacks.progress import ProgressLine
from search.callbacks.results import ParquetResults
from search.callbacks.waiting import StopWhenStalled, WaitWatch, stall

__all__ = ["CpuFallbackWarning", "ForwardInterruption", "ParquetResults", "ProgressLine", "StopWhenStalled",
           "WaitWatch", "stall"]
