#!/usr/bin/env python3
"""Cross-checks `hashmac stream` against the hackathon's own PyTorch model (not part of the test suite:
it needs torch and a checkout of janestreet-gpu-mode/hackathon, whose code is not in this repository).

    hashmac stream eval --requests 64 --symbols 4 --save-weights w.safetensors -o preds.ndjson \
        --batch-size 16   # with -s stream.ndjson, or first: hashmac stream generate -o stream.ndjson
    python3 scripts/stream-torch-check.py HACKATHON_DIR w.safetensors stream.ndjson preds.ndjson

Runs the model one request at a time per symbol (the hackathon's original loop) and prints the largest
absolute difference per tower. Works with torch >= 1.13 (nn.RMSNorm and LayerNorm(bias=False) are
supplied when the installed torch lacks them).
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


class _RMSNorm(nn.Module):
    """torch >= 2.4 nn.RMSNorm: x / sqrt(mean(x^2) + eps) * weight, eps defaulting to finfo.eps."""

    def __init__(self, shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(shape)) if elementwise_affine else None

    def forward(self, x):
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
        return y if self.weight is None else y * self.weight


def _layer_norm_with_bias_flag(base):
    class LayerNorm(base):
        def __init__(self, shape, eps=1e-5, elementwise_affine=True, bias=True):
            super().__init__(shape, eps=eps, elementwise_affine=elementwise_affine)
            if not bias:
                self.register_parameter("bias", None)

    return LayerNorm


if not hasattr(nn, "RMSNorm"):
    nn.RMSNorm = _RMSNorm
try:
    nn.LayerNorm(2, bias=False)
except TypeError:
    nn.LayerNorm = _layer_norm_with_bias_flag(nn.LayerNorm)


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        assert e["dtype"] == "F32", f"{name}: {e['dtype']}"
        b, t = e["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(raw[8 + n + b : 8 + n + t], dtype=np.float32).reshape(e["shape"]).copy())
    return tensors, meta


def main():
    hackathon, weights_path, stream_path, preds_path = sys.argv[1:5]
    sys.path.insert(0, hackathon)
    from model.inference_model import ModelConfig, MultiTowerModel

    weights, meta = read_safetensors(weights_path)
    c = json.loads(meta["config"])
    model = MultiTowerModel(ModelConfig(hidden_size=c["hiddenSize"], proj_size=c["projSize"], tower_depth=c["towerDepth"], num_heads=c["numHeads"], num_features=c["numFeatures"]))
    model.load_state_dict(weights, strict=True)
    ours = {}
    for line in open(preds_path):
        if line.strip():
            o = json.loads(line)
            ours[o["unique_id"]] = np.array(o["predictions"])
    states, worst = {}, np.zeros(4)
    with torch.inference_mode():
        for uid, line in enumerate(l for l in open(stream_path) if l.strip()):
            r = json.loads(line)
            x = torch.tensor([[r["feature_%02d" % j] for j in range(c["numFeatures"])]], dtype=torch.float32)
            state = states.get(r["symbol"]) or model.init_state(1, torch.device("cpu"))
            pred, states[r["symbol"]] = model(x, state)
            worst = np.maximum(worst, np.abs(pred[0].numpy() - ours[uid]))
    print(f"{len(ours)} requests; max |ours - hackathon model| per tower [xLSTM, Mamba2, RetNet, Hawk]: {worst}")


if __name__ == "__main__":
    main()
