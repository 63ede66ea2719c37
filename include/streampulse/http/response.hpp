#pragma once
// Building responses: JSON bodies, JSON errors and plain status answers.
#include "streampulse/http/types.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace streampulse::http {

// A JSON body with the request's keep-alive and version.
Response json_response(const Request& req, beast_http::status status,
                       const boost::json::value& body);

// {"error": code, "message": message}, the contract's error shape.
Response error_response(const Request& req, beast_http::status status, std::string_view code,
                        std::string_view message);
// The same with headers added (Retry-After, CORS...).
using ExtraHeaders = std::vector<std::pair<beast_http::field, std::string>>;
Response error_response(const Request& req, beast_http::status status, std::string_view code,
                        std::string_view message, const ExtraHeaders& headers);

// An empty answer (204, 304...).
Response empty_response(const Request& req, beast_http::status status);

// A body of a given content type.
Response text_response(const Request& req, beast_http::status status, std::string body,
                       std::string_view content_type);

}  // namespace streampulse::http
