import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

# Dummy image data (1000 images, 64x64 pixels, 3 color channels)
image_data = np.random.randint(0, 256, size=(1000, 64, 64, 3), dtype=np.uint8)

# Input layer definition
input_layer = keras.Input(shape=(64, 64, 3))

# Simple convolutional layer
conv_layer = layers.Conv2D(32, (3, 3), activation='relu')(input_layer)

# Flatten layer
flatten_layer = layers.Flatten()(conv_layer)

# Output layer
output_layer = layers.Dense(10, activation='softmax')(flatten_layer)

# Build the model
model = keras.Model(inputs=input_layer, outputs=output_layer)

# Print model summary
model.summary()
