# runwarden container image: a static (musl) binary on a distroless base.
#
#   docker build -t runwarden .                 # the image: runwarden is the entrypoint
#   docker build --target debug -t runwarden:debug .    # same, plus busybox sh (GitLab CI)
#   docker build --target binary --output type=local,dest=out .   # the binary alone
#
#   docker run --rm -v "$PWD:/src" runwarden check --format compact .

FROM rust:1.95-alpine AS build
# musl-dev and linux-headers: mimalloc's C sources include <linux/*.h>. Their
# versions are the base image's Alpine release (pinned by its tag).
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev linux-headers
WORKDIR /build
COPY . .
# Alpine's Rust targets musl and links statically: the binary runs on any Linux.
RUN cargo build --release --locked \
    && cp target/release/runwarden /runwarden \
    && /runwarden --version

# The binary alone, for the release archives.
FROM scratch AS binary
COPY --from=build /runwarden /runwarden

# With busybox sh (/busybox/sh), for CI systems that run a script inside the
# image: GitLab CI's `image:` with `entrypoint: [""]`. Root, like the job's
# checkout, so that reports can be written into it.
FROM gcr.io/distroless/static-debian12:debug AS debug
COPY --from=build /runwarden /usr/local/bin/runwarden
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/runwarden"]
CMD ["check", "."]

# The default target: no shell, no package manager, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /runwarden /usr/local/bin/runwarden
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/runwarden"]
CMD ["check", "."]
