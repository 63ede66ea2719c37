#pragma once
// Runs blocking work (file I/O) on a pool meant for it, never on the service's thread, and
// resumes the caller on its own executor when done.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string>

namespace streampulse::persist {

// Calls f() on io_executor. An exception thrown by f is returned as its message (empty: none).
template <class F>
boost::asio::awaitable<std::string> run_blocking(boost::asio::any_io_executor io_executor, F f) {
  std::string failure;
  co_await boost::asio::co_spawn(
      io_executor,
      [&]() -> boost::asio::awaitable<void> {
        try {
          f();
        } catch (const std::exception& e) {
          failure = e.what();
          if (failure.empty()) failure = "unknown error";
        }
        co_return;
      },
      boost::asio::use_awaitable);
  co_return failure;
}

}  // namespace streampulse::persist
