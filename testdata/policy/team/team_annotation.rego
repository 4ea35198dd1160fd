# METADATA
# title: Objects name their owning team
# description: The on-call rota is looked up by the example.com/team annotation.
# custom:
#   id: team-annotation
#   severity: warning
#   remediation: Set the annotation example.com/team to the owning team's name.
package org.team_annotation

teams := {"payments", "search"}

# A field path string works as well as an array of keys.
deny contains {"msg": "object has no example.com/team annotation", "path": "metadata"} if {
	not input.metadata.annotations["example.com/team"]
}

deny contains {"msg": sprintf("team %q is not one of %v", [team, sort(teams)]), "path": "metadata.annotations[example.com/team]"} if {
	team := input.metadata.annotations["example.com/team"]
	not team in teams
}
