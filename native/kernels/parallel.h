// A small persistent thread pool shared by every kernel. Kernels call parallel_for with the number of
// independent tasks; the calling thread works too. When another call (another Node environment or an
// async job) already owns the pool, the caller runs its tasks alone instead of waiting, so concurrent
// callers never deadlock and never oversubscribe the cores.
#pragma once
#include <cstdint>
#include <functional>

namespace hashmac {

// Runs fn(task) for task in [0, tasks) on up to max_threads threads (including the caller). A thread
// claims `grain` consecutive tasks at a time: small tasks then cost one atomic claim per grain, and each
// core walks a contiguous stretch of memory that its prefetchers can follow.
void parallel_for(int64_t tasks, int max_threads, const std::function<void(int64_t)>& fn, int64_t grain = 1);

// Pieces of size b needed to cover a items (a >= 0, b > 0): tasks, panels, tiles, bytes of codes.
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Threads the machine offers (std::thread::hardware_concurrency, at least 1).
int hardware_threads();

}  // namespace hashmac
