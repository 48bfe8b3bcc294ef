#!/usr/bin/env bash
# Builds the sample function as a container image with the telemetry extension:
#   examples/container/build.sh                 # x86_64, image telemetry-kinesis-sample
#   ARCHITECTURE=arm64 examples/container/build.sh
#   IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/sample:1 examples/container/build.sh
set -euo pipefail
cd "$(dirname "$0")"
architecture=${ARCHITECTURE:-x86_64}
image=${IMAGE:-telemetry-kinesis-sample}
case "$architecture" in
  x86_64) platform=linux/amd64 ;;
  arm64) platform=linux/arm64 ;;
  *) echo "ARCHITECTURE must be x86_64 or arm64, not $architecture" >&2; exit 2 ;;
esac

rm -rf layer layer.zip
cargo run -q --release -p deployer -- package --architecture "$architecture" --output layer.zip >&2
mkdir layer
(cd layer && python3 -m zipfile -e ../layer.zip .)
chmod 755 layer/extensions/*
cp ../sample-function/index.py .

docker build --platform "$platform" -t "$image" .
echo "$image"
