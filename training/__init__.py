"""Training: configuration, the accelerate training loop, evaluation and corpus tools."""
