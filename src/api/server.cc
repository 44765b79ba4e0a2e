#include "api/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/errors.h"

namespace straits::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port) {
  const size_t colon = text.rfind(':');
  auto bad = [&] {
    return InvalidArgument("\"" + text + "\" is not HOST:PORT (e.g. 127.0.0.1:8080)", "listen");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad();
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned value = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value > 65535) return bad();
  boost::system::error_code addr_ec;
  net::ip::make_address(h, addr_ec);
  if (addr_ec) {
    return InvalidArgument("\"" + h + "\" is not an IP address (use e.g. 127.0.0.1 or ::1)",
                           "listen");
  }
  host = h;
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}

namespace {

struct SharedState {
  Api& api;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  std::atomic<int> live_sessions{0};
  std::function<void()> on_last_session_closed;
};

Request ToRequest(const http::request<http::string_body>& req, Status& error) {
  Request out;
  out.method = std::string(req.method_string());
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url) {
    error = InvalidArgument("malformed request target");
    return out;
  }
  out.path = std::string(url->path());
  for (auto param : url->params()) out.query.emplace(param.key, param.value);
  out.authorization = std::string(req[http::field::authorization]);
  out.content_type = std::string(req[http::field::content_type]);
  out.idempotency_key = std::string(req["Idempotency-Key"]);
  out.cookie = std::string(req[http::field::cookie]);
  out.csrf_token = std::string(req["X-CSRF-Token"]);
  out.body = req.body();
  return out;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SharedState& state) : stream_(std::move(socket)), state_(state) {
    state_.live_sessions.fetch_add(1);
  }
  ~Session() {
    if (state_.live_sessions.fetch_sub(1) == 1 && state_.stopping.load() &&
        state_.on_last_session_closed) {
      state_.on_last_session_closed();
    }
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
  }

  // Runs on the session's strand: an idle connection closes now; a busy one
  // closes after its response.
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void DoRead() {
    busy_ = false;
    if (state_.stopping.load()) return Close();
    parser_.emplace();
    parser_->body_limit(state_.options.body_limit);
    stream_.expires_after(state_.options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      busy_ = true;
      return Send(PayloadTooLarge(state_.options.body_limit), false, false);
    }
    if (ec) return Close();  // end of stream, timeout, reset, or cancelled by shutdown
    busy_ = true;
    const http::request<http::string_body>& req = parser_->get();
    Status target_error;
    Request request = ToRequest(req, target_error);
    Response response =
        target_error.ok() ? state_.api.Handle(request) : ErrorResponse(target_error);
    Send(std::move(response), req.keep_alive() && !state_.stopping.load(),
         req.method() == http::verb::head);
  }

  void Send(Response response, bool keep_alive, bool head) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(http::field::server, "straits");
    res_.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res_.set(name, value);
    res_.keep_alive(keep_alive);
    res_.body() = head ? std::string() : std::move(response.body);
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->DoRead();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  SharedState& state_;
  bool busy_ = false;
};

}  // namespace

class Server::Impl {
 public:
  Impl(Api& api, ServerOptions options)
      : state_{api, std::move(options), {false}, {0}, {}},
        ioc_(state_.options.threads),
        acceptor_(net::make_strand(ioc_)),
        signals_(ioc_),
        drain_timer_(ioc_) {}

  Status Run() {
    boost::system::error_code ec;
    const auto address = net::ip::make_address(state_.options.address, ec);
    if (ec) return InvalidArgument("bad listen address: " + ec.message(), "listen");
    tcp::endpoint endpoint(address, state_.options.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) return Unavailable("open: " + ec.message());
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) {
      return Unavailable("cannot listen on " + state_.options.address + ":" +
                         std::to_string(state_.options.port) + ": " + ec.message());
    }
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
      return Unavailable("listen: " + ec.message());
    }
    const tcp::endpoint bound = acceptor_.local_endpoint();
    if (state_.options.on_listening) {
      std::string host = bound.address().to_string();
      if (bound.address().is_v6()) host = "[" + host + "]";
      state_.options.on_listening(host + ":" + std::to_string(bound.port()));
    }
    if (state_.options.handle_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](const boost::system::error_code& sig_ec, int) {
        if (!sig_ec) BeginStop();
      });
    }
    state_.on_last_session_closed = [this] { net::post(ioc_, [this] { drain_timer_.cancel(); }); };
    DoAccept();
    std::vector<std::thread> workers;
    for (int i = 1; i < state_.options.threads; ++i) workers.emplace_back([this] { ioc_.run(); });
    ioc_.run();
    for (std::thread& t : workers) t.join();
    return Status::Ok();
  }

  void Stop() {
    net::post(ioc_, [this] { BeginStop(); });
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             if (ec) {
                               if (!state_.stopping.load() && acceptor_.is_open()) DoAccept();
                               return;
                             }
                             auto session = std::make_shared<Session>(std::move(socket), state_);
                             Register(session);
                             session->Start();
                             DoAccept();
                           });
  }

  void Register(const std::shared_ptr<Session>& session) {
    std::lock_guard<std::mutex> lock(mu_);
    // Drop entries of finished sessions now and then so the list stays small.
    if (sessions_.size() > 64 && ++registrations_ % 64 == 0) {
      sessions_.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
    }
    sessions_.push_back(session);
  }

  void BeginStop() {
    if (state_.stopping.exchange(true)) return;
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::weak_ptr<Session>& weak : sessions_) {
        if (auto session = weak.lock()) session->CloseIfIdle();
      }
      sessions_.clear();
    }
    if (state_.live_sessions.load() > 0) {
      // Requests in flight get drain_timeout to finish; then everything stops.
      drain_timer_.expires_after(state_.options.drain_timeout);
      drain_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) ioc_.stop();
      });
    }
  }

  SharedState state_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::signal_set signals_;
  net::steady_timer drain_timer_;
  std::mutex mu_;
  std::list<std::weak_ptr<Session>> sessions_;
  uint64_t registrations_ = 0;
};

Server::Server(Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}
Server::~Server() = default;
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace straits::api
