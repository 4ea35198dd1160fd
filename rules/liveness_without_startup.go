package rules

import (
	"fmt"

	"github.com/podlint/podlint/lint"
)

var livenessWithoutStartup = &lint.Rule{
	ID:       "liveness-without-startup",
	Category: lint.CategoryPractice,
	Severity: lint.SeverityWarning,
	Title:    "Slow-starting images need a startupProbe or initialDelaySeconds before liveness",
	Doc: "A liveness probe starts as soon as the container starts, unless a startupProbe is defined (liveness then waits until it passes) " +
		"or initialDelaySeconds delays it. With the defaults (every 10 s, 3 failures) a container has about 30 s to start answering. " +
		"JVM applications and databases (Java, Tomcat, Elasticsearch, Keycloak, Jenkins, MySQL, PostgreSQL, MongoDB...) often need longer, " +
		"especially on a cold node or after a crash with recovery to do; the kubelet kills them before they are up, and they restart in a loop " +
		"(CrashLoopBackOff) without ever starting. " +
		"Default severity: warning. The rule judges start-up time from the image name, which cannot be certain, so it is not an error; " +
		"but the failure it predicts is a restart loop that appears only on a slow node or after a crash, which testing rarely shows. " +
		"Set it to info in .podlint.yaml when start-up times are measured.",
	Remediation: "Add a startupProbe (same check, failureThreshold x periodSeconds covering the worst start-up time) so liveness only starts once the application is up.",
	Fields:      []string{"containers[*].image", "containers[*].livenessProbe", "containers[*].startupProbe"},
	Check: func(p *lint.Pass) {
		for _, c := range containers(p) {
			if !hooksAndProbesAllowed(c) || c.LivenessProbe == nil || c.StartupProbe != nil || c.LivenessProbe.InitialDelaySeconds > 0 {
				continue
			}
			name := imageName(c.Image)
			if !slowImages[name] {
				continue
			}
			p.Report(c.Path.Child("livenessProbe"), "", nil,
				fmt.Sprintf("%q is usually slow to start, but the livenessProbe starts at once (no startupProbe, initialDelaySeconds 0): if start-up takes longer than the probe tolerates, the kubelet kills the container before it is up, over and over", c.Image),
				"")
		}
	},
}

// slowImages are images (repository names) known to take long to start: JVMs and databases.
var slowImages = setOf(
	"java", "openjdk", "eclipse-temurin", "amazoncorretto", "ibmjava", "ibm-semeru-runtimes", "tomcat", "jetty", "wildfly",
	"elasticsearch", "opensearch", "logstash", "solr", "kafka", "zookeeper", "cassandra", "neo4j",
	"mysql", "mariadb", "postgres", "postgresql", "mongo", "mongodb", "sonarqube", "jenkins", "keycloak", "nexus3",
)
