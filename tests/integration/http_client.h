// A minimal blocking HTTP/1.1 client over one loopback TCP connection, enough
// to drive the server in tests (keep-alive, raw requests, partial writes).
#pragma once

#include <map>
#include <string>

namespace straits::testing_support {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpConnection {
 public:
  HttpConnection(const std::string& host, int port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends bytes as they are.
  bool SendRaw(const std::string& bytes);
  // Reads one response; status 0 if the connection closed first.
  HttpReply ReadReply();
  HttpReply Request(const std::string& method, const std::string& target, const std::string& token,
                    const std::string& body = "",
                    const std::string& content_type = "application/json");

 private:
  int fd_ = -1;
  std::string pending_;
};

}  // namespace straits::testing_support
