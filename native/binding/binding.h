// Node-API plumbing of the CPU addon: ArgReader binds a plan's array fields to a kernel's args struct,
// and export_kernel exports each kernel as a sync function `name` plus a Promise-returning `nameAsync`
// that runs on the libuv pool. The plan's fields are read by the family readers in plans/*.h, shared
// with the CUDA addon (see plan_reader.h for the contract).
//
// Ownership: a sync call runs while the JS thread waits, so it reads and writes the plan's arrays in
// place (only the slots are copied). An async call owns everything it touches: ArgReader copies its
// inputs into JobMemory on the JS thread, its outputs are job buffers copied back on the JS thread when
// it settles, and its state pools are gathered to the rows its slots name and scattered back. JS may
// detach, transfer, shrink or drop any array meanwhile; the job never sees it, and the promise rejects
// (writing nothing) if a destination is gone when the results are due.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/isa.h"
#include "../kernels/parallel.h"  // ceil_div
#include "plan_reader.h"

namespace hashmac {

// Per-environment settings (each worker_thread has its own): the ISA and thread count to use.
struct EnvState {
  Isa isa;
  int threads;
};

EnvState& env_state(Napi::Env env);

using Job = std::function<void()>;

class ArgReader : public PlanReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* fn, bool async)
      : PlanReader(info, fn), memory_(async ? std::make_shared<JobMemory>() : nullptr) {}

  template <typename T> void in(const T*& f, const char* name, int64_t count) { f = bind<T>(name, count, false); }
  template <typename T> void out(T*& f, const char* name, int64_t count) { f = bind<T>(name, count, true); }
  template <typename T> void optional_in(const T*& f, const char* name, int64_t count) { f = present(name) ? bind<T>(name, count, false) : nullptr; }
  template <typename T> void optional_out(T*& f, const char* name, int64_t count) { f = present(name) ? bind<T>(name, count, true) : nullptr; }

  // The call's slots (see PlanReader::read_slots). An async call renumbers them 0, 1, ... in the order
  // they appear: its pools hold only the rows they name.
  void slots(const int32_t*& f, const char* name, int64_t batch, int64_t pool) {
    read_slots(name, batch, pool);
    if (memory_) {
      rows_.clear();
      for (int32_t& s : slots_)
        if (s >= 0) {
          rows_.push_back(s);
          s = static_cast<int32_t>(rows_.size() - 1);
        }
      // The job outlives this reader: its slots live in its memory.
      f = reinterpret_cast<const int32_t*>(memory_->copy(slots_.data(), slots_.size() * sizeof(int32_t)));
      return;
    }
    f = slots_.data();  // a sync call runs while this reader exists
  }

  // A state pool of `pool` rows of `row` elements, indexed by the slots read before; updated in place.
  template <typename T>
  void pool(T*& f, const char* name, int64_t row) {
    const int64_t count = product({pool_, row});
    HostArray h = host_array<T>(name, count);
    if (!memory_) {
      f = static_cast<T*>(h.data);
      return;
    }
    const size_t row_bytes = static_cast<size_t>(row) * sizeof(T);
    uint8_t* rows = memory_->copy(nullptr, std::max<size_t>(rows_.size(), 1) * row_bytes);
    for (size_t r = 0; r < rows_.size(); ++r)
      std::memcpy(rows + r * row_bytes, static_cast<const uint8_t*>(h.data) + static_cast<size_t>(rows_[r]) * row_bytes, row_bytes);
    memory_->write_back(h.value, name, rows, 0, static_cast<size_t>(count) * sizeof(T), rows_, row_bytes);
    f = reinterpret_cast<T*>(rows);
  }

  // The async call's memory (null for a sync call).
  std::shared_ptr<JobMemory> memory() const { return memory_; }

 private:
  template <typename T>
  T* bind(const char* name, int64_t count, bool written) {
    HostArray h = host_array<T>(name, count);
    if (!memory_) return static_cast<T*>(h.data);
    const size_t bytes = static_cast<size_t>(count) * sizeof(T);
    // Outputs start as copies too: a kernel may leave some of their elements (padding rows) as they were.
    uint8_t* own = memory_->copy(h.data, bytes);
    if (written) memory_->write_back(h.value, name, own, bytes, bytes);
    return reinterpret_cast<T*>(own);
  }

  std::shared_ptr<JobMemory> memory_;
  std::vector<int32_t> rows_;  // async: the pool row of each renumbered slot
};

// Reads and checks a call's plan and returns the work to do; the job must not touch JS values.
using JobParser = std::function<Job(ArgReader&, const Exec&)>;

// The parser of a kernel whose family reader (plans/*.h) fills `Args` and `run(ex, args)` runs it.
template <class Args, class Read, class Run>
JobParser plan_parser(Read read, Run run) {
  return [read, run](ArgReader& r, const Exec& ex) -> Job {
    Args a{};
    read(r, a);
    return [ex, a, run] { run(ex, a); };
  };
}

// Exports `name` (runs the job now) and `nameAsync` (runs it on the libuv pool, returns a Promise that
// also rejects, rather than throws, on bad arguments).
void export_kernel(Napi::Env env, Napi::Object exports, const char* name, JobParser parser);

// Each kernel family registers its functions here (defined in its *_binding.cc).
void init_lsh(Napi::Env env, Napi::Object exports);
void init_probes(Napi::Env env, Napi::Object exports);
void init_noisy(Napi::Env env, Napi::Object exports);
void init_retnet(Napi::Env env, Napi::Object exports);
void init_xlstm(Napi::Env env, Napi::Object exports);
void init_mamba2(Napi::Env env, Napi::Object exports);
void init_hawk(Napi::Env env, Napi::Object exports);
void init_ops(Napi::Env env, Napi::Object exports);
void init_stream_executor(Napi::Env env, Napi::Object exports);

}  // namespace hashmac
