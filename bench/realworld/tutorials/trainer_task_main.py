"""MNIST trainer in the 'trainer/task.py' layout of cloud training jobs: argparse flags, helpers,
and the whole run in one long train_and_evaluate(args) called from main()."""
import argparse
import json
import os
import time

import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

IMAGE_SIZE = 28
NUM_CLASSES = 10


def get_args():
    """Argument parser.

    Returns:
      Dictionary of arguments.
    """
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--job-dir",
        type=str,
        default="jobs",
        help="local or GCS location for writing checkpoints and exporting models")
    parser.add_argument(
        "--num-epochs",
        type=int,
        default=3,
        help="number of times to go through the data, default=3")
    parser.add_argument(
        "--batch-size",
        default=128,
        type=int,
        help="number of records to read during each training step, default=128")
    parser.add_argument(
        "--learning-rate",
        default=0.001,
        type=float,
        help="learning rate for gradient descent, default=.001")
    parser.add_argument(
        "--dropout",
        default=0.5,
        type=float,
        help="dropout rate before the classifier, default=.5")
    parser.add_argument(
        "--verbosity",
        choices=["DEBUG", "ERROR", "FATAL", "INFO", "WARN"],
        default="INFO")
    args, _ = parser.parse_known_args()
    return args


def create_keras_model(input_shape, num_classes, learning_rate, dropout):
    """Creates the convolutional classifier.

    Args:
      input_shape: shape of one image, channels last.
      num_classes: how many digits.
      learning_rate: learning rate of the Adam optimizer.
      dropout: dropout rate before the last layer.

    Returns:
      The compiled Keras model.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(dropout),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    model.compile(
        loss="categorical_crossentropy",
        optimizer=optimizer,
        metrics=["accuracy"])
    return model


def train_and_evaluate(args):
    """Trains and evaluates the Keras model.

    Uses the Keras model defined in create_keras_model() and the MNIST digits that
    keras.datasets downloads. Saves the trained model, its training history and a
    small evaluation report in the job directory.

    Args:
      args: dictionary of arguments - see get_args() for details
    """
    # Download the data and split it between train and test sets.
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()

    # Hold out the last 10,000 training images for validation.
    x_val = x_train[-10000:]
    y_val = y_train[-10000:]
    x_train = x_train[:-10000]
    y_train = y_train[:-10000]

    # Scale images to the [0, 1] range.
    x_train = x_train.astype("float32") / 255
    x_val = x_val.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    # Make sure images have shape (28, 28, 1).
    x_train = np.expand_dims(x_train, -1)
    x_val = np.expand_dims(x_val, -1)
    x_test = np.expand_dims(x_test, -1)
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_val.shape[0], "validation samples")
    print(x_test.shape[0], "test samples")

    # Convert class vectors to binary class matrices.
    y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)
    y_val = keras.utils.to_categorical(y_val, NUM_CLASSES)
    y_test = keras.utils.to_categorical(y_test, NUM_CLASSES)

    num_train_examples = x_train.shape[0]
    num_val_examples = x_val.shape[0]
    steps_per_epoch = int(np.ceil(num_train_examples / args.batch_size))
    print("steps per epoch:", steps_per_epoch)

    # Create the Keras Model
    keras_model = create_keras_model(
        input_shape=(IMAGE_SIZE, IMAGE_SIZE, 1),
        num_classes=NUM_CLASSES,
        learning_rate=args.learning_rate,
        dropout=args.dropout)
    keras_model.summary()

    # Pass a numpy array by passing DataFrame.values
    training_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    training_dataset = training_dataset.shuffle(num_train_examples).batch(args.batch_size)
    training_dataset = training_dataset.prefetch(tf.data.AUTOTUNE)

    validation_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))
    validation_dataset = validation_dataset.batch(num_val_examples)

    # Setup Learning Rate decay.
    lr_decay_cb = keras.callbacks.LearningRateScheduler(
        lambda epoch: args.learning_rate + 0.02 * (0.5 ** (1 + epoch)),
        verbose=True)

    # Stop when the validation loss stops improving.
    early_stopping_cb = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=2,
        restore_best_weights=True)

    # Keep the best weights seen on the validation set.
    os.makedirs(args.job_dir, exist_ok=True)
    checkpoint_cb = keras.callbacks.ModelCheckpoint(
        os.path.join(args.job_dir, "best.weights.h5"),
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True)

    # Train model
    started = time.time()
    history = keras_model.fit(
        training_dataset,
        epochs=args.num_epochs,
        validation_data=validation_dataset,
        verbose=1,
        callbacks=[lr_decay_cb, early_stopping_cb, checkpoint_cb])
    print("training took %.1f s" % (time.time() - started))

    # Evaluate on the held-out test images.
    score = keras_model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])

    # Look at a few predictions.
    predictions = keras_model.predict(x_test[:16])
    predicted_digits = np.argmax(predictions, axis=1)
    true_digits = np.argmax(y_test[:16], axis=1)
    print("predicted:", predicted_digits)
    print("expected: ", true_digits)

    # A confusion matrix over the whole test set.
    all_predictions = np.argmax(keras_model.predict(x_test, batch_size=args.batch_size), axis=1)
    all_labels = np.argmax(y_test, axis=1)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    for label, predicted in zip(all_labels, all_predictions):
        confusion[label, predicted] += 1
    per_class_accuracy = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    for digit in range(NUM_CLASSES):
        print("digit %d: accuracy %.3f" % (digit, per_class_accuracy[digit]))

    # Export the model and the training history.
    export_path = os.path.join(args.job_dir, "keras_export.keras")
    keras_model.save(export_path)
    print("Model exported to: {}".format(export_path))

    report = {
        "test_loss": float(score[0]),
        "test_accuracy": float(score[1]),
        "epochs_run": len(history.history["loss"]),
        "per_class_accuracy": [float(value) for value in per_class_accuracy],
    }
    with open(os.path.join(args.job_dir, "report.json"), "w") as handle:
        json.dump(report, handle, indent=2)

    # Reload the exported model and check it agrees with the trained one.
    reloaded = keras.models.load_model(export_path)
    reloaded_predictions = reloaded.predict(x_test[:16])
    print("reloaded model agrees:", np.allclose(predictions, reloaded_predictions, atol=1e-5))


def main():
    args = get_args()
    tf.get_logger().setLevel(args.verbosity)
    train_and_evaluate(args)


if __name__ == "__main__":
    main()
