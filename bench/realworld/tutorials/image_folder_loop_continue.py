"""A CNN on an image folder read with OpenCV in a loop (a common Kaggle/blog pattern)."""
import os

import cv2
import numpy as np
from sklearn.model_selection import train_test_split
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout
from tensorflow.keras.utils import to_categorical

DATADIR = "dataset"
CATEGORIES = ["Dog", "Cat"]
IMG_SIZE = 64

data = []
labels = []
for category in CATEGORIES:
    path = os.path.join(DATADIR, category)
    class_num = CATEGORIES.index(category)
    for img in os.listdir(path):
        if not img.lower().endswith((".jpg", ".jpeg", ".png")):
            continue
        img_array = cv2.imread(os.path.join(path, img), cv2.IMREAD_GRAYSCALE)
        if img_array is None:
            continue
        new_array = cv2.resize(img_array, (IMG_SIZE, IMG_SIZE))
        data.append(new_array)
        labels.append(class_num)

X = np.array(data).reshape(-1, IMG_SIZE, IMG_SIZE, 1)
X = X / 255.0
y = to_categorical(np.array(labels), num_classes=len(CATEGORIES))

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

model = Sequential()
model.add(Conv2D(32, (3, 3), activation="relu", input_shape=X.shape[1:]))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Conv2D(64, (3, 3), activation="relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(64, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(len(CATEGORIES), activation="softmax"))

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X_train, y_train, batch_size=32, epochs=10, validation_data=(X_test, y_test))

test_img = cv2.imread("test.jpg", cv2.IMREAD_GRAYSCALE)
test_img = cv2.resize(test_img, (IMG_SIZE, IMG_SIZE)) / 255.0
prediction = model.predict(test_img.reshape(-1, IMG_SIZE, IMG_SIZE, 1))
print(CATEGORIES[int(np.argmax(prediction[0]))])
