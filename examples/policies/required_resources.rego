# METADATA
# title: Containers declare CPU and memory requests and a memory limit
# description: |
#   Without requests the scheduler packs Pods blindly and the Pod gets the
#   BestEffort QoS class, the first to be evicted under node pressure; without a
#   memory limit one leaking container can push its neighbours out of memory.
# custom:
#   id: required-resources
#   severity: warning
#   remediation: Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every app and sidecar container.
package podlint.policies.required_resources

import data.podlint.lib

# Ephemeral containers cannot have resources; init containers run one at a time
# and are covered by the largest app request, so only long-running ones count.
_checked := {"app", "sidecar"}

required := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

deny contains {"msg": msg, "path": array.concat(c.path, array.concat(["resources"], r))} if {
	some c in lib.containers
	c.kind in _checked
	some r in required
	not _has(c.container, r)
	msg := sprintf("%s container %q has no resources.%s", [c.kind, c.name, concat(".", r)])
}

_has(container, r) if {
	v := object.get(container, array.concat(["resources"], r), null)
	v != null
}
