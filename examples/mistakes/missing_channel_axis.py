"""Grayscale images of shape (64, 64) fed to Conv2D, which needs a channel axis."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

images = np.random.rand(500, 64, 64)
labels = np.random.randint(0, 10, size=(500,))

input_layer = keras.Input(shape=(64, 64))
conv_layer = layers.Conv2D(32, (3, 3), activation="relu")(input_layer)
pooled = layers.MaxPooling2D()(conv_layer)
flat = layers.Flatten()(pooled)
output_layer = layers.Dense(10, activation="softmax")(flat)

model = keras.Model(inputs=input_layer, outputs=output_layer)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(images, labels, epochs=2)
