#!/usr/bin/env python3
"""Writes test/fixtures/cifar10/: small PyTorch-written CIFAR ResNets of both shortcut variants, their float64
logits on real CIFAR-10 test images, and those images in the binary and python (pickle) releases' formats.
Re-running it rewrites the same bytes (fixed seed).

  /usr/bin/python3 scripts/make-cifar-fixtures.py ../shared/fixtures/cifar10/test_batch_first500.bin

Needs PyTorch and numpy (Debian's python3-torch); the tests that read the output do not.
- resnet8-a.th: akamaster's layout (option-A shortcuts, classifier `linear`), widths 4/8/16, saved as akamaster
  saves: the legacy torch.save format, {'best_prec1', 'state_dict'} with DataParallel's `module.` prefix.
- resnet8-b.pt: chenyaofo's layout (`downsample` 1x1 conv + BN, classifier `fc`), widths 4/8/16, a plain
  state_dict in the zip format.
- logits.safetensors: `a` / `b` [32, 10] float64 logits of each model on the 32 images, inputs normalised
  with ImageNet's (a) and CIFAR-10's (b) mean/std.
- test_batch_first32.bin: the first 32 test images (binary records); cifar-10-batches-py/test_batch: the
  same images as the python release pickles them; cifar-100-python/test: 4 of them with CIFAR-100's keys.
"""
import json
import os
import pickle
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'cifar10')
N = 32
MEANS = {'a': ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]), 'b': ([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.201])}


def bn(sd, path, c, g):
    sd[f'{path}.weight'] = 1 + 0.2 * torch.randn(c, generator=g)
    sd[f'{path}.bias'] = 0.1 * torch.randn(c, generator=g)
    sd[f'{path}.running_mean'] = 0.1 * torch.randn(c, generator=g)
    sd[f'{path}.running_var'] = 0.5 + torch.rand(c, generator=g)
    sd[f'{path}.num_batches_tracked'] = torch.tensor(100)


def conv(sd, path, o, i, k, g):
    sd[f'{path}.weight'] = torch.randn(o, i, k, k, generator=g) * (2 / (i * k * k)) ** 0.5


def make(variant, g):
    """A ResNet-8 state_dict (one block per stage, widths 4/8/16) of the given shortcut variant."""
    sd = {}
    conv(sd, 'conv1', 4, 3, 3, g)
    bn(sd, 'bn1', 4, g)
    cin = 4
    for s, w in enumerate((4, 8, 16), 1):
        p = f'layer{s}.0'
        conv(sd, f'{p}.conv1', w, cin, 3, g)
        bn(sd, f'{p}.bn1', w, g)
        conv(sd, f'{p}.conv2', w, w, 3, g)
        bn(sd, f'{p}.bn2', w, g)
        if variant == 'b' and (s > 1 or cin != w):
            conv(sd, f'{p}.downsample.0', w, cin, 1, g)
            bn(sd, f'{p}.downsample.1', w, g)
        cin = w
    fc = 'linear' if variant == 'a' else 'fc'
    sd[f'{fc}.weight'] = torch.randn(10, 16, generator=g) * 0.25
    sd[f'{fc}.bias'] = 0.1 * torch.randn(10, generator=g)
    return sd


def forward(sd, variant, x):
    d = {k: v.double() for k, v in sd.items() if v.is_floating_point()}
    norm = lambda h, p: F.batch_norm(h, d[f'{p}.running_mean'], d[f'{p}.running_var'], d[f'{p}.weight'], d[f'{p}.bias'], False)
    h = F.relu(norm(F.conv2d(x, d['conv1.weight'], padding=1), 'bn1'))
    for s in (1, 2, 3):
        p, stride = f'layer{s}.0', 1 if s == 1 else 2
        y = F.relu(norm(F.conv2d(h, d[f'{p}.conv1.weight'], stride=stride, padding=1), f'{p}.bn1'))
        y = norm(F.conv2d(y, d[f'{p}.conv2.weight'], padding=1), f'{p}.bn2')
        if stride != 1 or h.shape[1] != y.shape[1]:
            if variant == 'a':
                pad = y.shape[1] // 4
                h = F.pad(h[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad))
            else:
                h = norm(F.conv2d(h, d[f'{p}.downsample.0.weight'], stride=stride), f'{p}.downsample.1')
        h = F.relu(y + h)
    fc = 'linear' if variant == 'a' else 'fc'
    return F.linear(F.avg_pool2d(h, h.shape[3]).flatten(1), d[f'{fc}.weight'], d[f'{fc}.bias'])


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        b = v.contiguous().numpy().tobytes()
        header[k] = {'dtype': 'F64', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


class Python2Pickler(pickle._Pickler):
    """Protocol 2 with bytes as BINSTRING / SHORT_BINSTRING, as Python 2's cPickle wrote the CIFAR release
    (Python 3 would wrap bytes in _codecs.encode calls instead)."""

    def save_bytes(self, b):
        self.write((pickle.SHORT_BINSTRING + bytes([len(b)]) if len(b) < 256 else pickle.BINSTRING + struct.pack('<i', len(b))) + b)
        self.memoize(b)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


def dump_python2(obj, path):
    with open(path, 'wb') as f:
        Python2Pickler(f, protocol=2).dump(obj)
    with open(path, 'rb') as f:
        back = pickle.load(f, encoding='bytes')
    assert back.keys() == obj.keys() and all(np.array_equal(back[k], obj[k]) if isinstance(obj[k], np.ndarray) else back[k] == obj[k] for k in obj)


def main():
    raw = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(-1, 3073)[:N]
    os.makedirs(OUT, exist_ok=True)
    raw.tofile(os.path.join(OUT, 'test_batch_first32.bin'))
    labels, pixels = raw[:, 0], raw[:, 1:]
    os.makedirs(os.path.join(OUT, 'cifar-10-batches-py'), exist_ok=True)
    dump_python2({b'batch_label': b'testing batch 1 of 1', b'labels': [int(v) for v in labels], b'data': pixels.copy(),
                  b'filenames': [f'image_{i}.png'.encode() for i in range(N)]}, os.path.join(OUT, 'cifar-10-batches-py', 'test_batch'))
    os.makedirs(os.path.join(OUT, 'cifar-100-python'), exist_ok=True)
    dump_python2({b'filenames': [b'a.png', b'b.png', b'c.png', b'd.png'], b'batch_label': b'testing batch 1 of 1',
                  b'fine_labels': [99, 0, 42, 7], b'coarse_labels': [19, 0, 4, 3], b'data': pixels[:4].copy()}, os.path.join(OUT, 'cifar-100-python', 'test'))

    x = torch.from_numpy(pixels.reshape(N, 3, 32, 32).astype(np.float64) / 255)
    g = torch.Generator().manual_seed(11)
    logits = {}
    for v in ('a', 'b'):
        sd = make(v, g)
        mean, std = (torch.tensor(t, dtype=torch.float64).view(1, 3, 1, 1) for t in MEANS[v])
        logits[v] = forward(sd, v, (x - mean) / std)
        if v == 'a':
            wrapped = {'best_prec1': 12.5, 'state_dict': {f'module.{k}': t for k, t in sd.items()}}
            torch.save(wrapped, os.path.join(OUT, 'resnet8-a.th'), _use_new_zipfile_serialization=False)
        else:
            torch.save(sd, os.path.join(OUT, 'resnet8-b.pt'))
    save_safetensors(os.path.join(OUT, 'logits.safetensors'), logits)
    for v in ('a', 'b'):
        print(v, 'accuracy', (logits[v].argmax(1).numpy() == labels).mean())


if __name__ == '__main__':
    main()
