#include "streampulse/service/dashboard_feed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace streampulse::service {

namespace asio = boost::asio;

asio::awaitable<std::optional<std::string>> DashboardFeed::Subscriber::next(
    std::chrono::milliseconds timeout) {
  if (queue_.empty() && !closed_) {
    wake_.expires_after(timeout);
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));  // cancelled: woken
  }
  if (closed_ || queue_.empty()) co_return std::nullopt;
  auto update = std::move(queue_.front());
  queue_.pop_front();
  co_return std::string(*update);
}

void DashboardFeed::Subscriber::push(const std::shared_ptr<const std::string>& update) {
  if (queue_.size() >= kQueueLimit) {
    queue_.pop_front();  // the client reads too slowly: it skips the oldest update
    ++dropped_;
  }
  queue_.push_back(update);
  wake_.cancel();
}

void DashboardFeed::Subscriber::close() {
  closed_ = true;
  wake_.cancel();
}

std::size_t DashboardFeed::subscribers() {
  std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
  return subscribers_.size();
}

std::shared_ptr<DashboardFeed::Subscriber> DashboardFeed::subscribe(asio::any_io_executor ex) {
  if (closed_ || subscribers() >= max_subscribers_) return nullptr;
  auto s = std::make_shared<Subscriber>(ex);
  if (latest_) s->push(latest_);
  subscribers_.push_back(s);
  return s;
}

void DashboardFeed::publish(std::string update) {
  latest_ = std::make_shared<const std::string>(std::move(update));
  for (auto& w : subscribers_) {
    if (auto s = w.lock()) s->push(latest_);
  }
}

void DashboardFeed::close() {
  closed_ = true;
  for (auto& w : subscribers_) {
    if (auto s = w.lock()) s->close();
  }
}

}  // namespace streampulse::service
