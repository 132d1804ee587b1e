#!/usr/bin/env python3
"""Writes the small PyTorch / pickle fixtures of test/fixtures/torch (run by hand with Debian's
python3-torch; the tests only read the files, they never need torch):

    /usr/bin/python3 scripts/make-torch-fixtures.py test/fixtures/torch

- proto4.pt, proto5.pt: a small state_dict saved (zip) with pickle protocols 4 and 5 (FRAME, MEMOIZE,
  STACK_GLOBAL, SHORT_BINUNICODE) instead of torch's default 2.
- dataparallel-legacy.pt: nn.DataParallel's `module.`-prefixed state_dict in the legacy format.
- wrapped.pt: {epoch, model_state_dict, optimizer_state_dict, config} as training loops save it.
- nested-wrapper.pt: {'model': {'state_dict': ...}, 'note': ...}.
- ambiguous.pt: tensors under both `state_dict` and `model`.
- tensorless.pt: only numbers and strings.
- single-tensor.pt: one bare tensor.
- cifar10-batch.pkl, cifar100-batch.pkl: Python 2-style protocol-2 pickles laid out like
  cifar-10-batches-py / cifar-100-python (keys and raw array bytes as Python 2 strs: BINSTRING).
- numpy-arrays.pkl: a Fortran-ordered float32 array, a big-endian int32 array, numpy scalars.
expected.json also records torch's float16/bfloat16 casts of awkward values.
Each file's expected values are recorded in expected.json beside them.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


def small_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(4, 2))


class Py2Pickler(pickle._Pickler):
    """Writes bytes and str as Python 2's cPickle wrote its str (SHORT_BINSTRING / BINSTRING): CIFAR's
    keys, NumPy's dtype codes and byte-order characters, and the raw array bytes all come out that way."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj):
        if isinstance(obj, str):
            obj = obj.encode("latin1")
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str


def py2_pickle(obj):
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def main(out):
    os.makedirs(out, exist_ok=True)
    expected = {}
    sd = small_model().state_dict()

    def digest(d):
        return {k: {"shape": list(v.shape), "sum": float(v.double().sum())} for k, v in d.items()}

    for proto in (4, 5):
        torch.save(sd, f"{out}/proto{proto}.pt", pickle_protocol=proto)
    expected["state_dict"] = digest(sd)

    dp = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save(dp, f"{out}/dataparallel-legacy.pt", _use_new_zipfile_serialization=False)

    model = small_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(2, 3, 3, 3)).sum().backward()
    opt.step()
    torch.save({"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict": opt.state_dict(), "config": {"hidden_size": 4, "name": "tiny"}}, f"{out}/wrapped.pt")
    expected["wrapped"] = digest(model.state_dict())

    torch.save({"model": {"state_dict": sd}, "note": "nested"}, f"{out}/nested-wrapper.pt")
    torch.save({"state_dict": sd, "model": small_model().state_dict()}, f"{out}/ambiguous.pt")
    torch.save({"epoch": 1, "lr": 0.1, "arch": "resnet20"}, f"{out}/tensorless.pt")
    torch.save(torch.arange(6.0), f"{out}/single-tensor.pt")

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
    cifar10 = {b"batch_label": b"testing batch 1 of 1", b"labels": [3, 8, 8, 0], b"data": images, b"filenames": [b"a.png", b"b.png", b"c.png", b"d.png"]}
    open(f"{out}/cifar10-batch.pkl", "wb").write(py2_pickle(cifar10))
    cifar100 = {b"filenames": [b"x.png", b"y.png", b"z.png", b"w.png"], b"batch_label": b"testing batch 1 of 1", b"fine_labels": [49, 33, 72, 51], b"coarse_labels": [10, 10, 0, 16], b"data": images}
    open(f"{out}/cifar100-batch.pkl", "wb").write(py2_pickle(cifar100))
    for name in ("cifar10-batch.pkl", "cifar100-batch.pkl"):
        check = pickle.load(open(f"{out}/{name}", "rb"), encoding="bytes")
        assert (check[b"data"] == images).all()
    expected["cifar_data_sum"] = int(images.astype(np.int64).sum())
    expected["cifar_first_row_head"] = images[0, :8].tolist()

    fortran = np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4) / 8)
    big = np.array([1, -2, 70000], dtype=">i4")
    arrays = {"fortran": fortran, "big": big, "f64": np.float64(2.5), "i64": np.int64(-7), "flag": np.bool_(True)}
    open(f"{out}/numpy-arrays.pkl", "wb").write(pickle.dumps(arrays, protocol=2))
    expected["numpy"] = {"fortran": fortran.tolist(), "big": big.tolist()}

    # torch's own float casts of awkward values (ties, subnormals, overflow, float64 double rounding).
    values = [0.0, -0.0, 1e-40, -3e-39, 6e-8, 3e-8, 65504.0, 65520.0, 1e30, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8,
              1 + 2**-8 + 2**-30, 1 + 2**-11 + 2**-40, 3.4e38, -2.5e-5, 0.1, -123.456]
    src = torch.tensor(values, dtype=torch.float64)
    expected["casts"] = {
        "values": values,
        "f32_to_f16": src.float().half().view(torch.int16).tolist(),
        "f32_to_bf16": src.float().bfloat16().view(torch.int16).tolist(),
        "f64_to_f16": src.half().view(torch.int16).tolist(),
        "f64_to_bf16": src.bfloat16().view(torch.int16).tolist(),
    }

    json.dump(expected, open(f"{out}/expected.json", "w"), indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
