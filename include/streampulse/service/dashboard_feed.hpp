#pragma once
// Fans the dashboard out to the open Server-Sent Events streams (GET /api/dashboard/stream):
// one background task computes each update once (run_dashboard_feed) and publishes it here;
// every subscriber has a small queue that drops its oldest update when the client reads too
// slowly. The number of subscribers is bounded.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streampulse::service {

class DashboardFeed {
 public:
  static constexpr std::size_t kQueueLimit = 4;

  class Subscriber {
   public:
    explicit Subscriber(boost::asio::any_io_executor ex) : wake_(ex) {}
    // Waits up to `timeout` for an update. The update, or nullopt on a timeout or when the feed
    // closed (then closed() is true).
    boost::asio::awaitable<std::optional<std::string>> next(std::chrono::milliseconds timeout);
    bool closed() const { return closed_; }
    std::uint64_t dropped() const { return dropped_; }

   private:
    friend class DashboardFeed;
    void push(const std::shared_ptr<const std::string>& update);
    void close();
    boost::asio::steady_timer wake_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    std::uint64_t dropped_ = 0;
    bool closed_ = false;
  };

  explicit DashboardFeed(std::size_t max_subscribers = 256) : max_subscribers_(max_subscribers) {}

  // A new subscriber, primed with the latest update; null when the bound is reached or the
  // feed is closed. The subscription ends when the pointer is released.
  std::shared_ptr<Subscriber> subscribe(boost::asio::any_io_executor ex);
  void publish(std::string update);
  // Ends every stream (the service is stopping); later subscribe() calls get null.
  void close();

  std::size_t subscribers();
  std::size_t max_subscribers() const { return max_subscribers_; }
  const std::shared_ptr<const std::string>& latest() const { return latest_; }

 private:
  std::size_t max_subscribers_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
  std::shared_ptr<const std::string> latest_;
  bool closed_ = false;
};

}  // namespace streampulse::service
