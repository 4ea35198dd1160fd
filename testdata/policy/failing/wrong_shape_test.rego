package org.wrong_shape_test

import data.org.wrong_shape

# Fails: the policy denies every Pod.
test_allows_pods if {
	count(wrong_shape.deny) == 0 with input as {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
}

test_ignores_deployments if {
	count(wrong_shape.deny) == 0 with input as {"kind": "Deployment"}
}
