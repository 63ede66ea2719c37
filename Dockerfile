# streampulse container image, on Debian 12 (bookworm).
#
#   docker build -t streampulse:local .           the runtime image (the last stage)
#   docker-compose build                          the same, through docker-compose.yml
#   docker build --target tests .                 optional: builds and runs the unit tests
#
# Stages:
#   sources  the C++ sources (a helper stage: missing optional folders made empty)
#   build    the toolchain (the Debian packages of scripts/lib/deps.sh, with ffmpeg, nodejs and
#            npm), a Release compile without tests, the page assets from npm
#            (scripts/vendor-assets.sh) and the sample HLS stream (scripts/make-sample-media.sh);
#            lays out /out/opt/streampulse
#   tests    the build stage plus the unit tests: cmake -DBUILD_TESTING=ON, ctest -L unit.
#            Only built when asked for (--target tests) by BuildKit. The legacy builder
#            (Docker 20.10, docker-compose v1.29) builds every stage before the target, so the
#            build argument STREAMPULSE_UNIT_TESTS=skip (docker-compose.yml sets it) makes this
#            stage a no-op there
#   runtime  debian:bookworm-slim, the runtime libraries by package name, wget for the health
#            check, and /opt/streampulse:
#              bin/streampulse
#              share/streampulse/static   pages, with vendor/ (hls.js, Chart.js)
#              share/streampulse/media    sample/ (the sample stream, plays at once)
#            runs as the user streampulse (10001), needs no network but its listener.
#
# Works with the legacy builder and with BuildKit; no RUN --mount, no heredocs.

# The C++ sources as .dockerignore lets them in. A folder the tree may not have (proto/, the
# Momento wire messages) is made empty here, so the COPYs of the build stage never fail; a COPY
# from here is cached by content, so unchanged sources still skip the compile.
FROM debian:bookworm-slim AS sources
COPY . /src
RUN mkdir -p /src/proto


FROM debian:bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    CCACHE_DISABLE=1
WORKDIR /src

# The packages of the native build (one list: scripts/lib/deps.sh), and node for the assets.
COPY scripts/lib/deps.sh scripts/lib/deps.sh
RUN source scripts/lib/deps.sh \
 && install_packages "${STREAMPULSE_BUILD_PACKAGES[@]}" "${STREAMPULSE_RUNTIME_TOOLS[@]}" \
      nodejs npm \
 && rm -rf /var/lib/apt/lists/*

# Extra CA certificates for the build's HTTPS downloads (npm), for networks that intercept
# TLS: --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)" (compose:
# STREAMPULSE_BUILD_CA_CERTS). Public certificates only; not carried into the runtime image.
ARG EXTRA_CA_CERTS=""
RUN if [[ -n "$EXTRA_CA_CERTS" ]]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" >/usr/local/share/ca-certificates/build-extra-ca.crt \
      && update-ca-certificates >/dev/null; \
    fi
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

# Page assets' npm packages, pinned by package-lock.json (browser-test tools left out).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# The sample stream: depends only on its script, so it is made once and cached.
COPY scripts/make-sample-media.sh scripts/make-sample-media.sh
RUN bash scripts/make-sample-media.sh

# The service, without tests.
COPY --from=sources /src/CMakeLists.txt ./
COPY --from=sources /src/include include
COPY --from=sources /src/proto proto
COPY --from=sources /src/src src
COPY --from=sources /src/bench bench
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build build -j"$(nproc)" \
 && echo "shared libraries:" && ldd build/streampulse

# Pages and their vendored libraries.
COPY static static
COPY scripts/vendor-assets.sh scripts/vendor-assets.sh
RUN bash scripts/vendor-assets.sh

# The installed layout, root-owned and read-only for the service's user.
RUN prefix=/out/opt/streampulse \
 && install -D -m 0755 build/streampulse "$prefix/bin/streampulse" \
 && strip --strip-unneeded "$prefix/bin/streampulse" \
 && mkdir -p "$prefix/share/streampulse/media" \
 && cp -a static "$prefix/share/streampulse/static" \
 && cp -a media/sample "$prefix/share/streampulse/media/sample" \
 && chmod -R u=rwX,go=rX "$prefix" \
 && test -f "$prefix/share/streampulse/static/vendor/hls.min.js" \
 && test -f "$prefix/share/streampulse/media/sample/master.m3u8" \
 && "$prefix/bin/streampulse" --version


FROM build AS tests
# run: build and run the unit tests; skip: do nothing (for builders that build every stage).
ARG STREAMPULSE_UNIT_TESTS=run
COPY --from=sources /src/test test
RUN if [[ "$STREAMPULSE_UNIT_TESTS" == skip ]]; then \
      echo "tests stage: skipped (STREAMPULSE_UNIT_TESTS=skip)"; \
    else \
      cmake -S . -B build -DBUILD_TESTING=ON \
      && cmake --build build --target unit_tests -j"$(nproc)" \
      && ctest --test-dir build -L unit --output-on-failure; \
    fi


FROM debian:bookworm-slim AS runtime
# Only the shared libraries the binary links (ldd), CA certificates, and wget for HEALTHCHECK
# (about 2.5 MB here, against 8 MB for curl and its libraries).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libboost-json1.81.0 libboost-url1.81.0 libboost-program-options1.81.0 \
      libssl3 libspdlog1.10 libfmt9 libprotobuf32 libjemalloc2 libhiredis0.14 ca-certificates \
      wget \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
      /var/log/apt /var/log/dpkg.log

# A system user; /var/lib/streampulse is its data folder (STREAMPULSE_DATA_DIR in compose), so a
# new named volume mounted there starts owned by it.
RUN groupadd --system --gid 10001 streampulse \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/streampulse \
      --no-create-home --shell /usr/sbin/nologin streampulse \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/streampulse

COPY --from=build /out/opt/streampulse /opt/streampulse
# Every shared library the binary needs is here (a new dependency fails the build, not the start).
RUN if ldd /opt/streampulse/bin/streampulse | grep 'not found'; then \
      echo "runtime stage: add the package of the library above" >&2; exit 1; \
    fi

ENV PATH=/opt/streampulse/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    STREAMPULSE_LISTEN=0.0.0.0:8080
WORKDIR /opt/streampulse
USER 10001:10001
EXPOSE 8080
# The port is read from STREAMPULSE_LISTEN, so a changed listener is still probed.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
  CMD port="${STREAMPULSE_LISTEN##*:}"; \
      wget -q -O /dev/null --no-proxy --tries=1 --timeout=3 "http://127.0.0.1:${port:-8080}/healthz" \
      || exit 1
# SIGTERM: stop accepting, finish requests within STREAMPULSE_SHUTDOWN_GRACE_MS (10 s), exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/streampulse/bin/streampulse"]
CMD ["serve"]

ARG VERSION=0.1.0
ARG VCS_REF=unknown
ARG BUILD_DATE=unknown
LABEL org.opencontainers.image.title="streampulse" \
      org.opencontainers.image.description="Real-time viewer analytics for live video streams: HLS player, live viewer count, dashboard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.created="${BUILD_DATE}" \
      org.opencontainers.image.base.name="debian:bookworm-slim" \
      org.opencontainers.image.documentation="docs/deployment.md"
