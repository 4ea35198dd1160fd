package manifest

import (
	"fmt"
	"strings"
	"time"
)

// suggestField proposes what an unknown field name was meant to be: a near-miss
// spelling of a valid field, or a valid field of a child object (the classic
// indentation slip, where `name:` falls out of `metadata:`).
func suggestField(s *shape, name string) string {
	if best := nearest(name, s.names); best != "" {
		return fmt.Sprintf("Did you mean %q?", best)
	}
	homes := homesOf(s, name, "")
	if len(homes) == 0 {
		// Two levels down: `image:` that fell out of a container under spec.
		for _, parent := range s.names {
			if child := objectElem(s.fields[parent]); child != nil && parent != "status" {
				homes = append(homes, homesOf(child, name, parent+".")...)
			}
		}
	}
	switch len(homes) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("%q is a field of %q: indent it under %s.", name, homes[0], homes[0])
	}
	list := quoteList(homes)
	if len(homes) > 3 {
		list = quoteList(homes[:3]) + " and others"
	}
	return fmt.Sprintf("%q is a field of %s: indent it under the one you mean.", name, list)
}

// objectHome returns the one place under s where name is a field, when exactly
// one object (not a list, whose item would be a guess) takes it: "metadata",
// "template.spec". Empty otherwise.
func objectHome(s *shape, name string) string {
	homes := homesOf(s, name, "")
	if len(homes) == 0 {
		for _, parent := range s.names {
			if child := objectElem(s.fields[parent]); child != nil && parent != "status" {
				homes = append(homes, homesOf(child, name, parent+".")...)
			}
		}
	}
	if len(homes) != 1 {
		return ""
	}
	cur := s
	for _, part := range strings.Split(homes[0], ".") {
		if cur = cur.fields[part]; cur == nil || cur.kind != shapeObject {
			return ""
		}
	}
	return homes[0]
}

// homesOf lists the fields of s whose object (or list of objects) has a field name.
func homesOf(s *shape, name, prefix string) []string {
	var homes []string
	for _, parent := range s.names {
		if parent == "status" {
			continue // written by Kubernetes, never by users
		}
		if child := objectElem(s.fields[parent]); child != nil {
			if _, ok := child.fields[name]; ok {
				homes = append(homes, prefix+parent)
			}
		}
	}
	return homes
}

// objectElem returns the object shape of s, or of its items when s is a list.
func objectElem(s *shape) *shape {
	if s.kind == shapeArray {
		s = s.elem
	}
	if s.kind != shapeObject {
		return nil
	}
	return s
}

// Nearest returns the candidate closest to name by edit distance, if it is close
// enough to be a typo, or a case-insensitive match. It is used for field names
// and for enumerated values (restartPolicy: Onfalure -> OnFailure).
func Nearest(name string, candidates []string) string { return nearest(name, candidates) }

func nearest(name string, candidates []string) string {
	lower := strings.ToLower(name)
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if strings.ToLower(c) == lower {
			return c
		}
		d := editDistance(lower, strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 1 + len(name)/4
	if limit > 3 {
		limit = 3
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment) distance,
// so a swapped pair of letters counts as one edit.
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func parseRFC3339(s string) (time.Time, error) { return time.Parse(time.RFC3339, s) }
