"""Re-runnable guards of what ships: each module is a command (``python -m benchmarks.<name>``)
that writes its table to benchmarks/results/."""
