"""The reference for the CUDA sign projection: the same GEMM through PyTorch (cuBLAS), at the shape that
scripts/gpu-bench.ts times signProject at, in FP32 and in TF32, CUDA events after a warm-up, the median of
--reps products on fresh random data. Run by scripts/gpu-check.sh on the GPU machine (PyTorch is there).
    python3 scripts/gpu-torch-gemm.py [--shape 65536,256,256] [--reps 50] [--json file]
"""
import argparse
import json
import statistics

import torch


def time_gemm(x: torch.Tensor, w: torch.Tensor, reps: int) -> float:
    """Median milliseconds of x @ w.T with the sign test the kernel fuses, after a warm-up."""
    for _ in range(5):
        (x @ w.T > 0)
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        (x @ w.T > 0)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="65536,256,256", help="M,D,K: M rows of D inputs projected onto K hyperplanes")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    m, d, k = (int(v) for v in args.shape.split(","))
    gen = torch.Generator(device="cuda").manual_seed(1)
    x = torch.rand(m, d, device="cuda", generator=gen) * 2 - 1
    w = torch.rand(k, d, device="cuda", generator=gen) * 2 - 1
    results = []
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}: (x @ w.T > 0), x {m}x{d}, w {k}x{d}")
    for mode, tf32 in (("fp32", False), ("tf32", True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        ms = time_gemm(x, w, args.reps)
        tflops = 2 * m * d * k / (ms * 1e-3) / 1e12
        results.append({"mode": mode, "ms": ms, "tflops": tflops})
        print(f"{mode:5s} {ms:8.3f} ms  {tflops:7.2f} TFLOP/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "shape": [m, d, k], "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
