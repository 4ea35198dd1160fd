package podlint.policies.init_non_root_test

import data.podlint.policies.init_non_root

pod(sc, init) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
	"securityContext": sc,
	"initContainers": [init],
	"containers": [{"name": "app", "image": "x"}],
}}

test_unset_denied if {
	some f in init_non_root.deny with input as pod({}, {"name": "migrate", "image": "x"})
	f.path == ["spec", "initContainers", 0]
}

test_pod_level_non_root if {
	count(init_non_root.deny) == 0 with input as pod({"runAsNonRoot": true}, {"name": "migrate", "image": "x"})
}

test_container_user if {
	count(init_non_root.deny) == 0 with input as pod({}, {"name": "migrate", "image": "x", "securityContext": {"runAsUser": 1000}})
}

test_container_root_overrides_pod if {
	some f in init_non_root.deny with input as pod({"runAsUser": 1000}, {"name": "migrate", "image": "x", "securityContext": {"runAsUser": 0}})
	f.path == ["spec", "initContainers", 0, "securityContext", "runAsUser"]
}

test_app_containers_ignored if {
	obj := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "x"}]}}
	count(init_non_root.deny) == 0 with input as obj
}
