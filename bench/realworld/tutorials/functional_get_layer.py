"""Feature extraction with layers[i] / get_layer (the functional API guide and FAQ)."""
import numpy as np
import keras
from keras import layers

inputs = keras.Input(shape=(250, 250, 3))
x = layers.Conv2D(32, 5, strides=2, activation="relu", name="conv_1")(inputs)
x = layers.Conv2D(32, 3, activation="relu", name="conv_2")(x)
x = layers.MaxPooling2D(3, name="pool")(x)
x = layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer")(x)
x = layers.GlobalMaxPooling2D()(x)
outputs = layers.Dense(5, activation="softmax", name="predictions")(x)
model = keras.Model(inputs, outputs)

feature_extractor = keras.Model(
    inputs=model.inputs,
    outputs=[layer.output for layer in model.layers],
)
features = feature_extractor(np.zeros((1, 250, 250, 3), dtype="float32"))

intermediate_model = keras.Model(
    inputs=model.input,
    outputs=model.get_layer(name="my_intermediate_layer").output,
)
intermediate_output = intermediate_model.predict(np.zeros((2, 250, 250, 3)))
print(intermediate_output.shape)

second_conv = keras.Model(inputs=model.inputs, outputs=model.layers[2].output)
print(second_conv.output_shape)

# Freeze the convolutional base and train only the head
for layer in model.layers[:-1]:
    layer.trainable = False

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
images = np.load("images.npy")
labels = np.load("labels.npy")
model.fit(images, labels, epochs=3, batch_size=8)
