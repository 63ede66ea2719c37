#pragma once
// The hop to the state loop (Services::state) for code running on a connection's thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streampulse::service {

// Runs `work` on `state` and resumes the caller on its own thread with the result; runs it in
// place when the caller is on the state loop already. T must be default-constructible (an
// optional will do), as co_spawn requires.
template <class T>
boost::asio::awaitable<T> on_state_loop(boost::asio::any_io_executor state,
                                        boost::asio::awaitable<T> work) {
  const auto here = co_await boost::asio::this_coro::executor;
  if (here == state) co_return co_await std::move(work);
  // Not cancellable from the caller: with the caller's cancellation slot, co_spawn would post
  // the cancellation to the other loop, where it may run after `work` has finished and freed
  // its signal (a crash seen when the service stops during a hop). A hop is short; the work
  // runs to its end and the caller sees its cancellation at its next wait.
  co_return co_await boost::asio::co_spawn(
      state, std::move(work),
      boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(),
                                          boost::asio::use_awaitable));
}

}  // namespace streampulse::service
