# gl001's image for users with docker: the same image `make image` writes
# without a daemon (deploy/image): a static binary on an empty base, the CA
# bundle, an empty /tmp, user 65532, entrypoint gl001.
#
#   docker build -t ghcr.io/greenlang/gl001:dev .
#   docker run --rm ghcr.io/greenlang/gl001:dev capacity --plants 15 --agents 75

# The go line of go.mod.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO_ENABLED=0: a static binary, which the empty base needs (no libc).
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/usr/local/bin/gl001 ./cmd/gl001 \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp \
 && mkdir -p /out/etc/ssl/certs && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/

FROM scratch
COPY --from=build /out/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin
# distroless's nonroot; deploy/k8s's runAsUser.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/gl001"]
