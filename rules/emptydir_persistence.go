package rules

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlint/podlint/lint"
)

var emptyDirPersistence = &lint.Rule{
	ID:       "emptydir-persistence",
	Category: lint.CategoryPractice,
	Severity: lint.SeverityInfo,
	Title:    "emptyDir data does not outlive its Pod",
	Doc: "An emptyDir is created empty when its Pod is scheduled to a node and deleted with the Pod: it survives container restarts, " +
		"but not Pod deletion, eviction, rescheduling or a rolling update, which all create a new Pod with a new, empty directory. " +
		"(A volume with no source at all is defaulted to an emptyDir.) Data meant to persist across Pod rebuilds needs a PersistentVolumeClaim. " +
		"This rule points at emptyDir mounts where persistence is likely expected: any emptyDir mount in a StatefulSet (or a Pod it controls) " +
		"outside scratch paths such as /tmp, and an emptyDir mounted at a well-known database data directory (/var/lib/mysql, " +
		"/var/lib/postgresql, /data/db, /var/lib/redis, ...). It reports once per volume, however many containers mount it, since the fix is one change. " +
		"Default severity: info. Whether data must persist is the author's intent, which the manifest does not state; caches and " +
		"rebuildable indexes live on emptyDir by design, so a guess about intent stays a note.",
	Remediation: "Store the data on a PersistentVolumeClaim: volumeClaimTemplates in a StatefulSet, a persistentVolumeClaim volume otherwise.",
	Fields: []string{
		"volumes[*].emptyDir",
		"initContainers[*].volumeMounts[*].mountPath", "containers[*].volumeMounts[*].mountPath",
	},
	Check: func(p *lint.Pass) {
		stateful := controlledByStatefulSet(p.Object)
		vols := podVolumes(p.Object)
		// One finding per volume, however many containers mount it: the fix (a
		// claim instead of the emptyDir) is one change to the volume.
		type mount struct {
			c    container
			j    int
			path string
			db   string
		}
		byVolume := map[string][]mount{}
		var order []string
		for _, c := range containers(p) {
			if c.Kind == ephemeralContainer {
				continue
			}
			for j, m := range c.VolumeMounts {
				v := vols[m.Name]
				if v == nil || !isEmptyDir(v) {
					continue
				}
				db := databaseDir(m.MountPath)
				if db == "" && (!stateful || scratchDir(m.MountPath) || v.EmptyDir != nil && v.EmptyDir.Medium == corev1.StorageMediumMemory) {
					continue
				}
				if _, seen := byVolume[m.Name]; !seen {
					order = append(order, m.Name)
				}
				byVolume[m.Name] = append(byVolume[m.Name], mount{c: c, j: j, path: m.MountPath, db: db})
			}
		}
		for _, name := range order {
			ms := byVolume[name]
			first := ms[0]
			for _, m := range ms {
				if m.db != "" {
					first = m
					break
				}
			}
			var others []string
			for _, m := range ms {
				if m != first {
					others = append(others, fmt.Sprintf("%s %q at %s", m.c.Kind, m.c.Name, m.path))
				}
			}
			also := ""
			if len(others) > 0 {
				also = " (also mounted by " + strings.Join(others, ", ") + ")"
			}
			mountPath := first.c.Path.Child("volumeMounts").Index(first.j).Child("mountPath")
			hint := fmt.Sprintf("Mount a PersistentVolumeClaim at %s (a persistentVolumeClaim volume, or volumeClaimTemplates if this runs as a StatefulSet).", first.path)
			if stateful {
				hint = fmt.Sprintf("Add a volumeClaimTemplates entry to the StatefulSet and mount that claim at %s instead of emptyDir volume %q.", first.path, name)
			}
			if first.db != "" {
				p.Report(mountPath, "", first.path,
					fmt.Sprintf("%s %q keeps %s on emptyDir volume %q, which looks like a database data directory (%s); the data is lost whenever the Pod is deleted, evicted or rescheduled%s",
						first.c.Kind, first.c.Name, first.path, name, first.db, also), hint)
				continue
			}
			p.Report(mountPath, "", first.path,
				fmt.Sprintf("StatefulSet %s %q mounts emptyDir volume %q at %s; it is not part of the Pod's stable storage and starts empty in every new Pod%s",
					first.c.Kind, first.c.Name, name, first.path, also), hint)
		}
	},
}

// controlledByStatefulSet reports whether the object is a StatefulSet or a Pod whose controller is one.
func controlledByStatefulSet(o *lint.Object) bool {
	if o.Ref.Kind == "StatefulSet" {
		return true
	}
	if !o.IsPod() {
		return false
	}
	for _, ref := range o.Meta.OwnerReferences {
		if ref.Controller != nil && *ref.Controller && ref.Kind == "StatefulSet" {
			return true
		}
	}
	return false
}

// databaseDirs are the data directories of common database and stateful server images.
var databaseDirs = []string{
	"/var/lib/mysql", "/var/lib/postgresql", "/var/lib/pgsql", "/var/lib/mongodb", "/data/db", "/data/configdb",
	"/var/lib/redis", "/var/lib/cassandra", "/var/lib/elasticsearch", "/usr/share/elasticsearch/data",
	"/usr/share/opensearch/data", "/var/lib/rabbitmq", "/var/lib/etcd", "/var/lib/influxdb", "/var/lib/influxdb2",
	"/var/lib/clickhouse", "/var/lib/neo4j", "/opt/couchdb/data", "/var/lib/couchdb", "/var/opt/mssql",
	"/var/lib/zookeeper", "/var/lib/kafka", "/cockroach/cockroach-data", "/bitnami",
}

// scratchDirs hold data nobody expects to keep.
var scratchDirs = []string{"/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm", "/var/cache"}

func databaseDir(p string) string { return underAny(p, databaseDirs) }

func scratchDir(p string) bool { return underAny(p, scratchDirs) != "" }

// underAny returns the first of dirs that p equals or lies under, or "".
func underAny(p string, dirs []string) string {
	p = path.Clean(p)
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return d
		}
	}
	return ""
}
