package podlint.policies.no_latest_tag_test

import data.podlint.policies.no_latest_tag

pod(c) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [c]}}

test_untagged_denied if {
	count(no_latest_tag.deny) == 1 with input as pod({"name": "a", "image": "nginx"})
}

test_latest_denied if {
	count(no_latest_tag.deny) == 1 with input as pod({"name": "a", "image": "registry.example.com:5000/nginx:latest"})
}

test_registry_port_is_not_a_tag if {
	count(no_latest_tag.deny) == 1 with input as pod({"name": "a", "image": "registry.example.com:5000/nginx"})
}

test_version_allowed if {
	count(no_latest_tag.deny) == 0 with input as pod({"name": "a", "image": "nginx:1.27.3"})
}

test_digest_allowed if {
	count(no_latest_tag.deny) == 0 with input as pod({"name": "a", "image": "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
}

test_always_pull_warns if {
	some f in no_latest_tag.warn with input as pod({"name": "a", "image": "nginx:1.27.3", "imagePullPolicy": "Always"})
	f.path == ["spec", "containers", 0, "imagePullPolicy"]
}
