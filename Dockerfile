# syntax=docker/dockerfile:1
# Cartable's images, two targets of one build:
#
#   docker build --target api -t registry.example.fr/cartable/api:1.0.0 .
#   docker build --target worker -t registry.example.fr/cartable/worker:1.0.0 .
#
# api: the binary and libvips (bimg links it; the API renders nothing itself when
# CARTABLE_JOBS=false). worker: the same, with the preview converters (poppler,
# ffmpeg, LibreOffice) and bubblewrap, their sandbox; where the cluster forbids
# unprivileged user namespaces the converters run in a weaker one, or none
# (preview/sandbox.go picks the strongest that works). Both run as the unprivileged user 10001,
# with a read-only root file system (deploy/k8s mounts /tmp and /scratch).

ARG GO_VERSION=1.26.8
ARG DEBIAN=bookworm

FROM golang:${GO_VERSION}-${DEBIAN} AS build
RUN apt-get update \
	&& apt-get install -y --no-install-recommends libvips-dev pkg-config \
	&& rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
	CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/cartable ./cmd/cartable

FROM debian:${DEBIAN}-slim AS api
RUN apt-get update \
	&& apt-get install -y --no-install-recommends libvips42 ca-certificates tzdata \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 cartable \
	&& useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent cartable
COPY --from=build /out/cartable /usr/local/bin/cartable
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/cartable"]
CMD ["serve"]

FROM api AS worker
USER root
RUN apt-get update \
	&& apt-get install -y --no-install-recommends poppler-utils ffmpeg bubblewrap fonts-dejavu-core \
		libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
	&& rm -rf /var/lib/apt/lists/*
USER 10001:10001
CMD ["worker"]
