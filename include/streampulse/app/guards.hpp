#pragma once
// The bounds on what one credential or one address may claim (docs/security.md): the player
// bindings' settings, the token buckets per address, CMCD's report tokens.
#include "streampulse/core/player_bindings.hpp"
#include "streampulse/service/services.hpp"

#include <memory>

namespace streampulse::core {
class TokenAuthority;
}

namespace streampulse::app {

using config::Config;
using service::Services;

// Bindings live as long as the tokens they bind, plus a margin.
core::PlayerBindings::Settings binding_settings(const Config& c);

// Sets s.token_buckets and s.report_tokens: the topics' authority when there is one
// (embedded), else a new one in `report_authority` keyed from the Momento API key.
void set_up_guards(Services& s, std::unique_ptr<core::TokenAuthority>& report_authority,
                   const core::TokenAuthority* topics_authority);

}  // namespace streampulse::app
