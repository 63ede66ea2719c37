#pragma once
// One handler per route, each thin: read the request, call the core or the store, answer.
#include "streampulse/http/router.hpp"
#include "streampulse/service/services.hpp"

namespace streampulse::api {

// Registers every route of docs/api.md on the router.
void add_routes(http::Router& router, service::Services& services);

// GET/HEAD /, /dashboard, /static/... and /media/... (uploaded objects, then files), and
// PUT /media/... when the services have a media store.
void add_page_routes(http::Router& router, service::Services& s);

http::Handler healthz_handler(service::Services& s);
http::Handler readyz_handler(service::Services& s);
http::Handler metrics_handler(service::Services& s);
http::Handler player_config_handler(service::Services& s);
http::Handler dashboard_handler(service::Services& s);
// GET /api/dashboard/stream (Server-Sent Events) and GET /api/history.
http::Handler dashboard_stream_handler(service::Services& s);
http::Handler history_handler(service::Services& s);
// POST /cmcd (CMCD v2 event-mode JSON reports) and its CORS preflight.
http::Handler cmcd_handler(service::Services& s);
http::Handler cmcd_preflight_handler(service::Services& s);
http::Handler webhook_handler(service::Services& s);
http::Handler topic_publish_handler(service::Services& s);
http::Handler topic_subscribe_handler(service::Services& s);
http::Handler simulations_handler(service::Services& s);
// GET /api/streams, and PUT / DELETE /api/streams/{id} (admin only): the catalog of streams.
http::Handler streams_list_handler(service::Services& s);
http::Handler stream_put_handler(service::Services& s);
http::Handler stream_delete_handler(service::Services& s);
// PUT /media/{path}: stores an object in s.media_store (admin only).
http::Handler media_upload_handler(service::Services& s);

}  // namespace streampulse::api
