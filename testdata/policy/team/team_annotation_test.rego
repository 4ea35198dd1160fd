package org.team_annotation_test

import data.org.team_annotation

test_known_team if {
	count(team_annotation.deny) == 0 with input as {"metadata": {"annotations": {"example.com/team": "search"}}}
}

test_unknown_team if {
	some f in team_annotation.deny with input as {"metadata": {"annotations": {"example.com/team": "growth"}}}
	f.path == "metadata.annotations[example.com/team]"
}
