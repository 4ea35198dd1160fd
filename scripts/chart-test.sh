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
render cert-manager --set tls.mode=certManager
render selectors -f charts/podlint/ci/selectors-values.yaml --set metrics.serviceMonitor.enabled=true --set metrics.serviceMonitor.labels.release=prometheus
render existing-secret --set tls.mode=secret --set tls.secretName=podlint-tls \
  --set tls.caBundle="$(printf 'not a real CA' | base64 -w0)"
render deny-with-policies --set mode=deny --set ruleModes.bare-pod=audit \
  --set-file 'policies.no_latest_tag\.rego=examples/policies/no_latest_tag.rego'

# What the chart promises, in the rendered default.
d=$out/default.yaml
for want in 'kind: PodDisruptionBudget' 'failurePolicy: Ignore' 'timeoutSeconds: 3' 'sideEffects: None' \
  'replicas: 2' 'topologySpreadConstraints:' 'runAsNonRoot: true' 'readOnlyRootFilesystem: true' \
  'key: kubernetes.io/metadata.name' '- podlint-system' '- kube-system' 'path: /readyz' 'path: /healthz' \
  '--cert-secret=podlint-system/podlint-tls' '--webhook-config-name=podlint' '--cert-dns-name=podlint.podlint-system.svc' \
  'kind: Role' 'kind: ClusterRole' 'resourceNames: ["podlint"]' 'name: podlint-audit' 'verbs: ["get", "list"]'; do
  grep -qF -- "$want" "$d" || { echo "rendered chart lacks: $want" >&2; exit 1; }
done
# Self-managed: podlint writes the caBundle, so the chart must not (helm would
# reset it on every upgrade).
if grep -q '^ *caBundle:' "$d"; then echo "the self-managed chart renders a caBundle" >&2; exit 1; fi
c=$out/cert-manager.yaml
for want in 'cert-manager.io/inject-ca-from: podlint-system/podlint-tls' 'kind: Certificate' '--tls-cert-file=/tls/tls.crt' 'automountServiceAccountToken: false'; do
  grep -qF -- "$want" "$c" || { echo "rendered cert-manager chart lacks: $want" >&2; exit 1; }
done
if grep -q 'kind: ServiceMonitor' "$d"; then echo "ServiceMonitor rendered by default" >&2; exit 1; fi
if grep -q 'kind: Role' "$c"; then echo "the cert-manager chart grants RBAC it does not need" >&2; exit 1; fi
for want in 'key: podlint.io/enforce' 'objectSelector:' 'matchConditions:' 'name: not-the-deployer' 'kind: ServiceMonitor' 'release: prometheus'; do
  grep -qF -- "$want" "$out/selectors.yaml" || { echo "rendered selectors chart lacks: $want" >&2; exit 1; }
done
if "$b/helm" template podlint charts/podlint --set tls.mode=bogus >/dev/null 2>"$out/err"; then
  echo "tls.mode=bogus rendered" >&2; exit 1
fi
grep -q 'want selfManaged, certManager or secret' "$out/err" || { cat "$out/err" >&2; exit 1; }
echo "chart: ok"
