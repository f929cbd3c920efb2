# Multi-stage build: compile in the Rust image, run from a small Debian image as a non-root
# user. The binary embeds its templates and static assets, so it is the only file copied.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# The whole tree (see .dockerignore): Cargo checks that every declared target exists, tests
# and benches included, even when building only the binary.
COPY . .
RUN cargo build --release --locked --bin ccr-panel

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home ccr-panel
COPY --from=build /src/target/release/ccr-panel /usr/local/bin/ccr-panel
USER 10001
EXPOSE 8080
ENV CCR_PANEL_LISTEN=0.0.0.0:8080
ENTRYPOINT ["ccr-panel", "serve"]
