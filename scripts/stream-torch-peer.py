#!/usr/bin/env python3
"""The PyTorch peer of bench/stream.ts: the hackathon's own MultiTowerModel (imported from a checkout of
janestreet-gpu-mode/hackathon, whose code is not in this repository) run the way its example client runs
it: one request at a time, each symbol's state carried from request to request, under inference_mode.

    python3 scripts/stream-torch-peer.py HACKATHON_DIR WEIGHTS.safetensors REQUESTS.ndjson THREADS [--warm]

WEIGHTS is written by `hashmac stream eval --save-weights` (or the bench), REQUESTS has one
{"symbol", "features"} object per line. Prints one JSON line: requests, seconds, throughput (requests/s),
p50/p99 per-request milliseconds and the predictions (to check the peer computes what hashmac does).
--warm runs the stream once untimed first and times a second pass continuing from its states (the steady
state of a long-running client, as bench/stream.ts measures hashmac).
Needs torch >= 1.13 (Debian's python3-torch); stream-torch-check.py supplies what older torch lacks.
"""
import importlib
import json
import os
import sys
import time

import numpy as np
import torch


def main():
    hackathon, weights_path, requests_path, threads = sys.argv[1:5]
    warm = "--warm" in sys.argv[5:]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    check = importlib.import_module("stream-torch-check")  # nn.RMSNorm / LayerNorm(bias=) on older torch
    sys.path.insert(0, hackathon)
    from model.inference_model import ModelConfig, MultiTowerModel

    torch.set_num_threads(int(threads))
    weights, meta = check.read_safetensors(weights_path)
    c = json.loads(meta["config"])
    model = MultiTowerModel(
        ModelConfig(hidden_size=c["hiddenSize"], proj_size=c["projSize"], tower_depth=c["towerDepth"], num_heads=c["numHeads"], num_features=c["numFeatures"])
    )
    model.load_state_dict(weights, strict=True)
    model.eval()
    reqs = [json.loads(l) for l in open(requests_path) if l.strip()]
    states = {}

    def serve():  # the example client's loop: one request at a time, each symbol's state carried
        preds, times = [], []
        for r in reqs:
            t0 = time.perf_counter()
            x = torch.tensor([r["features"]], dtype=torch.float32)
            state = states.get(r["symbol"]) or model.init_state(1, torch.device("cpu"))
            pred, states[r["symbol"]] = model(x, state)
            preds.append(pred[0].numpy().astype(float).tolist())
            times.append(time.perf_counter() - t0)
        return preds, times

    with torch.inference_mode():
        # One warm-up request on a throw-away state (allocator, thread start-up), as hashmac's warmUp does.
        model(torch.zeros(1, c["numFeatures"]), model.init_state(1, torch.device("cpu")))
        if warm:
            serve()
        start = time.perf_counter()
        preds, times = serve()
        seconds = time.perf_counter() - start
    ms = np.array(times) * 1000
    print(json.dumps({
        "requests": len(reqs), "threads": int(threads), "seconds": seconds, "throughput": len(reqs) / seconds,
        "p50Ms": float(np.percentile(ms, 50)), "p99Ms": float(np.percentile(ms, 99)), "torch": torch.__version__, "predictions": preds,
    }))


if __name__ == "__main__":
    main()
