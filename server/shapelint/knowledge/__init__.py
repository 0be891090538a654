"""Knowledge tables: what NumPy, TensorFlow and Keras functions do to shapes."""
