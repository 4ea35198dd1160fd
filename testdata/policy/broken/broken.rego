# METADATA
# custom:
#   severity: fatal
package org.broken

deny contains {"msg": msg} if {
	msg := concat(", ", 42)
}
