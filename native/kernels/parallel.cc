#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hashmac {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

namespace {

class Pool {
 public:
  // Runs the job if the pool is free; returns false (and does nothing) when another caller owns it.
  bool try_run(int64_t tasks, int threads, int64_t grain, const std::function<void(int64_t)>& fn) {
    std::unique_lock<std::mutex> owner(owner_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    grow(threads - 1);
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = &fn;
      tasks_ = tasks;
      grain_ = grain;
      failed_.store(false);
      next_.store(0);
      done_ = 0;
      helpers_ = std::min<int64_t>(threads - 1, static_cast<int64_t>(workers_.size()));
      ++generation_;
    }
    cv_.notify_all();
    int64_t mine = work();
    std::unique_lock<std::mutex> lk(mu_);
    done_ += mine;
    finished_.wait(lk, [&] { return done_ == tasks_ && active_ == 0; });
    fn_ = nullptr;
    std::exception_ptr error = error_;
    error_ = nullptr;
    lk.unlock();
    // Rethrown only once every helper has left fn, which lives in the caller's frame.
    if (error) std::rethrow_exception(error);
    return true;
  }

 private:
  // Runs tasks until none are left; returns how many it claimed. A throwing task (an allocation
  // failure, say) stops the job: the remaining tasks are claimed without running, and the first error
  // is kept for the caller.
  int64_t work() {
    int64_t count = 0;
    for (;;) {
      const int64_t first = next_.fetch_add(grain_);
      if (first >= tasks_) break;
      const int64_t end = std::min(first + grain_, tasks_);
      count += end - first;
      for (int64_t t = first; t < end; ++t) {
        if (failed_.load(std::memory_order_relaxed)) break;
        try {
          (*fn_)(t);
        } catch (...) {
          std::lock_guard<std::mutex> lk(mu_);
          if (!error_) error_ = std::current_exception();
          failed_.store(true);
        }
      }
    }
    return count;
  }

  // More workers than hardware threads only oversubscribe the cores, so the pool stops there.
  void grow(int want) {
    want = std::min(want, hardware_threads() - 1);
    while (static_cast<int>(workers_.size()) < want) {
      int index = static_cast<int>(workers_.size());
      // Workers live as long as the process: they are detached so that process exit never waits on
      // them (they sleep on the condition variable between jobs).
      std::thread([this, index] { loop(index); }).detach();
      workers_.push_back(index);
    }
  }

  void loop(int index) {
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return generation_ != seen; });
      seen = generation_;
      if (index >= helpers_ || fn_ == nullptr) continue;
      ++active_;
      lk.unlock();
      int64_t mine = work();
      lk.lock();
      done_ += mine;
      --active_;
      if (done_ == tasks_ && active_ == 0) finished_.notify_all();
    }
  }

  std::mutex owner_;  // held for the whole of one parallel_for
  std::mutex mu_;     // guards the job fields below
  std::condition_variable cv_, finished_;
  std::vector<int> workers_;
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t tasks_ = 0;
  int64_t grain_ = 1;
  std::atomic<int64_t> next_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  int64_t done_ = 0;
  int64_t helpers_ = 0;
  int active_ = 0;
  uint64_t generation_ = 0;
};

Pool& pool() {
  // Intentionally never destroyed: detached workers may still reference it during process exit.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void parallel_for(int64_t tasks, int max_threads, const std::function<void(int64_t)>& fn, int64_t grain) {
  if (tasks <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int threads = static_cast<int>(std::min<int64_t>(std::max(1, max_threads), ceil_div(tasks, grain)));
  if (threads > 1 && pool().try_run(tasks, threads, grain, fn)) return;
  for (int64_t t = 0; t < tasks; ++t) fn(t);
}

}  // namespace hashmac
