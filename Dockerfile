# Cairn container image: a static binary on distroless, running as nonroot,
# with its data (cairn.db, keys/, media/) in the /data volume.
#
#   docker build --build-arg VERSION=v0.1.0 -t cairn .
#   docker run -p 8080:8080 -v cairn-data:/data \
#     -e CAIRN_BASE_URL=https://me.example cairn
#
# `docker build --target test .` runs the test suite in the build image.

ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Dependencies first, so editing the code reuses this layer.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/cairn ./cmd/cairn
# The distroless image has no shell to create the volume's directory, so it
# is prepared here, owned by distroless' nonroot user (65532).
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0750 /out/data

# Optional: docker build --target test .
FROM build AS test
RUN go test ./...

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/cairn /cairn
COPY --from=build --chown=65532:65532 /out/data /data
ENV CAIRN_DATA=/data \
    CAIRN_LISTEN=:8080
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s CMD ["/cairn", "healthcheck"]
ENTRYPOINT ["/cairn"]
CMD ["serve"]
