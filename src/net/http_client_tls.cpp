// HttpClient over TLS: the shared OpenSSL context, the handshake, certificate-failure errors.
#include "http_client_impl.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <string>

namespace streampulse::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;
using boost::system::result;

namespace {

class TlsVerifyCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "streampulse.tls_verify"; }
  std::string message(int ev) const override {
    return std::string("TLS certificate verification failed: ") + X509_verify_cert_error_string(ev);
  }
};

// The last OpenSSL error as an asio ssl error (message: OpenSSL's reason string).
error_code last_ssl_error() {
  const auto e = ERR_get_error();
  if (e == 0) return make_error_code(ssl::error::unspecified_system_error);
  return {static_cast<int>(e), asio::error::get_ssl_category()};
}

}  // namespace

const boost::system::error_category& tls_verify_category() noexcept {
  static const TlsVerifyCategory category;
  return category;
}

bool is_tls_verify_error(const error_code& ec) noexcept {
  return ec.category() == tls_verify_category();
}

namespace detail {

result<std::unique_ptr<ssl::context>> make_tls_context(const HttpClientOptions& opts) {
  try {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
      return last_ssl_error();
    }
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    error_code ec;
    ctx->set_default_verify_paths(ec);  // Debian: /etc/ssl/certs (ca-certificates)
    if (ec) return ec;
    if (!opts.extra_ca_file.empty()) {
      ctx->load_verify_file(opts.extra_ca_file, ec);
      if (ec) return ec;
    }
    ctx->set_verify_mode(opts.insecure_skip_verify_for_tests ? ssl::verify_none : ssl::verify_peer);
    return ctx;
  } catch (const boost::system::system_error& e) {
    return e.code();
  } catch (const std::exception&) {
    return make_error_code(ssl::error::unspecified_system_error);
  }
}

asio::awaitable<error_code> tls_handshake(Connection& c, const std::string& host, bool verify) {
  SSL* handle = c.tls->native_handle();
  error_code ec;
  asio::ip::make_address(host, ec);
  const bool is_address = !ec;
  if (!is_address) {
    // SSL_set_tlsext_host_name, spelled out: the macro casts away const C-style.
    if (SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
      co_return last_ssl_error();
    }
  }
  if (verify) {
    // OpenSSL 3 checks an address literal against the IP SANs, a name against the DNS SANs.
    SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(handle, host.c_str()) != 1) co_return last_ssl_error();
  }
  auto [hec] = co_await c.tls->async_handshake(ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
  if (hec && verify) {
    // OpenSSL's error says only "certificate verify failed": the verify result says why.
    const long v = SSL_get_verify_result(handle);
    if (v != X509_V_OK) co_return error_code(static_cast<int>(v), tls_verify_category());
  }
  co_return hec;
}

}  // namespace detail

result<ssl::context*> HttpClient::Impl::tls_context() {
  if (!tls_ctx_tried) {
    tls_ctx_tried = true;
    auto made = detail::make_tls_context(opts);
    if (made) {
      tls_ctx = std::move(*made);
    } else {
      tls_ctx_error = made.error();
    }
  }
  if (!tls_ctx) return tls_ctx_error;
  return tls_ctx.get();
}

}  // namespace streampulse::net
