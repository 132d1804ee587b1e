#!/usr/bin/env python3
"""Checks `hashmac convert` against real PyTorch (run by hand where torch is installed, e.g. Debian's
python3-torch; not part of the test suite):

    /usr/bin/python3 scripts/torch-roundtrip-check.py [HASHMAC_COMMAND...]

(default command: node --import tsx lib/cli.ts, run from the repository root). Writes a state_dict with
every dtype hashmac reads — strided views, shared storages, 0-d and empty tensors, float edge values
(±0, ±inf, NaN, subnormals, values halfway between representable ones) — then for each of: no cast,
--dtype f32/f64/f16/bf16, converts .pt → .pt (zip and legacy inputs) and .pt → .safetensors → .pt,
loads every output with `torch.load(path, weights_only=True)` and compares bit for bit with what torch
itself gives (`tensor.contiguous()`, or `.to(dtype)` for float tensors when casting).
"""
import os
import subprocess
import sys
import tempfile

import torch

CASTS = {None: None, "f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16}


def state_dict():
    g = torch.Generator().manual_seed(0)
    edge = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-40, -3e-39, 6e-8, 65504.0, 65520.0, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 3.4e38, 1 + 2**-8 + 2**-30, 1 + 2**-11 + 2**-40, 1 - 2**-25], dtype=torch.float64)
    base = torch.randn(6, 10, generator=g)
    return {
        "f32": torch.randn(5, 7, generator=g) * 1000,
        "f64": torch.cat([edge, torch.randn(20, generator=g, dtype=torch.float64) * 1e-5]),
        "f32.edge": edge.float(),
        "f16": torch.randn(9, generator=g).half(),
        "bf16": torch.randn(3, 3, generator=g).bfloat16(),
        "i64": torch.tensor([-(2**62), 2**53 + 1, 0, 7]),
        "i32": torch.arange(-5, 6, dtype=torch.int32),
        "i16": torch.tensor([[-32768, 32767], [1, -1]], dtype=torch.int16),
        "i8": torch.arange(-6, 7, dtype=torch.int8),
        "u8": torch.arange(24, dtype=torch.uint8).reshape(2, 3, 4),
        "bool": torch.arange(9) % 2 == 0,
        "transposed": base.t(),
        "strided": base[::2, 1::3],
        "shared.a": base[1],
        "shared.b": base[2:4],
        "scalar": torch.tensor(3.25),
        "empty": torch.zeros(0, 3),
    }


def same(a, b):
    """Same dtype, shape and bits (signed zeros included; any NaN equals any NaN)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.numel() == 0:
        return True
    a, b = a.reshape(-1), b.contiguous().reshape(-1)
    if a.is_floating_point():
        # NaN payloads are not values: torch's own bfloat16 casts give 0x7fc0 or 0xffff depending on the code path.
        nan = a.isnan() & b.isnan()
        a, b = a[~nan], b[~nan]
        if (a.isnan() | b.isnan()).any():
            return False
    return a.view(torch.uint8).equal(b.view(torch.uint8))


def main():
    hashmac = sys.argv[1:] or ["node", "--import", "tsx", "lib/cli.ts"]
    sd = state_dict()
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        inputs = {"zip": os.path.join(d, "in.pt"), "legacy": os.path.join(d, "in-legacy.pt")}
        torch.save(sd, inputs["zip"])
        torch.save(sd, inputs["legacy"], _use_new_zipfile_serialization=False)
        for kind, src in inputs.items():
            for cast, dtype in CASTS.items():
                before = failures
                flag = ["--dtype", cast] if cast else []
                direct = os.path.join(d, f"{kind}-{cast}.pt")
                via_st = os.path.join(d, f"{kind}-{cast}.safetensors")
                back = os.path.join(d, f"{kind}-{cast}-back.pth")
                for args in ([src, direct], [src, via_st], [via_st, back]):
                    subprocess.run(hashmac + ["convert", *args, *flag], check=True, stdout=subprocess.DEVNULL)
                for out in (direct, back):
                    got = torch.load(out, weights_only=True)
                    assert sorted(got.keys()) == sorted(sd.keys()), out
                    for name, t in sd.items():
                        want = t.to(dtype) if dtype is not None and t.is_floating_point() else t
                        if not same(got[name], want.contiguous()):
                            failures += 1
                            print(f"MISMATCH {os.path.basename(out)} {name}: {got[name].dtype} {tuple(got[name].shape)} vs {want.dtype} {tuple(want.shape)}")
                print(f"{kind:6} input, cast {cast or 'none':4}: {len(sd)} tensors, .pt and .safetensors->.pt {'ok' if failures == before else 'FAILED'}")
    print("all identical" if failures == 0 else f"{failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
