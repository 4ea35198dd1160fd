# podlint as a container image: a static binary on distroless, running as nonroot.
#   docker build -t podlint .
#   docker run --rm -v "$PWD:/work" podlint check k8s/
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: a static binary needs no libc in the final image.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/podlint ./cmd/podlint

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/podlint /usr/local/bin/podlint
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/podlint"]
CMD ["check", "."]
