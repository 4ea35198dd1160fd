# METADATA
# title: Init containers run as a non-root user
# description: |
#   Init containers often run migration and setup tools with write access to
#   shared volumes; running them as root turns any flaw in those tools into root
#   on the volume. A container runs as non-root when its own securityContext or
#   the pod's sets runAsNonRoot: true or a non-zero runAsUser, and its own
#   setting wins over the pod's.
# custom:
#   id: init-non-root
#   severity: error
#   remediation: "Set securityContext.runAsNonRoot: true (and a runAsUser) on the init container or the pod."
package podlint.policies.init_non_root

import data.podlint.lib

deny contains {"msg": msg, "path": c.path} if {
	some c in lib.containers
	c.kind in {"init", "sidecar"}
	not _non_root(c.container)
	not c.container.securityContext.runAsUser == 0 # reported below, at the field
	msg := sprintf("%s container %q may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser", [c.kind, c.name])
}

deny contains {"msg": msg, "path": array.concat(c.path, ["securityContext", "runAsUser"])} if {
	some c in lib.containers
	c.kind in {"init", "sidecar"}
	c.container.securityContext.runAsUser == 0
	msg := sprintf("%s container %q runs as root (runAsUser: 0)", [c.kind, c.name])
}

# The container's own setting wins over the pod's, as in the kubelet.
_setting(container, key) := container.securityContext[key] if _has(container, key)

_setting(container, key) := lib.pod_spec.securityContext[key] if not _has(container, key)

_has(container, key) if container.securityContext[key] != null

_non_root(container) if _setting(container, "runAsNonRoot") == true

_non_root(container) if _setting(container, "runAsUser") > 0
