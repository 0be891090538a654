import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

# Dummy time series data (1000 samples, 50 time steps, 1 feature)
time_series_data = np.random.rand(1000, 50, 1)

# Input layer definition. Note that the '1' representing feature is included here as required.
input_layer = keras.Input(shape=(50, 1))

# Simple recurrent layer
recurrent_layer = layers.LSTM(32)(input_layer)

# Output layer (e.g., regression to the next stock price)
output_layer = layers.Dense(1)(recurrent_layer)

# Build the model
model = keras.Model(inputs=input_layer, outputs=output_layer)

# Print model summary
model.summary()
