"""Ray Tune callbacks of a search: the Parquet files, the progress line, the trials waiting for
resources (and the bound on it), the warnings of a trial resumed after a fault and of a CPU
fallback, and the forwarding of Ctrl-C to Tune."""

from search.callbacks.device_check import CpuFallbackWarning
from search.callbacks.forward_interruption import ForwardInterruption
from search.callbacks.progress import ProgressLine
from search.callbacks.recovery import RecoveryNotice
from search.callbacks.results import ParquetResults
from search.callbacks.waiting import StopWhenStalled, WaitWatch, stall

__all__ = ["CpuFallbackWarning", "ForwardInterruption", "ParquetResults", "ProgressLine", "RecoveryNotice",
           "StopWhenStalled", "WaitWatch", "stall"]
