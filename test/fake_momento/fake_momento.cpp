#include "fake_momento.hpp"

#include "server.hpp"
#include "state.hpp"

#include "momento/base64.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <future>
#include <stdexcept>
#include <thread>

namespace streampulse::testing {

namespace asio = boost::asio;
using fake::State;

namespace {

// A coroutine that owns its callable (a capturing lambda coroutine would not).
template <class F>
asio::awaitable<std::invoke_result_t<F, State&>> invoke(F f, State& state) {
  co_return f(state);
}

}  // namespace

struct FakeMomento::Impl {
  explicit Impl(FakeMomentoOptions options);
  ~Impl();
  void stop();

  // Runs op on the fake's thread (or on this one once the fake has stopped) and waits.
  template <class T>
  T await(asio::awaitable<T> op) {
    if (stopped) {
      std::optional<T> out;
      asio::co_spawn(*io, std::move(op), [&](std::exception_ptr, T v) { out = std::move(v); });
      io->restart();
      while (!out && io->run_one() > 0) {
      }
      return out ? std::move(*out) : T{};
    }
    std::promise<T> done;
    auto result = done.get_future();
    asio::co_spawn(*io, std::move(op), [&done](std::exception_ptr e, T v) {
      if (e) {
        done.set_exception(e);
      } else {
        done.set_value(std::move(v));
      }
    });
    return result.get();
  }
  template <class F>
  auto call(F f) {
    return await(invoke(std::move(f), *state));
  }

  // Declared first, destroyed last: the state's sockets and timers need their io_context.
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::unique_ptr<State> state;
  http::Router router;
  std::unique_ptr<fake::FakeServer> server;
  std::thread thread;
  std::future<void> finished;
  unsigned short port = 0;
  bool stopped = false;
};

FakeMomento::Impl::Impl(FakeMomentoOptions options) {
  state = std::make_unique<State>(io->get_executor(), std::move(options));
  fake::add_grpc_routes(router, *state);
  fake::add_topic_routes(router, *state);
  fake::add_cache_routes(router, *state);
  fake::add_control_routes(router, *state);
  server = std::make_unique<fake::FakeServer>(*state, router);
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(state->options.listen_host, ec);
  if (!ec) ec = server->listen({address, state->options.port});
  if (ec) throw std::runtime_error("fake momento cannot listen: " + ec.message());
  port = server->port();
  asio::co_spawn(*io, server->run(), asio::detached);
  std::promise<void> ran;
  finished = ran.get_future();
  thread = std::thread([this, ran = std::move(ran)]() mutable {
    for (;;) {
      try {
        io->run();
        break;
      } catch (const std::exception&) {  // one failed coroutine must not end the fake
      }
    }
    ran.set_value();
  });
}

FakeMomento::Impl::~Impl() {
  stop();
  server.reset();
  state.reset();
  io.reset();  // frames abandoned by a forced stop go with it
}

void FakeMomento::Impl::stop() {
  if (stopped) return;
  asio::post(*io, [this] {
    state->stopping = true;
    server->stop();
    state->store.shutdown();
    state->webhook.shutdown();
  });
  // Everything winds down by itself; a forced stop is the fallback.
  if (finished.wait_for(std::chrono::seconds(3)) != std::future_status::ready) io->stop();
  thread.join();
  stopped = true;
}

FakeMomento::FakeMomento(FakeMomentoOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FakeMomento::~FakeMomento() = default;

unsigned short FakeMomento::port() const { return impl_->port; }

std::string FakeMomento::base_url() const {
  return "http://" + impl_->state->options.listen_host + ":" + std::to_string(impl_->port);
}

std::string FakeMomento::v1_api_key() const {
  boost::json::object o;
  o["endpoint"] = impl_->state->options.listen_host;
  o["api_key"] = impl_->state->options.api_key;
  return momento::detail::base64_encode(boost::json::serialize(o));
}

const FakeMomentoOptions& FakeMomento::options() const { return impl_->state->options; }

void FakeMomento::set_faults(Faults faults) {
  impl_->call([faults](State& s) {
    s.faults.set(faults);
    return true;
  });
}

void FakeMomento::clear_faults() {
  impl_->call([](State& s) {
    s.faults.clear();
    return true;
  });
}

namespace {

asio::awaitable<std::vector<store::ScoredMember>> fetch_set(State& s, std::string name) {
  const store::ScoreRange everything;
  auto members = co_await s.store.sorted_set_fetch_by_score(name, everything, std::nullopt);
  co_return members ? std::move(*members) : std::vector<store::ScoredMember>{};
}

asio::awaitable<std::vector<store::FieldValue>> fetch_dictionary(State& s, std::string name) {
  auto items = co_await s.store.dictionary_fetch(name);
  std::vector<store::FieldValue> out;
  if (items) out = std::move(*items);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.field < b.field; });
  co_return out;
}

}  // namespace

std::vector<store::ScoredMember> FakeMomento::sorted_set(const std::string& name) {
  return impl_->await(fetch_set(*impl_->state, name));
}

std::vector<store::FieldValue> FakeMomento::dictionary(const std::string& name) {
  return impl_->await(fetch_dictionary(*impl_->state, name));
}

std::vector<std::string> FakeMomento::published(const std::string& topic) {
  return impl_->call([topic](State& s) {
    auto it = s.published.find(topic);
    if (it == s.published.end()) return std::vector<std::string>{};
    return std::vector<std::string>(it->second.begin(), it->second.end());
  });
}

std::map<std::string, std::uint64_t> FakeMomento::request_counts() {
  return impl_->call([](State& s) { return s.request_counts; });
}

WebhookStats FakeMomento::webhook_stats() {
  return impl_->call([](State& s) { return s.webhook.stats(); });
}

void FakeMomento::stop() { impl_->stop(); }

}  // namespace streampulse::testing
