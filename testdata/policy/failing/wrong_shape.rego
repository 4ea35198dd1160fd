# METADATA
# custom:
#   id: wrong-shape
package org.wrong_shape

# Returns a number where {"msg": ..., "path": [...]} belongs.
deny contains count(input.spec.containers) if input.kind == "Pod"
