// The async half of a kernel export, shared by both addons: a worker that runs the call off the JS
// thread, and settles its promise on the JS thread — writing the results of an async call back from
// its JobMemory (plan_reader.h) and resolving, or rejecting with the call's exception as a JS error.
#pragma once
#include <napi.h>

#include <exception>
#include <memory>
#include <string>

#include "plan_reader.h"

namespace hashmac {

// Builds the JS error for a call's exception (js_error, or the CUDA addon's version that adds `code`).
using ErrorFor = Napi::Error (*)(Napi::Env, const std::string&, std::exception_ptr);

class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, const char* resource, std::string fn, std::shared_ptr<JobMemory> memory, ErrorFor error_for)
      : Napi::AsyncWorker(env, resource), deferred_(Napi::Promise::Deferred::New(env)), fn_(std::move(fn)),
        memory_(std::move(memory)), error_for_(error_for) {}

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  // The call itself, on a libuv pool thread: it may touch only its own memory, never a JS value.
  virtual void work() = 0;

 private:
  void Execute() override {
    try {
      work();
    } catch (...) {
      failure_ = std::current_exception();
      SetError("failed");  // the message is rebuilt from failure_ in OnError
    }
  }
  // The results go back on the JS thread; if a destination is gone, nothing is written and it rejects.
  void OnOK() override {
    settle([&] {
      const std::string gone = memory_->write_back_all();
      if (gone.empty()) deferred_.Resolve(Env().Undefined());
      else deferred_.Reject(Napi::Error::New(Env(), fn_ + ": " + gone).Value());
    });
  }
  void OnError(const Napi::Error&) override { settle([&] { deferred_.Reject(error_for_(Env(), fn_, failure_).Value()); }); }

  // When the environment is being torn down (a worker terminated mid-call), settling the promise fails
  // and node-addon-api throws; nobody can observe the promise any more, so the failure is dropped here
  // rather than escaping the completion callback into std::terminate.
  template <typename Settle>
  void settle(Settle settle_promise) {
    try {
      settle_promise();
    } catch (...) {
    }
  }

  Napi::Promise::Deferred deferred_;
  std::string fn_;
  std::shared_ptr<JobMemory> memory_;  // what the call reads and writes; references released on the JS thread
  ErrorFor error_for_;
  std::exception_ptr failure_;
};

// The promise of an async call: `start()` reads the plan and queues a KernelWorker; bad arguments (or
// anything else thrown before the work is queued) reject the promise instead of throwing.
template <class Start>
Napi::Value call_promise(Napi::Env env, const std::string& fn, ErrorFor error_for, Start start) {
  try {
    return start();
  } catch (...) {
    Napi::Promise::Deferred rejected = Napi::Promise::Deferred::New(env);
    rejected.Reject(error_for(env, fn, std::current_exception()).Value());
    return rejected.Promise();
  }
}

}  // namespace hashmac
