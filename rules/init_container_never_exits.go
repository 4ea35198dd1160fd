package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/podlint/podlint/lint"
)

var initContainerNeverExits = &lint.Rule{
	ID:       "init-container-never-exits",
	Category: lint.CategoryLifecycle,
	Severity: lint.SeverityWarning,
	Title:    "A regular init container that never exits blocks the Pod",
	Doc: "Regular init containers run one at a time and each must exit 0 before the next one, and then the app containers, can start. " +
		"One that never exits (a server image run with its default command, such as nginx, redis or postgres, or a command like " +
		"sleep infinity, tail -f /dev/null or an endless while loop) keeps the Pod in Init and Pending forever; the API server cannot see this. " +
		"A process meant to run next to the app containers belongs in containers, or in a sidecar (an init container with restartPolicy: Always).",
	Remediation: "Give the init container a command that finishes, or move it to containers or make it a sidecar with restartPolicy: Always.",
	Fields:      []string{"initContainers[*].image", "initContainers[*].command", "initContainers[*].args", "initContainers[*].restartPolicy"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if c.Kind != initContainer {
				continue
			}
			if len(c.Command) == 0 && len(c.Args) == 0 {
				if name := imageName(c.Image); serverImages[name] {
					p.Report(c.Path.Child("image"), "", c.Image,
						fmt.Sprintf("%q is a server image and no command or args are set, so the init container runs the server, which does not exit: the Pod stays in Init forever", c.Image),
						"")
				}
				continue
			}
			argv := append(append([]string(nil), c.Command...), c.Args...)
			why := endless(shellScript(argv))
			if why == "" {
				continue
			}
			at := c.Path.Child("command")
			if len(c.Command) == 0 {
				at = c.Path.Child("args")
			}
			p.Report(at, "", nil,
				fmt.Sprintf("the init container runs %s, which never exits: init containers must finish before the Pod can start, so it stays in Init forever", why),
				"")
		}
	},
}

// serverImages are images whose default command starts a long-running server.
var serverImages = setOf(
	"nginx", "nginx-unprivileged", "httpd", "apache", "caddy", "traefik", "haproxy", "envoy",
	"redis", "valkey", "memcached", "postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb",
	"cassandra", "couchdb", "neo4j", "influxdb", "elasticsearch", "opensearch", "kibana", "rabbitmq",
	"kafka", "zookeeper", "nats", "etcd", "consul", "tomcat", "jetty", "wildfly", "jenkins",
	"sonarqube", "keycloak", "grafana", "prometheus", "registry", "wordpress", "ghost", "gitea", "nextcloud",
)

var (
	endlessTail = regexp.MustCompile(`(?:^|[\s;&|(/])tail\s+(?:[^;&|]*\s)?(?:-[a-zA-Z]*[fF][a-zA-Z]*|--follow\S*)(?:$|\s)`)
	endlessLoop = regexp.MustCompile(`(?:^|[\s;&|(])(?:while\s+(?:true|:|\[\s*1\s*\])|until\s+false)\s*;?\s*do\b`)
	loopExit    = regexp.MustCompile(`\b(?:break|exit|return)\b`)
)

// endless describes an obviously endless command, or returns "".
func endless(script string) string {
	switch {
	case sleepInfinity.MatchString(script):
		return "sleep infinity"
	case endlessTail.MatchString(script) && !strings.Contains(script, "--pid"):
		return "tail -f"
	case endlessLoop.MatchString(script) && !loopExit.MatchString(script):
		return "an endless loop with no break or exit"
	}
	return ""
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
