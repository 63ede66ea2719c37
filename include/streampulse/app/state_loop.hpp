#pragma once
// The hop to the state loop (Services::state) for code running on a connection's thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streampulse::app {

// Runs `work` on `state` and resumes the caller on its own thread with the result; runs it in
// place when the caller is on the state loop already. T must be default-constructible (an
// optional will do), as co_spawn requires.
template <class T>
boost::asio::awaitable<T> on_state_loop(boost::asio::any_io_executor state,
                                        boost::asio::awaitable<T> work) {
  const auto here = co_await boost::asio::this_coro::executor;
  if (here == state) co_return co_await std::move(work);
  co_return co_await boost::asio::co_spawn(state, std::move(work), boost::asio::use_awaitable);
}

}  // namespace streampulse::app
