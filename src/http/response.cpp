#include "streampulse/http/response.hpp"

#include <boost/beast/http/empty_body.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace streampulse::http {

Response text_response(const Request& req, beast_http::status status, std::string body,
                       std::string_view content_type) {
  beast_http::response<beast_http::string_body> res{status, req.version()};
  res.set(beast_http::field::content_type, content_type);
  res.set(beast_http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  // A HEAD is answered with the head only (Content-Length stays): a body would be read as the
  // next response on a keep-alive connection.
  if (req.method() == beast_http::verb::head) res.body().clear();
  return res;
}

Response json_response(const Request& req, beast_http::status status,
                       const boost::json::value& body) {
  return text_response(req, status, boost::json::serialize(body), "application/json");
}

Response error_response(const Request& req, beast_http::status status, std::string_view code,
                        std::string_view message) {
  return json_response(req, status, {{"error", code}, {"message", message}});
}

Response error_response(const Request& req, beast_http::status status, std::string_view code,
                        std::string_view message, const ExtraHeaders& headers) {
  beast_http::response<beast_http::string_body> res{status, req.version()};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.keep_alive(req.keep_alive());
  res.body() = boost::json::serialize(boost::json::object{{"error", code}, {"message", message}});
  res.prepare_payload();
  return res;
}

Response empty_response(const Request& req, beast_http::status status) {
  beast_http::response<beast_http::empty_body> res{status, req.version()};
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

}  // namespace streampulse::http
