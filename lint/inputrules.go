package lint

// Rules the engine reports itself while reading input; they have no Check.
// The rules package lists them with the others, so they are documented,
// configurable and suppressible the same way.
var (
	RuleYAMLSyntax = &Rule{
		ID: "yaml-syntax", Category: CategoryInput, Severity: SeverityError,
		Title:       "Document is not valid YAML or JSON",
		Doc:         "The document cannot be parsed, so nothing in it can be checked and kubectl would refuse the whole file. Common causes are tabs used for indentation, an unclosed quote or bracket, and a key and a list item at the same indentation.",
		Remediation: "Fix the syntax at the reported line; the other documents of the file are checked regardless.",
	}
	RuleFileUnreadable = &Rule{
		ID: "file-unreadable", Category: CategoryInput, Severity: SeverityError,
		Title:       "File or stream cannot be read",
		Doc:         "The file could not be opened or read to the end (permissions, a broken symlink or a symlink loop, a stream that failed), or it is not UTF-8 text (a binary file, UTF-16, Latin-1). Objects in it are not checked. Files that a directory walk finds and that are not text are skipped with a note instead.",
		Remediation: "Make the file readable, or leave it out of the paths given to podlint.",
	}
	RuleMissingKind = &Rule{
		ID: "missing-kind", Category: CategoryInput, Severity: SeverityError,
		Title:       "Document is not a Kubernetes object",
		Doc:         "Every Kubernetes object names its apiVersion and kind at the top level; the API server cannot even route a document without them. A document whose top level is a list or a plain value is not an object either.",
		Remediation: "Add apiVersion and kind at the top level of the document (for a Pod: `apiVersion: v1` and `kind: Pod`).",
	}
	RuleInputLimit = &Rule{
		ID: "input-limit", Category: CategoryInput, Severity: SeverityError,
		Title:       "Input exceeds a safety limit",
		Doc:         "podlint bounds its input so that hostile or broken input (billion-laughs aliases, gigabyte lines, millions of documents) fails fast instead of exhausting memory: the size of a file (64 MiB, --max-file-size) and of a document or line (8 MiB, --max-document-size), the documents in one stream (10,000, --max-documents), the objects in one run (100,000, --max-objects), the YAML nodes in one document (250,000, --max-nodes), nesting depth (256), the length of one value (1 MiB) and the expansion of YAML aliases and merge keys (1,048,576 nodes or 16 MiB of JSON per document). The finding names the limit; what the limit stopped is not checked and counts as unreadable.",
		Remediation: "Split the input, remove runaway aliases, or raise the limit with the flag the finding names if the input is legitimate.",
	}
	RuleUnknownField = &Rule{
		ID: "unknown-field", Category: CategoryAPI, Severity: SeverityError,
		Title:       "Field does not exist in the object's schema",
		Doc:         "kubectl validates strictly by default (--validate=strict), so the API server rejects an object with a field its type does not have. Most unknown fields are typos (imagePulPolicy) or indentation slips: a `name:` that fell out of `metadata:` becomes an unknown top-level field, and the object also loses its name.",
		Remediation: "Correct the field's spelling or indentation, or remove it.",
		AutoFix:     "Renames a field with exactly one close spelling among the valid fields (imagePulPolicy becomes imagePullPolicy). Otherwise, when exactly one object field takes the name (name at the top level belongs under metadata), moves the key with its whole value and the comments inside it to the end of that mapping, re-indented. No fix when several fields or list items could take it, when the target is missing or already has the field, or in flow-style mappings.",
	}
	RuleDuplicateField = &Rule{
		ID: "duplicate-field", Category: CategoryAPI, Severity: SeverityError,
		Title:       "Same key twice in one mapping of a JSON document",
		Doc:         "A JSON body sent as written (curl, a client library posting the file, an API request built by hand) is decoded strictly by the API server, which rejects an object in which a key repeats (kubectl's default --validate=strict asks for the same). In a YAML document the repeated key is reported by duplicate-key instead, as kubectl and Helm convert YAML with sigs.k8s.io/yaml, which keeps the last value and sends an object without the repetition.",
		Remediation: "Remove the duplicate key, keeping the value you mean.",
	}
	RuleDuplicateKey = &Rule{
		ID: "duplicate-key", Category: CategoryLifecycle, Severity: SeverityWarning,
		Title:       "Same key twice in one YAML mapping: the earlier value is silently discarded",
		Doc:         "kubectl, Helm and every client that converts YAML to JSON with sigs.k8s.io/yaml keep the last value of a repeated key and drop the others without a word, so the API server never sees the repetition and creates the object. The discarded value is usually the one somebody edited (a second image: or env: added further down, a merge that duplicated a block), so the object runs with a value its author did not mean. podlint judges the object with the kept value and reports the discarded one, naming the line of the value that wins.",
		Remediation: "Remove one of the two keys, keeping the value you mean.",
		AutoFix:     "Removes the discarded key when both values are equal, so the object the API server receives is unchanged. Different values need the author's choice and get no fix.",
	}
	RuleInvalidType = &Rule{
		ID: "invalid-type", Category: CategoryAPI, Severity: SeverityError,
		Title:       "Value has the wrong type",
		Doc:         "The API server decodes the object into typed Go structures and rejects a value of the wrong type: a number where a string is expected (unquoted label values such as `version: 1` or `enabled: yes`, which YAML 1.1 reads as a number and a boolean), a single object where a list is expected, or a quantity or time that does not parse.",
		Remediation: "Give the value the expected type; quote values that must stay strings.",
		AutoFix:     "Quotes a bare number or boolean where a string is required (labels, annotations, env values, ...), keeping the text as written (version: 1.10 becomes \"1.10\", not 1.1), with the quote the file uses most. Other type errors get no fix.",
	}
	RuleAPIVersion = &Rule{
		ID: "api-version", Category: CategoryAPI, Severity: SeverityError,
		Title:       "Kind is not served under this apiVersion",
		Doc:         "Workload kinds moved to stable groups long ago: Deployments, DaemonSets and ReplicaSets under extensions/v1beta1 or apps/v1beta1/v1beta2 were removed in Kubernetes 1.16, CronJob under batch/v1beta1 in 1.25. A kind under a group that never served it (apps/v1 Pod) is rejected as well.",
		Remediation: "Use the apiVersion podlint names (apps/v1, batch/v1 or v1) and adjust fields that changed with it.",
		AutoFix:     "Sets the served apiVersion for a kind under a removed one when nothing else has to change: every field exists in the new version, the selector apps/v1 requires is written out, and no changed default alters what the Pods do (an extensions/v1beta1 DaemonSet or apps/v1beta1 StatefulSet must name its updateStrategy, which defaulted to OnDelete). Rollout bookkeeping defaults (revisionHistoryLimit, progressDeadlineSeconds) become apps/v1's. A kind under a group that never served it gets no fix.",
	}
)

// InputRules lists the rules the engine reports while reading input.
func InputRules() []*Rule {
	return []*Rule{RuleYAMLSyntax, RuleFileUnreadable, RuleMissingKind, RuleInputLimit, RuleUnknownField, RuleDuplicateField, RuleDuplicateKey, RuleInvalidType, RuleAPIVersion}
}
