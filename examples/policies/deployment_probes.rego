# METADATA
# title: Deployments' app containers have readiness and liveness probes
# description: |
#   Without a readiness probe a Deployment's rollout counts a Pod as available as
#   soon as its containers start, so Services send traffic to replicas that cannot
#   serve yet and a broken release rolls out completely. Without a liveness probe
#   a deadlocked process is never restarted.
# custom:
#   id: deployment-probes
#   severity: warning
#   category: lifecycle
#   remediation: Add a readinessProbe and a livenessProbe to every app container of the Deployment.
package podlint.policies.deployment_probes

import data.podlint.lib

probes := ["readinessProbe", "livenessProbe"]

deny contains {"msg": msg, "path": c.path} if {
	input.kind == "Deployment"
	some c in lib.containers
	c.kind == "app"
	some probe in probes
	not c.container[probe]
	msg := sprintf("container %q of Deployment %q has no %s", [c.name, input.metadata.name, probe])
}
