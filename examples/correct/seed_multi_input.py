import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

# Dummy demographic data (1000 samples, 5 features)
demographics = np.random.rand(1000, 5)

# Dummy review ratings data (1000 samples, 200 features)
review_ratings = np.random.rand(1000, 200)

# Input layers
demographics_input = keras.Input(shape=(5,))
review_input = keras.Input(shape=(200,))

# Dense layer for the demographic data
demographics_dense = layers.Dense(16, activation='relu')(demographics_input)
# Dense layer for the review data
review_dense = layers.Dense(64, activation='relu')(review_input)

# Concatenate layers
merged = layers.concatenate([demographics_dense, review_dense])

# Final output layer
output_layer = layers.Dense(1, activation='sigmoid')(merged)


# Build the model
model = keras.Model(inputs=[demographics_input, review_input], outputs=output_layer)

# Print the model summary
model.summary()
