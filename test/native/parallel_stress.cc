// ThreadSanitizer stress of the shared thread pool (native/kernels/parallel.cc): several threads call
// parallel_for at once (as worker_threads and async jobs do), with nested calls, and every task of every
// call must run exactly once, whatever the grain (consecutive tasks claimed at once). scripts/fuzz-native.sh builds it with -fsanitize=thread.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "../../native/kernels/parallel.h"

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  std::atomic<long> errors{0};
  auto caller = [&](int id) {
    for (int r = 0; r < rounds; ++r) {
      const int64_t tasks = 1 + (r * 7 + id) % 97;
      std::vector<int> hits(static_cast<size_t>(tasks), 0);
      const int64_t grain = 1 + (r * 5 + id) % 11;  // from 1 to past the task count
      hashmac::parallel_for(tasks, 1 + (id + r) % 4, [&](int64_t t) {
        ++hits[static_cast<size_t>(t)];  // each task index is owned by exactly one thread
        if (t == 0) hashmac::parallel_for(3, 2, [](int64_t) {});  // nested: must not deadlock
      }, grain);
      for (int h : hits) if (h != 1) errors.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int id = 0; id < 4; ++id) threads.emplace_back(caller, id);
  for (auto& t : threads) t.join();
  std::printf("parallel_stress: %d callers x %d rounds, %ld errors\n", 4, rounds, errors.load());
  return errors.load() == 0 ? 0 : 1;
}
