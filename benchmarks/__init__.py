"""Speed benchmarks; numbers go to benchmarks/RESULTS.md, never into timed tests."""
