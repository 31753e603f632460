// optimizers kernels: filled in by milestone 3 (issue 4).
