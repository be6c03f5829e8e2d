# modelscan container image: a static binary on a distroless base (no shell,
# no package manager, runs as an unprivileged user). Built with the Go
# toolchain only:
#
#   docker build -t modelscan .
#   docker run --rm -v "$PWD/models:/scan:ro" modelscan            # scans /scan
#   docker run --rm -v "$PWD:/work:ro" modelscan -p /work/model.pt -r json
#
# The image's Go must be at least the go line of go.mod (the official image
# sets GOTOOLCHAIN=local, so it does not fetch a newer toolchain).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/modelscan ./cmd/modelscan

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/modelscan /usr/local/bin/modelscan
WORKDIR /scan
ENTRYPOINT ["/usr/local/bin/modelscan"]
CMD ["-p", "/scan"]
