# syntax=docker/dockerfile:1
# vigil in a container: the binary, the shipped sentiment model (models/), the pipeline
# configs and draft templates (pipelines/) and the vendored VADER corpus (data/sentiment/).
#
#   docker build --build-arg VIGIL_GIT_COMMIT="$(git log -1 --format='%h %cs')" -t vigil .
#   docker run --rm vigil run --config pipelines/example-production.toml --run-date 2026-06-29
#
# The working directory is /opt/vigil, so the configs' relative paths (models/…, pipelines/
# templates, data/sentiment/vader) resolve as in a checkout; `vigil demo` writes its history
# and outputs under /opt/vigil/data/demo and /opt/vigil/out.

FROM rust:1.95-slim-bookworm AS build
# The image's own 1.95.0 toolchain: rust-toolchain.toml would make rustup download rustfmt
# and clippy, which a release build does not need.
ENV RUSTUP_TOOLCHAIN=1.95.0
WORKDIR /src
COPY . .
# The build context has no .git: build.rs takes the commit (and date) from this argument.
ARG VIGIL_GIT_COMMIT=unknown
ENV VIGIL_GIT_COMMIT=${VIGIL_GIT_COMMIT}
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin vigil \
    && cp target/release/vigil /usr/local/bin/vigil

FROM debian:bookworm-slim
# CA certificates for HTTPS to S3, GCS, Azure (rustls with the system roots).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /opt/vigil --no-create-home \
       --shell /usr/sbin/nologin vigil
WORKDIR /opt/vigil
COPY --from=build /usr/local/bin/vigil /usr/local/bin/vigil
COPY models/ models/
COPY pipelines/ pipelines/
COPY data/sentiment/ data/sentiment/
RUN mkdir -p data/demo out && chown vigil:vigil data/demo out
USER vigil
ENTRYPOINT ["vigil"]
CMD ["--help"]
