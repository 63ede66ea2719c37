// redis::Connection's connecting: TCP, Unix or TLS, Sentinel's or MOVED's address, the handshake.
#include "connection_impl.hpp"

#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>

#include <array>

namespace streampulse::redis {

error_code Connection::Impl::make_tls_context() {
  try {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
      return make_error_code(ssl::error::unspecified_system_error);
    }
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return ec;
    if (!opts.extra_ca_file.empty()) {
      ctx->load_verify_file(opts.extra_ca_file, ec);
      if (ec) return ec;
    }
    ctx->set_verify_mode(ssl::verify_peer);
    tls_ctx = std::move(ctx);
    return {};
  } catch (const boost::system::system_error& e) {
    return e.code();
  }
}

asio::awaitable<error_code> Connection::Impl::tls_handshake(ssl::stream<tcp::socket>& stream,
                                                            const std::string& host) {
  SSL* handle = stream.native_handle();
  error_code ec;
  asio::ip::make_address(host, ec);
  if (ec) {  // a name: SNI (RFC 6066 allows no address literals there)
    if (SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
      co_return make_error_code(ssl::error::unspecified_system_error);
    }
  }
  SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(handle, host.c_str()) != 1) {
    co_return make_error_code(ssl::error::unspecified_system_error);
  }
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  co_return hec;
}

std::vector<Command> Connection::Impl::handshake_commands() const {
  std::vector<Command> cmds;
  if (!opts.url.password.empty()) {
    if (opts.url.user.empty()) {
      cmds.push_back({"AUTH", opts.url.password});
    } else {
      cmds.push_back({"AUTH", opts.url.user, opts.url.password});
    }
  }
  if (opts.url.db != 0) cmds.push_back({"SELECT", std::to_string(opts.url.db)});
  if (!opts.client_name.empty()) cmds.push_back({"CLIENT", "SETNAME", opts.client_name});
  // Sentinel's answer may be stale (a failover under way): the client spec says check it.
  if (opts.url.kind == Url::Kind::sentinel) cmds.push_back({"ROLE"});
  cmds.push_back({"PING"});
  return cmds;
}

asio::awaitable<std::pair<error_code, std::string>> Connection::Impl::connect(
    std::shared_ptr<Session> s, detail::ReplyReader& reader) {
  const Url& url = opts.url;
  s->peer = {url.host, url.port};
  if (redirect) {
    s->peer = *redirect;
  } else if (url.kind == Url::Kind::sentinel) {
    // Before the connect deadline starts: the Sentinels have their own, one each.
    auto answer = co_await detail::ask_sentinels(ex, sentinels, url.master_name,
                                                 url.sentinel_password, opts.sentinel_timeout);
    if (!answer) co_return std::pair{answer.error().code, answer.error().why};
    if (!s->open) co_return std::pair{make_error_code(errc::unavailable), std::string("closed")};
    if (answer->primary != primary) {
      spdlog::info("redis {}: Sentinel {} names {} as the primary", name, answer->sentinel.text(),
                   answer->primary.text());
      primary = answer->primary;
    }
    s->peer = primary;
  }
  asio::steady_timer guard(ex, Clock::now() + opts.connect_timeout);
  guard.async_wait([w = std::weak_ptr<Session>(s)](error_code ec) {
    if (ec) return;
    if (auto locked = w.lock()) {
      locked->timed_out = true;
      locked->close();
    }
  });
  auto fail = [&](error_code ec, std::string why) {
    if (s->timed_out) ec = make_error_code(errc::deadline_exceeded);
    if (redirect) {  // back to the URL's address next time
      why += " (at " + redirect->text() + ", named by MOVED)";
      redirect.reset();
    }
    return std::pair{ec, std::move(why)};
  };
  if (url.kind == Url::Kind::unix_socket) {
    s->local.emplace(ex);
    auto [ec] = co_await s->local->async_connect(unix_socket::endpoint(url.path), use_tuple);
    if (ec) co_return fail(ec, "connect to " + url.path + ": " + ec.message());
  } else {
    if (url.kind == Url::Kind::tls) {
      if (!tls_ctx) {
        if (auto ec = make_tls_context()) co_return fail(ec, "TLS setup: " + ec.message());
      }
      s->tls.emplace(ex, *tls_ctx);
    } else {
      s->plain.emplace(ex);
    }
    auto [rec, endpoints] =
        co_await s->resolver.async_resolve(s->peer.host, std::to_string(s->peer.port), use_tuple);
    if (rec) co_return fail(rec, "resolve " + s->peer.host + ": " + rec.message());
    tcp::socket& socket = s->tls ? s->tls->next_layer() : *s->plain;
    auto [cec, ep] = co_await asio::async_connect(socket, endpoints, use_tuple);
    if (cec) co_return fail(cec, "connect to " + s->peer.text() + ": " + cec.message());
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (s->tls) {
      const auto hec = co_await tls_handshake(*s->tls, s->peer.host);
      if (hec) {
        std::string why = "TLS handshake: " + hec.message();
        const long v = SSL_get_verify_result(s->tls->native_handle());
        if (v != X509_V_OK) {
          why = std::string("TLS certificate verification failed: ") +
                X509_verify_cert_error_string(v);
        }
        co_return fail(hec, why);
      }
    }
  }
  if (!s->open) co_return fail(make_error_code(errc::unavailable), "closed");

  const auto cmds = handshake_commands();
  const auto bytes = detail::encode_commands(cmds);
  if (auto wec = co_await s->write(asio::buffer(bytes))) {
    co_return fail(wec, "write: " + wec.message());
  }
  std::vector<Reply> replies;
  std::array<char, 4096> buf{};
  while (replies.size() < cmds.size()) {
    Reply r;
    const auto next = reader.next(r);
    if (next == detail::ReplyReader::Next::reply) {
      replies.push_back(std::move(r));
      continue;
    }
    if (next == detail::ReplyReader::Next::protocol_error) {
      co_return fail(make_error_code(errc::internal), "protocol error: " + reader.error());
    }
    auto [ec, n] = co_await s->read_some(asio::buffer(buf));
    if (ec) co_return fail(ec, "read: " + ec.message());
    reader.feed({buf.data(), n});
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (cmds[i][0] == "ROLE" && !replies[i].is_error()) {
      const Reply& role = replies[i];
      const bool master = role.type == Reply::Type::array && !role.elements.empty() &&
                          role.elements[0].str == "master";
      if (!master) {
        co_return fail(make_error_code(errc::unavailable),
                       s->peer.text() + " is not the primary (ROLE: " +
                           (role.elements.empty() ? std::string("?") : role.elements[0].str) + ")");
      }
      continue;
    }
    if (!replies[i].is_error()) continue;
    if (cmds[i][0] == "CLIENT") continue;  // best effort (some managed services refuse it)
    co_return fail(make_error_code(errc::unavailable),
                   cmds[i][0] + " refused: " + reply_text(replies[i]));
  }
  co_return std::pair{error_code{}, std::string{}};
}

}  // namespace streampulse::redis
