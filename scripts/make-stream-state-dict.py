#!/usr/bin/env python3
"""Writes test/fixtures/torch/stream-state-dict.pt: a plain `torch.save(model.state_dict())` of the
hackathon's own MultiTowerModel (tiny sizes), and stream-state-dict.expected.json: the model's
predictions, one request at a time, on a small deterministic stream. Run by hand with torch and a
checkout of janestreet-gpu-mode/hackathon (its code is not in this repository):

    /usr/bin/python3 scripts/make-stream-state-dict.py HACKATHON_DIR test/fixtures/torch

The parameters the model leaves as torch.empty (BlockLinear weights and biases, RG-LRU `a`, RetNet
`decay` / `angle`) are filled the way hashmac's random weights draw them. Weights are rounded to float16
and saved as float16 (a small file); the predictions are computed from exactly those values.
"""
import importlib
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = dict(hidden_size=32, proj_size=16, tower_depth=2, num_heads=4, num_features=11)


def main(hackathon, out):
    sys.path.insert(0, HERE)
    importlib.import_module("stream-torch-check")  # supplies nn.RMSNorm / LayerNorm(bias=) on older torch
    sys.path.insert(0, hackathon)
    from model.inference_model import ModelConfig, MultiTowerModel

    torch.manual_seed(0)
    model = MultiTowerModel(ModelConfig(**CONFIG))
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in list(model.named_parameters()) + list(model.named_buffers()):
            if name.endswith(".rglru.a"):
                p.copy_(0.9 + 0.099 * torch.rand(p.shape, generator=g))
            elif name.endswith(".decay"):
                p.copy_(1 - 2.0 ** (-5 - torch.arange(p.numel(), dtype=torch.float32)))
            elif name.endswith(".angle"):
                half = p.numel() // 2
                a = 1 / 10000 ** torch.linspace(0, 1, half)
                p.copy_(a.repeat_interleave(2))
            elif ".rglru." in name or "gate_input" in name or "gate_state" in name or name.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight")) and ".mlstm." in name:
                bound = 1 / p.shape[-1] ** 0.5
                p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * bound)
            p.copy_(p.half().float())
    sd = model.state_dict()
    assert all(torch.isfinite(t).all() for t in sd.values())
    torch.save({k: v.half() for k, v in sd.items()}, os.path.join(out, "stream-state-dict.pt"))

    stream = []
    for i in range(12):
        symbol = "AB"[i % 2] if i < 8 else "C"
        stream.append({"symbol": symbol, "features": torch.randn(CONFIG["num_features"], generator=g).tolist()})
    states, predictions = {}, []
    with torch.inference_mode():
        for r in stream:
            x = torch.tensor([r["features"]], dtype=torch.float32)
            state = states.get(r["symbol"]) or model.init_state(1, torch.device("cpu"))
            pred, states[r["symbol"]] = model(x, state)
            predictions.append(pred[0].tolist())
    json.dump({"config": CONFIG, "stream": stream, "predictions": predictions}, open(os.path.join(out, "stream-state-dict.expected.json"), "w"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
