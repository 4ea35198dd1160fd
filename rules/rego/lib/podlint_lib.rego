# METADATA
# title: podlint policy library
# description: |
#   Helpers that work for every kind podlint checks, so that a policy is written
#   once for Pods, workloads with a pod template and CronJobs alike. Paths are
#   arrays of keys and indices from the object's root, ready for a finding's path.
package podlint.lib

# Where each kind keeps its pod spec; the same table as podlint's built-in rules.
_spec_paths := {
	"Pod": ["spec"],
	"Deployment": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

# pod_spec_path is the path of the object's pod spec: ["spec"] for a Pod,
# ["spec", "template", "spec"] for a workload, five keys for a CronJob.
pod_spec_path := _spec_paths[input.kind]

# pod_spec is the object's pod spec; undefined when it has none. Plain references
# (rather than object.get with pod_spec_path) keep it cheap: every policy uses it.
pod_spec := s if {
	input.kind == "Pod"
	s := input.spec
	is_object(s)
}

pod_spec := s if {
	_spec_paths[input.kind] == ["spec", "template", "spec"]
	s := input.spec.template.spec
	is_object(s)
}

pod_spec := s if {
	input.kind == "CronJob"
	s := input.spec.jobTemplate.spec.template.spec
	is_object(s)
}

# pod_metadata_path is the path of the pod's metadata (the template's for a workload).
pod_metadata_path := array.concat(array.slice(pod_spec_path, 0, count(pod_spec_path) - 1), ["metadata"])

# pod_metadata is the pod's metadata; an empty object when it has none.
pod_metadata := m if {
	m := object.get(input, pod_metadata_path, {})
	is_object(m)
} else := {}

# containers is every container of the pod, each an object with
#   kind: "app", "init", "sidecar" (an init container with restartPolicy: Always)
#         or "ephemeral";
#   name: the container's name ("" when it has none);
#   container: the container as written;
#   path: its path, e.g. ["spec", "template", "spec", "initContainers", 0].
containers contains _container("app", pod_spec_path, "containers", i, c) if {
	some i, c in pod_spec.containers
	is_object(c)
}

containers contains _container(_init_kind(c), pod_spec_path, "initContainers", i, c) if {
	some i, c in pod_spec.initContainers
	is_object(c)
}

containers contains _container("ephemeral", pod_spec_path, "ephemeralContainers", i, c) if {
	some i, c in pod_spec.ephemeralContainers
	is_object(c)
}

_container(kind, base, field, i, c) := {
	"kind": kind,
	"name": object.get(c, "name", ""),
	"container": c,
	"path": array.concat(base, [field, i]),
}

# A restartable init container is a sidecar: it keeps running beside the app containers.
_init_kind(c) := "sidecar" if c.restartPolicy == "Always"
else := "init"

# image_registry is the registry host of an image reference; "docker.io" when
# the reference names none, as the container runtime assumes.
image_registry(image) := host if {
	parts := split(image, "/")
	count(parts) > 1
	_is_host(parts[0])
	host := parts[0]
} else := "docker.io"

# The first segment names a host when it has a dot or a port, or is localhost.
_is_host(s) if contains(s, ".")

_is_host(s) if contains(s, ":")

_is_host("localhost")

# image_tag is the tag of an image reference: "" when a digest pins it, and
# "latest" when it names no tag, as the container runtime assumes.
image_tag(image) := tag if {
	not contains(image, "@")
	last := _last_segment(image)
	contains(last, ":")
	tag := substring(last, indexof(last, ":") + 1, -1)
} else := "" if {
	contains(image, "@")
} else := "latest"

_last_segment(image) := s if {
	parts := split(image, "/")
	s := parts[count(parts) - 1]
}
