#pragma once
// Runs one awaitable on an io_context until it is done and returns its value; other work on the
// context (waiting polls, timers) stays pending. Exceptions from the awaitable are rethrown.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>

namespace streampulse::testing {

template <class T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    if (e) {
      error = e;
    } else {
      out.emplace(std::move(value));
    }
  });
  io.restart();
  while (!out && !error && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  return std::move(out.value());
}

}  // namespace streampulse::testing
