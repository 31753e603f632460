"""PyTorch as a benchmark peer of npm run bench (bench/peers/torch.ts starts it).

One JSON request a line on stdin, one JSON answer a line on stdout, so the Node side can
interleave PyTorch's rounds with its own. Arrays travel as raw little-endian float32 files.
One process runs at one thread count (SEQWASM_TORCH_THREADS, with OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS set alike by the Node side).

  {"cmd": "train", "key", "cell", "units", "features", "steps", "classes", "optimizer",
   "batch", "epochs", "samples", "x", "y", "ms"}          -> {"value": samples per second}
  {"cmd": "load", "key", "cell", "units", "features", "classes", "resetAfter", "weights"}
                                                          -> {}
  {"cmd": "predict", "key", "x", "shape"}                 -> {"output": [...]}
  {"cmd": "infer", "key", "x", "shape", "ms"}             -> {"value": median ms per call}

Weights come in Keras layout (kernel [F, gU], recurrent kernel [U, gU], bias, Dense kernel
[U, C], Dense bias) and are mapped to PyTorch's (weight_ih [gU, F], gates LSTM i,f,g,o as
Keras, GRU r,z,n against Keras z,r,h; GRU is always Keras's resetAfter form).
"""
import json
import os
import re
import sys
import time

import numpy as np
import torch
from torch import nn

CELLS = {"lstm": (nn.LSTM, 4), "gru": (nn.GRU, 3), "simpleRNN": (nn.RNN, 1)}
# For each PyTorch gate block, the Keras gate block it comes from.
GATES_FROM_KERAS = {"lstm": [0, 1, 2, 3], "gru": [1, 0, 2], "simpleRNN": [0]}


class Classifier(nn.Module):
    """A recurrent layer on its last output, then Dense (logits; softmax at prediction)."""

    def __init__(self, cell, units, features, classes):
        super().__init__()
        self.rnn = CELLS[cell][0](features, units, batch_first=True)
        self.dense = nn.Linear(units, classes)

    def forward(self, x):
        sequence, _ = self.rnn(x)
        return self.dense(sequence[:, -1])


def read_f32(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape))


def keras_to_torch(keras, units, order):
    """Keras [rows, gU] (or a bias [gU]) -> PyTorch [gU, rows] (or [gU]) in PyTorch's gate order."""
    blocks = [keras[..., g * units:(g + 1) * units] for g in order]
    joined = torch.cat(blocks, dim=-1)
    return joined.t().contiguous() if joined.dim() == 2 else joined


def load(request):
    cell, units, features, classes = request["cell"], request["units"], request["features"], request["classes"]
    gates = CELLS[cell][1] * units
    order = GATES_FROM_KERAS[cell]
    flat = torch.from_numpy(np.fromfile(request["weights"], dtype="<f4"))
    sizes = [features * gates, units * gates, (2 if cell == "gru" else 1) * gates, units * classes, classes]
    kernel, recurrent, bias, dense_kernel, dense_bias = torch.split(flat, sizes)
    if cell == "gru" and not request.get("resetAfter", True):
        raise ValueError("PyTorch's GRU is Keras's resetAfter form only")
    model = Classifier(cell, units, features, classes)
    with torch.no_grad():
        model.rnn.weight_ih_l0.copy_(keras_to_torch(kernel.reshape(features, gates), units, order))
        model.rnn.weight_hh_l0.copy_(keras_to_torch(recurrent.reshape(units, gates), units, order))
        if cell == "gru":
            model.rnn.bias_ih_l0.copy_(keras_to_torch(bias[:gates], units, order))
            model.rnn.bias_hh_l0.copy_(keras_to_torch(bias[gates:], units, order))
        else:
            model.rnn.bias_ih_l0.copy_(keras_to_torch(bias, units, order))
            model.rnn.bias_hh_l0.zero_()
        model.dense.weight.copy_(dense_kernel.reshape(units, classes).t())
        model.dense.bias.copy_(dense_bias)
    model.eval()
    return model


models = {}
trainers = {}


def predict(model, x):
    with torch.no_grad():
        return torch.softmax(model(x), dim=-1)


def median_ms(fn, budget_ms, min_calls=3):
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or (time.perf_counter() - start) * 1000 < budget_ms:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def trainer(request):
    """The model, optimizer and data of a training workload, built once per key."""
    key = request["key"]
    if key not in trainers:
        torch.manual_seed(1)
        model = Classifier(request["cell"], request["units"], request["features"], request["classes"])
        optimizer = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}[request["optimizer"]](model.parameters(), lr=1e-3)
        samples = request["samples"]
        x = read_f32(request["x"], (samples, request["steps"], request["features"]))
        labels = read_f32(request["y"], (samples, request["classes"])).argmax(dim=1)
        trainers[key] = (model, optimizer, x, labels)
    return trainers[key]


def train_epochs(model, optimizer, x, labels, batch, epochs):
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for start in range(0, len(x), batch):
            optimizer.zero_grad()
            loss = loss_fn(model(x[start:start + batch]), labels[start:start + batch])
            loss.backward()
            optimizer.step()


def handle(request):
    cmd = request["cmd"]
    if cmd == "train":
        model, optimizer, x, labels = trainer(request)
        model.train()
        samples = 0
        start = time.perf_counter()
        while True:
            train_epochs(model, optimizer, x, labels, request["batch"], request["epochs"])
            samples += len(x) * request["epochs"]
            elapsed = time.perf_counter() - start
            if elapsed * 1000 >= request["ms"]:
                return {"value": samples / elapsed}
    if cmd == "load":
        models[request["key"]] = load(request)
        return {}
    if cmd == "predict":
        return {"output": predict(models[request["key"]], read_f32(request["x"], request["shape"])).flatten().tolist()}
    if cmd == "infer":
        model, x = models[request["key"]], read_f32(request["x"], request["shape"])
        return {"value": median_ms(lambda: predict(model, x), request["ms"])}
    raise ValueError(f"unknown command {cmd}")


def loaded_blas():
    """The BLAS library this process mapped after a matrix product: a generic torch build runs
    on whichever libblas.so.3 the system selects, and the reference BLAS is many times slower
    than OpenBLAS."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and line.split()[-1].startswith("/")}
    except OSError:
        return "unknown"
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none mapped"


def main():
    torch.set_num_threads(int(os.environ.get("SEQWASM_TORCH_THREADS", "1")))
    blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    print(json.dumps({"ready": torch.__version__, "blas": blas.group(1) if blas else "unknown", "loaded": loaded_blas()}), flush=True)
    for line in sys.stdin:
        try:
            answer = handle(json.loads(line))
        except Exception as error:  # the Node side reports it and skips this peer
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
