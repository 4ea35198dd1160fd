# METADATA
# title: Images come from the organisation's registries
# description: |
#   Images from other registries bypass the organisation's vulnerability scanning
#   and may disappear or change without notice; an image with no registry is
#   pulled from Docker Hub, which also rate-limits anonymous pulls.
# custom:
#   id: allowed-registries
#   severity: error
#   remediation: Push the image to registry.example.com or ghcr.io/example and reference it there.
package podlint.policies.allowed_registries

import data.podlint.lib

# Hosts (and host/namespace prefixes) images may come from.
allowed := {"registry.example.com", "ghcr.io/example"}

deny contains {"msg": msg, "path": array.concat(c.path, ["image"])} if {
	some c in lib.containers
	image := c.container.image
	is_string(image)
	not _allowed(image)
	msg := sprintf("%s container %q uses image %q from %s, which is not an allowed registry (%s)", [c.kind, c.name, image, lib.image_registry(image), concat(", ", sort(allowed))])
}

_allowed(image) if {
	some prefix in allowed
	startswith(image, concat("", [prefix, "/"]))
}
