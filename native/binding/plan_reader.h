// The argument contract shared by both addons (the CPU addon in native/binding, the CUDA addon in
// cuda/binding). Every kernel function takes one argument: the validated plan object that
// lib/kernels/* builds, with named fields. PlanReader reads its scalars, sizes and slots and checks
// their types and ranges; the CPU ArgReader and the CUDA CudaArgs derive from it and add how each
// addon binds array fields. One family reader per kernel family (native/binding/plans/*.h), a template
// over the reader type, turns a plan into the kernel's args struct for either addon.
//
// Also here: the memory an async job owns (JobMemory) and the conversion of any C++ exception into a
// JS error naming the kernel (js_error), used by both addons' sync and async paths.
#pragma once
#include <napi.h>
#if __has_include(<unistd.h>)
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace hashmac {

// A JS error for whatever a kernel call threw: Napi errors pass through; allocation and length
// failures become RangeErrors, anything else an Error, each prefixed with the kernel's name.
inline Napi::Error js_error(Napi::Env env, const std::string& fn, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const Napi::Error& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return Napi::RangeError::New(env, fn + ": out of memory (the call's buffers or scratch space could not be allocated)");
  } catch (const std::length_error& e) {
    return Napi::RangeError::New(env, fn + ": size too large: " + e.what());
  } catch (const std::range_error& e) {
    return Napi::RangeError::New(env, fn + ": " + e.what());
  } catch (const std::system_error& e) {
    return Napi::Error::New(env, fn + ": system error: " + e.what());
  } catch (const std::exception& e) {
    return Napi::Error::New(env, fn + ": " + e.what());
  } catch (...) {
    return Napi::Error::New(env, fn + ": unknown native failure");
  }
}

// Host memory an async call owns: copies of the arrays it reads, the buffers it writes, and where
// those go back. Filled on the JS thread when the call starts; the job touches only this memory, so
// nothing JS does meanwhile (detach, transfer, resize, garbage collection, worker termination) can
// make it read or write freed memory. write_back() runs on the JS thread after the job.
class JobMemory {
 public:
  // 64-byte aligned, zero-initialised when `from` is null, else a copy of `bytes` bytes of it.
  uint8_t* copy(const void* from, size_t bytes) {
    const size_t size = (bytes + 63) / 64 * 64 + 64;
    void* p = std::aligned_alloc(64, size);
    if (!p) throw std::bad_alloc();
    blocks_.emplace_back(static_cast<uint8_t*>(p));
    if (from) std::memcpy(p, from, bytes);
    else std::memset(p, 0, bytes);
    return static_cast<uint8_t*>(p);
  }

  // `dest` (a typed array) gets `bytes` bytes of `src` at byte `offset` after the job; with `rows`
  // set, row i of `src` (of `row_bytes`) goes to row rows[i] of `dest` instead (a gathered pool).
  void write_back(Napi::Value dest, const char* name, const uint8_t* src, size_t bytes, size_t needed,
                  std::vector<int32_t> rows = {}, size_t row_bytes = 0) {
    writes_.push_back(Write{Napi::Persistent(dest.As<Napi::Object>()), name, src, bytes, needed, std::move(rows), row_bytes});
  }

  // Copies every result back; "" on success, else why nothing was written: every destination is checked
  // (still attached, still as long) before the first byte is copied, so a failed call leaves no half-written
  // output or pool.
  std::string write_back_all() {
    std::vector<uint8_t*> dests;
    for (Write& w : writes_) {
      napi_value v = w.dest.Value();
      void* data = nullptr;
      size_t length = 0, offset = 0;
      napi_typedarray_type type;
      napi_value ab;
      if (napi_get_typedarray_info(w.dest.Env(), v, &type, &length, &data, &ab, &offset) != napi_ok || !data ||
          length * element_size(type) < w.needed) {
        return std::string(w.name) + " was detached, transferred or shrunk while the call ran; nothing was written";
      }
      dests.push_back(static_cast<uint8_t*>(data));
    }
    for (size_t i = 0; i < writes_.size(); ++i) {
      const Write& w = writes_[i];
      if (w.rows.empty()) {
        std::memcpy(dests[i], w.src, w.bytes);
      } else {
        for (size_t r = 0; r < w.rows.size(); ++r)
          std::memcpy(dests[i] + static_cast<size_t>(w.rows[r]) * w.row_bytes, w.src + r * w.row_bytes, w.row_bytes);
      }
    }
    return "";
  }

 private:
  static size_t element_size(napi_typedarray_type t) {
    switch (t) {
      case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
      case napi_int16_array: case napi_uint16_array: return 2;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
      default: return 4;
    }
  }
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  struct Write {
    Napi::ObjectReference dest;
    const char* name;
    const uint8_t* src;
    size_t bytes, needed;
    std::vector<int32_t> rows;
    size_t row_bytes;
  };
  std::vector<std::unique_ptr<uint8_t, Free>> blocks_;
  std::vector<Write> writes_;
};

// Typed array element types a plan field may hold.
template <typename T> struct ElementType;
template <> struct ElementType<float> { static constexpr napi_typedarray_type type = napi_float32_array; static constexpr const char* name = "a Float32Array"; };
template <> struct ElementType<int32_t> { static constexpr napi_typedarray_type type = napi_int32_array; static constexpr const char* name = "an Int32Array"; };
template <> struct ElementType<uint8_t> { static constexpr napi_typedarray_type type = napi_uint8_array; static constexpr const char* name = "a Uint8Array"; };
template <> struct ElementType<uint16_t> { static constexpr napi_typedarray_type type = napi_uint16_array; static constexpr const char* name = "a Uint16Array"; };

// A host typed array field: its object, data and element count.
struct HostArray {
  Napi::Value value;
  void* data = nullptr;
  size_t elements = 0;
};

class PlanReader {
 public:
  PlanReader(const Napi::CallbackInfo& info, const char* fn) : env_(info.Env()), fn_(fn) {
    if (info.Length() < 1 || !info[0].IsObject() || info[0].IsTypedArray() || info[0].IsArray()) {
      throw Napi::TypeError::New(env_, std::string(fn_) + ": expected one plan object with named fields");
    }
    plan_ = info[0].As<Napi::Object>();
  }

  Napi::Value field(const char* name) const { return plan_.Get(name); }
  bool present(const char* name) const {
    Napi::Value v = field(name);
    return !v.IsUndefined() && !v.IsNull();
  }

  int64_t integer(const char* name, int64_t min = 0) {
    Napi::Value v = field(name);
    if (!v.IsNumber()) throw type_error(name, "an integer");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min)) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw range_error(std::string(name) + ": expected an integer >= " + std::to_string(min));
    }
    return static_cast<int64_t>(d);
  }

  // An integer in [min, max].
  int64_t integer_in(const char* name, int64_t min, int64_t max) {
    const int64_t v = integer(name, min);
    if (v > max) throw range_error(std::string(name) + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    return v;
  }

  double number(const char* name) {
    Napi::Value v = field(name);
    if (!v.IsNumber()) throw type_error(name, "a number");
    return v.As<Napi::Number>().DoubleValue();
  }
  float real(const char* name) { return static_cast<float>(number(name)); }

  bool boolean(const char* name) {
    Napi::Value v = field(name);
    if (!v.IsBoolean()) throw type_error(name, "a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  // A string field naming one of `choices`; returns its index.
  int word(const char* name, std::initializer_list<const char*> choices) {
    Napi::Value v = field(name);
    std::string list;
    for (const char* c : choices) list += std::string(list.empty() ? "'" : ", '") + c + "'";
    if (!v.IsString()) throw type_error(name, ("one of " + list).c_str());
    const std::string s = v.As<Napi::String>().Utf8Value();
    int i = 0;
    for (const char* c : choices) {
      if (s == c) return i;
      ++i;
    }
    throw range_error(std::string(name) + ": expected one of " + list);
  }

  // The product of sizes, checked for overflow and against 2^53 (sizes come straight from JS numbers).
  int64_t product(std::initializer_list<int64_t> sizes) {
    int64_t p = 1;
    for (int64_t x : sizes)
      if (__builtin_mul_overflow(p, x, &p) || p > (int64_t{1} << 53)) throw range_error("size product overflows");
    return p;
  }

  // slots: an Int32Array of `batch` pool rows, distinct, in [0, pool) or negative (padding). Copied here,
  // always: the kernels index pools with them, so a later change (a SharedArrayBuffer written by another
  // thread, JS running while an async call waits) must not reach them.
  const std::vector<int32_t>& read_slots(const char* name, int64_t batch, int64_t pool) {
    const HostArray h = host_array<int32_t>(name, batch);
    const int32_t* s = static_cast<const int32_t*>(h.data);
    slots_.assign(s, s + batch);
    std::vector<bool> seen(static_cast<size_t>(pool), false);
    for (int64_t b = 0; b < batch; ++b) {
      const int32_t v = slots_[static_cast<size_t>(b)];
      if (v < 0) continue;
      if (v >= pool) throw range_error(std::string(name) + "[" + std::to_string(b) + "] = " + std::to_string(v) + " is outside the pool [0, " + std::to_string(pool) + ")");
      if (seen[static_cast<size_t>(v)]) throw range_error(std::string(name) + "[" + std::to_string(b) + "] = " + std::to_string(v) + " appears twice");
      seen[static_cast<size_t>(v)] = true;
    }
    pool_ = pool;
    return slots_;
  }

  // Scratch memory the kernel will allocate beyond its arguments: refused before anything is allocated
  // when it exceeds this machine's physical memory (an absurd plan must be a RangeError, not a process
  // that the kernel's zero-filling drives into the OOM killer). Smaller requests that still cannot be
  // met fail in the allocator, and js_error turns that std::bad_alloc into a RangeError too.
  void scratch(int64_t bytes) {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const double memory = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
#else
    const double memory = 0.0;  // unknown: the allocator's failure is the only limit
#endif
    if (memory > 0 && static_cast<double>(bytes) > memory) {
      throw range_error("needs " + std::to_string(bytes) + " bytes of scratch memory, more than this machine has (" +
                        std::to_string(static_cast<int64_t>(memory)) + ")");
    }
  }

  Napi::Error range_error(const std::string& what) const { return Napi::RangeError::New(env_, std::string(fn_) + ": " + what); }
  Napi::Error type_error(const char* name, const char* what) const {
    return Napi::TypeError::New(env_, std::string(fn_) + ": " + name + ": expected " + what);
  }
  Napi::Env env() const { return env_; }
  const char* fn() const { return fn_; }

 protected:
  // A typed array field of element type T with at least `count` elements.
  template <typename T>
  HostArray host_array(const char* name, int64_t count) {
    HostArray h;
    h.value = field(name);
    if (!h.value.IsTypedArray()) throw type_error(name, ElementType<T>::name);
    napi_typedarray_type type;
    napi_value ab;
    size_t offset = 0;
    if (napi_get_typedarray_info(env_, h.value, &type, &h.elements, &h.data, &ab, &offset) != napi_ok) throw Napi::Error::New(env_);
    if (type != ElementType<T>::type) throw type_error(name, ElementType<T>::name);
    if (static_cast<int64_t>(h.elements) < count) {
      throw range_error(std::string(name) + ": needs " + std::to_string(count) + " elements, has " + std::to_string(h.elements));
    }
    if (count > 0 && !h.data) throw range_error(std::string(name) + ": its buffer is detached");
    return h;
  }

  Napi::Env env_;
  Napi::Object plan_;
  const char* fn_;
  std::vector<int32_t> slots_;  // the call's copy of its slots
  int64_t pool_ = 0;            // the pool size the slots were checked against
};

}  // namespace hashmac
