"""Input and output: the IDX reader, MNIST and other datasets, model files."""
