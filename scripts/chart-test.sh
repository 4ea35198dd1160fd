#!/usr/bin/env bash
# Renders charts/podlint with the real helm CLI (built from .ci/tools/helm) for
# each supported way of installing it, lints the chart, and checks that podlint
# finds nothing at all in what it renders (--fail-on info).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p "${BIN_DIR:-.bin}"
b=$(cd "${BIN_DIR:-.bin}" && pwd)
go build -o "$b/podlint" ./cmd/podlint
(cd .ci/tools/helm && go build -o "$b/helm" helm.sh/helm/v3/cmd/helm)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$b/helm" lint --strict charts/podlint

render() { # name, then helm template flags
  local name=$1; shift
  "$b/helm" template podlint charts/podlint --namespace podlint-system "$@" > "$out/$name.yaml"
  echo "chart $name: $(grep -c '^kind:' "$out/$name.yaml") objects"
  "$b/podlint" check --fail-on info "$out/$name.yaml"
}
render default
render existing-secret --set tls.certManager.enabled=false --set tls.secretName=podlint-tls \
  --set tls.caBundle="$(printf 'not a real CA' | base64 -w0)"
render deny-with-policies --set mode=deny --set ruleModes.bare-pod=audit \
  --set-file 'policies.no_latest_tag\.rego=examples/policies/no_latest_tag.rego'

# What the chart promises, in the rendered default.
d=$out/default.yaml
for want in 'kind: PodDisruptionBudget' 'failurePolicy: Ignore' 'timeoutSeconds: 3' 'sideEffects: None' \
  'replicas: 2' 'topologySpreadConstraints:' 'runAsNonRoot: true' 'readOnlyRootFilesystem: true' \
  'key: kubernetes.io/metadata.name' '- podlint-system' '- kube-system' 'path: /readyz' 'path: /healthz' \
  'cert-manager.io/inject-ca-from: podlint-system/podlint-tls' 'kind: Certificate' \
  'kind: ClusterRole' 'name: podlint-audit' 'verbs: ["get", "list"]'; do
  grep -qF -- "$want" "$d" || { echo "rendered chart lacks: $want" >&2; exit 1; }
done
echo "chart: ok"
