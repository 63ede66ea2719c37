#pragma once
// GET /metrics's sections, built apart from its handler: quality, bounds, streams, process.
#include "metrics_text.hpp"
#include "streampulse/api/handlers.hpp"

#include <map>
#include <string>

namespace streampulse::api {

// Players by state, quality figures and their histograms (the dashboard's `quality`).
void quality_metrics(MetricsText& m, const core::QualityMetrics& q);
// Each bound on what clients can make the service hold, its use, and what it refused.
void bounds_metrics(MetricsText& m, service::Services& s, const service::AudienceFigures& audience);
// The process's figures (the names client libraries use) and the build's version.
void process_metrics(MetricsText& m);
// Active, tracked and peak viewers per stream: the top streams by name, the rest as "(other)".
void stream_metrics(MetricsText& m, service::Services& s, const core::DashboardMetrics& whole,
                    const std::map<std::string, core::StreamFigures>& per_stream);

}  // namespace streampulse::api
