package podlint.policies.allowed_registries_test

import data.podlint.policies.allowed_registries

pod(image) := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": image}]}}

test_allowed_registry if {
	count(allowed_registries.deny) == 0 with input as pod("registry.example.com/team/app:1.2.3")
}

test_allowed_namespace if {
	count(allowed_registries.deny) == 0 with input as pod("ghcr.io/example/app:1.2.3")
}

test_docker_hub_denied if {
	some f in allowed_registries.deny with input as pod("nginx:1.27")
	f.path == ["spec", "containers", 0, "image"]
	contains(f.msg, "docker.io")
}

test_lookalike_host_denied if {
	count(allowed_registries.deny) == 1 with input as pod("registry.example.com.evil.io/app:1")
}

test_cronjob_init_container if {
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
		"initContainers": [{"name": "migrate", "image": "quay.io/x/migrate:1"}],
		"containers": [{"name": "app", "image": "registry.example.com/app:1"}],
	}}}}}}
	some f in allowed_registries.deny with input as cj
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "image"]
}
