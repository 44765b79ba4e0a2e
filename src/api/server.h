// The HTTP/1.1 server behind `straits serve` (Boost.Beast over Asio).
//
// Asynchronous and keep-alive; N worker threads run one io_context; each
// connection is served on its own strand. Request bodies over `body_limit`
// get 413. SIGINT/SIGTERM (or Stop()) start a graceful shutdown: the listener
// closes, idle connections close, requests in flight finish and their
// responses are sent with "Connection: close"; Run() returns when all are done
// (or after `drain_timeout`).
//
// Thread-safety: Run() once from one thread; Stop() from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/api.h"
#include "core/status.h"

namespace straits::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port
  int threads = 2;
  size_t body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds drain_timeout{10};
  bool handle_signals = true;
  // Called once the socket listens, with "ADDRESS:PORT" actually bound.
  std::function<void(const std::string&)> on_listening;
};

class Server {
 public:
  Server(Api& api, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens and serves until stopped. unavailable if the address cannot be bound.
  Status Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "HOST:PORT" (e.g. "127.0.0.1:8080", "[::1]:0"); invalid_argument otherwise.
Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port);

}  // namespace straits::api
