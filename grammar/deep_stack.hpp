#pragma once
// Deeply nested input runs the grammar and lowering on a thread with a large
// stack. X3 recursion costs about 2.3 KB of stack per nesting level
// (more under sanitizers), so the 10,000-level budget does not fit the usual
// 8 MB; a short input cannot nest deeply and stays on the caller's thread.

#include <nabla/error.hpp>

#include <pthread.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace nabla::detail {

// AddressSanitizer pads every frame with red zones, several times the size
// of the frame itself: give each level of nesting more stack under it.
#if defined(__SANITIZE_ADDRESS__)
#define NABLA_STACK_SCALE 8
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NABLA_STACK_SCALE 8
#endif
#endif
#ifndef NABLA_STACK_SCALE
#define NABLA_STACK_SCALE 1
#endif

/// Inputs up to this many bytes run on the caller's stack.
inline constexpr std::size_t shallow_input_bytes = 512;

/// Runs f() (returning its value or rethrowing its exception) on a stack big
/// enough for `max_depth` levels when the input is long enough to need it.
template <class F>
auto on_deep_stack(std::size_t input_bytes, std::size_t max_depth, F&& f) -> std::invoke_result_t<F&> {
    using result_type = std::invoke_result_t<F&>;
    if (input_bytes <= shallow_input_bytes) return f();
    struct job {
        F* f;
        std::optional<result_type> result;
        std::exception_ptr error;
        static void* run(void* p) {
            auto* self = static_cast<job*>(p);
            try {
                self->result.emplace((*self->f)());
            } catch (...) {
                self->error = std::current_exception();
            }
            return nullptr;
        }
    } work{&f, std::nullopt, nullptr};
    // Virtual size only: pages are committed as the recursion touches them.
    std::size_t stack_bytes = ((std::size_t(64) << 20) + max_depth * (std::size_t(16) << 10)) * NABLA_STACK_SCALE;
#if NABLA_STACK_SCALE > 1
    // AddressSanitizer cannot unwind an exception on a stack over 64 MB (it
    // reports false errors), so under it deep input needs a smaller max_depth.
    stack_bytes = std::min(stack_bytes, std::size_t(63) << 20);
#endif
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, stack_bytes);
    pthread_t thread;
    const int rc = pthread_create(&thread, &attr, &job::run, &work);
    pthread_attr_destroy(&attr);
    if (rc != 0) throw limit_error("cannot start a thread to read deeply nested input");
    pthread_join(thread, nullptr);
    if (work.error) std::rethrow_exception(work.error);
    return std::move(*work.result);
}

}  // namespace nabla::detail
