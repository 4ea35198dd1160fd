# METADATA
# title: Images are pinned to a version tag or a digest
# description: |
#   An image without a tag means :latest. Nodes then run whatever :latest was
#   when each of them pulled it, so replicas of one Deployment can differ, a
#   rollback does not roll the code back, and imagePullPolicy defaults to Always.
# custom:
#   id: no-latest-tag
#   severity: error
#   remediation: Reference the image by a version tag (app:1.4.2) or by digest (app@sha256:...).
package podlint.policies.no_latest_tag

import data.podlint.lib

deny contains {"msg": msg, "path": array.concat(c.path, ["image"])} if {
	some c in lib.containers
	is_string(c.container.image)
	lib.image_tag(c.container.image) == "latest"
	msg := sprintf("%s container %q uses image %q, which is (or defaults to) the mutable :latest tag", [c.kind, c.name, c.container.image])
}

# An explicit Always pull policy on a pinned image is harmless but worth a note:
# it makes every Pod start depend on the registry being up.
warn contains {"msg": msg, "path": array.concat(c.path, ["imagePullPolicy"])} if {
	some c in lib.containers
	is_string(c.container.image)
	lib.image_tag(c.container.image) != "latest"
	c.container.imagePullPolicy == "Always"
	msg := sprintf("%s container %q pulls its pinned image %q on every start (imagePullPolicy: Always)", [c.kind, c.name, c.container.image])
}
