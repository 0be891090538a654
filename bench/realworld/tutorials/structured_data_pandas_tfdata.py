"""Classify structured data with feature columns (TensorFlow tutorial style), heart.csv."""
import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow.keras import layers

file_url = "heart.csv"
dataframe = pd.read_csv(file_url)
print(dataframe.shape)
dataframe.head()

val_dataframe = dataframe.sample(frac=0.2, random_state=1337)
train_dataframe = dataframe.drop(val_dataframe.index)


def dataframe_to_dataset(dataframe):
    dataframe = dataframe.copy()
    labels = dataframe.pop("target")
    ds = tf.data.Dataset.from_tensor_slices((dict(dataframe), labels))
    ds = ds.shuffle(buffer_size=len(dataframe))
    return ds


train_ds = dataframe_to_dataset(train_dataframe)
val_ds = dataframe_to_dataset(val_dataframe)

train_ds = train_ds.batch(32)
val_ds = val_ds.batch(32)

numeric_features = ["age", "trestbps", "chol", "thalach", "oldpeak", "slope"]


def encode_numerical_feature(feature, name, dataset):
    normalizer = layers.Normalization()
    feature_ds = dataset.map(lambda x, y: x[name])
    feature_ds = feature_ds.map(lambda x: tf.expand_dims(x, -1))
    normalizer.adapt(feature_ds)
    return normalizer(feature)


all_inputs = [tf.keras.Input(shape=(1,), name=name) for name in numeric_features]
encoded = [encode_numerical_feature(inp, name, train_ds) for inp, name in zip(all_inputs, numeric_features)]
all_features = layers.concatenate(encoded)
x = layers.Dense(32, activation="relu")(all_features)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = tf.keras.Model(all_inputs, output)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])

model.fit(train_ds, epochs=50, validation_data=val_ds)

sample = {
    "age": 60,
    "trestbps": 145,
    "chol": 233,
    "thalach": 150,
    "oldpeak": 2.3,
    "slope": 3,
}
input_dict = {name: tf.convert_to_tensor([value]) for name, value in sample.items()}
predictions = model.predict(input_dict)
print(f"{100 * predictions[0][0]:.1f} percent probability of having a heart disease.")
