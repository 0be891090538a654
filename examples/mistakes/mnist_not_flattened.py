"""MNIST images (28, 28) fed to a dense network that declares 784 inputs, without reshaping."""
import keras
from keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train / 255.0

inputs = keras.Input(shape=(784,))
hidden = layers.Dense(128, activation="relu")(inputs)
outputs = layers.Dense(10, activation="softmax")(hidden)

model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=5, batch_size=32)
