// The fake Momento as a standalone process, for scripts, benchmarks and browser tests:
// prints "listening on 127.0.0.1:<port>" (flushed) and serves until SIGINT or SIGTERM.
#include "fake_momento.hpp"

#include <boost/program_options.hpp>

#include <csignal>
#include <iostream>

namespace po = boost::program_options;
using streampulse::testing::FakeMomento;
using streampulse::testing::FakeMomentoOptions;

int main(int argc, char** argv) {
  FakeMomentoOptions o;
  std::string listen = "127.0.0.1:0";
  long long long_poll_ms = o.long_poll_hold.count();
  po::options_description desc("fake_momento options");
  desc.add_options()("help", "this text")("listen", po::value(&listen)->default_value(listen),
                                          "host:port (port 0: ephemeral)")(
      "api-key", po::value(&o.api_key)->default_value(o.api_key), "the service's inner api_key")(
      "cache", po::value(&o.cache)->default_value(o.cache), "the one cache that exists")(
      "webhook-url", po::value(&o.webhook_url), "POST messages of --webhook-topic here")(
      "webhook-secret", po::value(&o.webhook_secret), "momento-signature key")(
      "webhook-topic", po::value(&o.webhook_topic)->default_value(o.webhook_topic), "")(
      "long-poll-ms", po::value(&long_poll_ms)->default_value(long_poll_ms),
      "HTTP API long-poll hold")("max-item-bytes",
                                 po::value(&o.max_item_bytes)->default_value(o.max_item_bytes),
                                 "dictionary / scalar size limit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen wants host:port\n";
    return 2;
  }
  o.listen_host = listen.substr(0, colon);
  o.port = static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)));
  o.long_poll_hold = std::chrono::milliseconds(long_poll_ms);

  // Blocked before the fake's thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    FakeMomento fake(o);
    std::cout << "listening on " << o.listen_host << ":" << fake.port() << "\n"
              << "MOMENTO_API_KEY=" << fake.v1_api_key() << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    fake.stop();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
