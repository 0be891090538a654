"""Training on .npy files with a keras.utils.Sequence (the 'data generator' pattern)."""
import math
import os

import numpy as np
from tensorflow import keras


class DataGenerator(keras.utils.Sequence):
    'Generates data for Keras'
    def __init__(self, list_IDs, labels, batch_size=32, dim=(32, 32, 32), n_channels=1,
                 n_classes=10, shuffle=True, **kwargs):
        'Initialization'
        super().__init__(**kwargs)
        self.dim = dim
        self.batch_size = batch_size
        self.labels = labels
        self.list_IDs = list_IDs
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.shuffle = shuffle
        self.on_epoch_end()

    def __len__(self):
        'Denotes the number of batches per epoch'
        return int(math.floor(len(self.list_IDs) / self.batch_size))

    def __getitem__(self, index):
        'Generate one batch of data'
        indexes = self.indexes[index*self.batch_size:(index+1)*self.batch_size]
        list_IDs_temp = [self.list_IDs[k] for k in indexes]
        X, y = self.__data_generation(list_IDs_temp)
        return X, y

    def on_epoch_end(self):
        'Updates indexes after each epoch'
        self.indexes = np.arange(len(self.list_IDs))
        if self.shuffle == True:
            np.random.shuffle(self.indexes)

    def __data_generation(self, list_IDs_temp):
        'Generates data containing batch_size samples'
        X = np.empty((self.batch_size, *self.dim, self.n_channels))
        y = np.empty((self.batch_size), dtype=int)
        for i, ID in enumerate(list_IDs_temp):
            X[i,] = np.load(os.path.join('data', ID + '.npy'))
            y[i] = self.labels[ID]
        return X, keras.utils.to_categorical(y, num_classes=self.n_classes)


params = {'dim': (32, 32, 32),
          'batch_size': 64,
          'n_classes': 6,
          'n_channels': 1,
          'shuffle': True}

# data/<ID>.npy holds one (32, 32, 32, 1) volume; labels.csv maps each ID to its class.
labels = {}
with open('labels.csv') as f:
    for row in f.read().splitlines()[1:]:
        sample_id, label = row.split(',')
        labels[sample_id] = int(label)
ids = sorted(labels)
split = int(len(ids) * 0.8)
partition = {'train': ids[:split], 'validation': ids[split:]}

training_generator = DataGenerator(partition['train'], labels, **params)
validation_generator = DataGenerator(partition['validation'], labels, **params)

model = keras.Sequential([
    keras.layers.Input(shape=(32, 32, 32, 1)),
    keras.layers.Conv3D(16, 3, activation='relu'),
    keras.layers.MaxPooling3D(2),
    keras.layers.Conv3D(32, 3, activation='relu'),
    keras.layers.GlobalAveragePooling3D(),
    keras.layers.Dense(6, activation='softmax'),
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])

model.fit(training_generator, validation_data=validation_generator, epochs=10)


def batch_generator(x_files, batch_size):
    """A plain Python generator yielding (x, y) batches forever."""
    while True:
        for start in range(0, len(x_files), batch_size):
            xb = np.stack([np.load(f) for f in x_files[start:start + batch_size]])
            yb = np.zeros((len(xb), 6))
            yield xb, yb


files = [os.path.join('data', i + '.npy') for i in partition['train']]
model.fit(batch_generator(files, 2), steps_per_epoch=2, epochs=1)
