"""The seed's mistake: Input(shape=...) copies the data's full shape, sample count included."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

time_series_data = np.random.rand(1000, 50, 1)
targets = np.random.rand(1000, 1)

input_layer = keras.Input(shape=(1000, 50, 1))
recurrent_layer = layers.LSTM(32)(input_layer)
output_layer = layers.Dense(1)(recurrent_layer)

model = keras.Model(inputs=input_layer, outputs=output_layer)
model.compile(optimizer="adam", loss="mse")
model.fit(time_series_data, targets, epochs=2)
