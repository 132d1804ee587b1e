#!/usr/bin/env python3
"""The "Bit by Bit" scaffold's hashed forward of a CIFAR ResNet-20, as a speed peer for hashmac.

It does what the scaffold's HashConv2d / HashLinear do on every call, in PyTorch: unfold the input, and for
each (input tile, output tile) pair normalise the input rows and the weight rows (norm + eps), take sign
codes of both through the tile's projection (bit = z > 0, as +-1), estimate cos(pi * h / K) from the code
agreement, scale by both norms and accumulate. The weights are re-encoded on every forward, as there.
Model: akamaster's option-A ResNet-20 (parameter-free shortcuts, classifier `linear`) from its own
checkpoint; config and projections from a safetensors file in the scaffold's names.

  scaffold-peer.py --weights W.th --projections P.safetensors --data test_batch.bin [--images 64] [--check]
      prints {"images_per_s": ..., ...} as JSON (median of --repeat timed forwards);
      --check also compares the hashed logits with the projection file's expected.logits.
  scaffold-peer.py ... --serve
      reads one line per forward from stdin and answers "done <seconds>" (a peer for `hashmac bench`).
Needs PyTorch (e.g. Debian's python3-torch); never part of hashmac's tests.
"""
import argparse
import json
import math
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64, 'I32': np.int32, 'U8': np.uint8}


def read_safetensors(path):
    """Tensors and metadata of a safetensors file (the format is a JSON header and raw little-endian data)."""
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop('__metadata__', {})
    tensors = {}
    for name, h in header.items():
        a, b = h['data_offsets']
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=DTYPES[h['dtype']]).reshape(h['shape']).copy())
    return tensors, meta


def read_cifar_bin(path, n):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)[:n]
    images = torch.from_numpy(raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float64) / 255)
    mean, std = (torch.tensor(v, dtype=torch.float64).view(1, 3, 1, 1) for v in IMAGENET)
    return ((images - mean) / std).float(), torch.from_numpy(raw[:, 0].astype(np.int64))


class HashedLayer:
    """One conv/linear layer in the scaffold's tiled, per-call hashed form (or exact without a config)."""

    def __init__(self, path, weight, bias, cfg, tensors, conv=None):
        self.weight, self.bias, self.conv = weight, bias, conv
        self.flat = weight.reshape(weight.shape[0], -1)
        self.cfg = cfg
        self.tiles = {}
        if cfg is None:
            return
        D, N = self.flat.shape[1], self.flat.shape[0]
        ti, to = cfg['input_tile_size'], cfg['output_tile_size']
        kind = '_learnable_projection_matrix' if cfg['hash_kernel_type'] == 'learned_projection' else '_random_projection_matrix'
        for i, a in enumerate(range(0, D, ti)):
            for j, b in enumerate(range(0, N, to)):
                self.tiles[(a, min(a + ti, D), b, min(b + to, N))] = tensors[f'{path}.hash_kernels.{i}.{j}.{kind}']

    @staticmethod
    def kernel(x, w, P):
        """The scaffold's _HashKernel.forward: x [R, d], w [n, d], P [K, d] -> [R, n]."""
        eps = torch.finfo(x.dtype).eps
        xn = x.norm(dim=-1, keepdim=True) + eps
        wn = w.norm(dim=-1, keepdim=True) + eps
        cx = torch.where((x / xn) @ P.T > 0, 1.0, -1.0)
        cw = torch.where((w / wn) @ P.T > 0, 1.0, -1.0)
        K = P.shape[0]
        h = (K - cx @ cw.T) / 2
        return xn * wn.T * torch.cos(math.pi * h / K)

    def __call__(self, x):
        if self.conv is not None:
            stride, pad = self.conv
            if self.cfg is None:
                return F.conv2d(x, self.weight, self.bias, stride, pad)
            B, _, H, W = x.shape
            k = self.weight.shape[2]
            Ho, Wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
            rows = F.unfold(x, k, padding=pad, stride=stride).transpose(1, 2)
        else:
            if self.cfg is None:
                return F.linear(x, self.weight, self.bias)
            rows = x.unsqueeze(1)
        out = torch.zeros(rows.shape[0], rows.shape[1], self.flat.shape[0], dtype=x.dtype)
        for (a, a2, b, b2), P in self.tiles.items():
            xt = rows[:, :, a:a2].reshape(-1, a2 - a)
            out[:, :, b:b2] += self.kernel(xt, self.flat[b:b2, a:a2], P).reshape(rows.shape[0], rows.shape[1], b2 - b)
        if self.bias is not None:
            out = out + self.bias
        if self.conv is None:
            return out[:, 0]
        return out.transpose(1, 2).reshape(x.shape[0], -1, Ho, Wo)


class ResNet20A:
    """akamaster's CIFAR ResNet-20: option-A shortcuts, BatchNorm in eval mode, classifier `linear`."""

    def __init__(self, sd, config, tensors):
        def layer(path, stride=None):
            w = sd[f'{path}.weight']
            conv = None if stride is None else (stride, (w.shape[2] - 1) // 2)
            return HashedLayer(path, w, sd.get(f'{path}.bias'), config.get(path), tensors, conv)

        def bn(path):
            return lambda x: F.batch_norm(x, sd[f'{path}.running_mean'], sd[f'{path}.running_var'], sd[f'{path}.weight'], sd[f'{path}.bias'], False)

        self.stem = (layer('conv1', 1), bn('bn1'))
        self.blocks = []
        for s in (1, 2, 3):
            b = 0
            while f'layer{s}.{b}.conv1.weight' in sd:
                p = f'layer{s}.{b}'
                stride = 2 if s > 1 and b == 0 else 1
                self.blocks.append((layer(f'{p}.conv1', stride), bn(f'{p}.bn1'), layer(f'{p}.conv2', 1), bn(f'{p}.bn2'), stride))
                b += 1
        self.linear = layer('linear')

    def __call__(self, x):
        conv, norm = self.stem
        h = F.relu(norm(conv(x)))
        for c1, b1, c2, b2, stride in self.blocks:
            y = b2(c2(F.relu(b1(c1(h)))))
            if stride != 1 or h.shape[1] != y.shape[1]:
                pad = y.shape[1] // 4
                h = F.pad(h[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad))
            h = F.relu(y + h)
        return self.linear(F.avg_pool2d(h, h.shape[3]).flatten(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', required=True)
    ap.add_argument('--projections', required=True)
    ap.add_argument('--data', required=True, help='CIFAR-10 binary batch')
    ap.add_argument('--images', type=int, default=64)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: PyTorch default)')
    ap.add_argument('--check', action='store_true')
    ap.add_argument('--serve', action='store_true')
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    ck = torch.load(a.weights, map_location='cpu')
    sd = {k.removeprefix('module.'): v.float() for k, v in ck.get('state_dict', ck).items()}
    tensors, meta = read_safetensors(a.projections)
    config = {k: v for k, v in json.loads(meta['config']).items() if v.get('hash_kernel_type')}
    model = ResNet20A(sd, config, tensors)
    x, labels = read_cifar_bin(a.data, a.images)
    with torch.no_grad():
        if a.serve:
            print('ready', flush=True)
            for _ in sys.stdin:
                t0 = time.perf_counter()
                model(x)
                print(f'done {time.perf_counter() - t0:.6f}', flush=True)
            return
        times, logits = [], None
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            logits = model(x)
            times.append(time.perf_counter() - t0)
    out = {'images': len(labels), 'threads': torch.get_num_threads(), 'seconds': times,
           'images_per_s': len(labels) / statistics.median(times), 'accuracy': (logits.argmax(1) == labels).float().mean().item()}
    if a.check and 'expected.logits' in tensors:
        want = tensors['expected.logits'][: len(labels)].float()
        out['argmax_agree'] = int((want.argmax(1) == logits.argmax(1)).sum())
        out['rows_within_1e-3'] = int(((want - logits).abs().amax(1) <= 1e-3 * want.abs().amax(1).clamp(min=1)).sum())
    print(json.dumps(out))


if __name__ == '__main__':
    main()
