#pragma once
// The service assembled from its configuration: store, registry, routes, server and
// background tasks on one io_context run by one thread.
#include "streampulse/config/config.hpp"

#include <boost/system/error_code.hpp>

#include <memory>

namespace streampulse::app {

using config::Config;

class App {
 public:
  explicit App(Config config);
  ~App();

  // Builds the backend and binds the listener. An error (address in use, unsupported backend)
  // is returned with a message for the operator.
  boost::system::error_code start(std::string& message);
  unsigned short port() const;

  // Serves until stop() or, with handle_signals, SIGTERM/SIGINT; then stops gracefully and
  // returns the process exit code.
  int run(bool handle_signals = true);

  // Begins a graceful stop; safe to call from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streampulse::app
