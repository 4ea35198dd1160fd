package rules

import (
	"fmt"
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlint/podlint/lint"
)

// volumeSourceFields lists VolumeSource's JSON names in the order the API server
// counts them: a second source is reported under its own name. The API server
// spells the path of a second downwardAPI source "downwarAPI"; it is kept here so
// findings land on the same path.
var volumeSourceFields = []struct{ goName, jsonName, reportAs string }{
	{"EmptyDir", "emptyDir", "emptyDir"}, {"HostPath", "hostPath", "hostPath"}, {"GitRepo", "gitRepo", "gitRepo"},
	{"GCEPersistentDisk", "gcePersistentDisk", "gcePersistentDisk"}, {"AWSElasticBlockStore", "awsElasticBlockStore", "awsElasticBlockStore"},
	{"Secret", "secret", "secret"}, {"NFS", "nfs", "nfs"}, {"ISCSI", "iscsi", "iscsi"}, {"Glusterfs", "glusterfs", "glusterfs"},
	{"Flocker", "flocker", "flocker"}, {"PersistentVolumeClaim", "persistentVolumeClaim", "persistentVolumeClaim"}, {"RBD", "rbd", "rbd"},
	{"Cinder", "cinder", "cinder"}, {"CephFS", "cephfs", "cephFS"}, {"Quobyte", "quobyte", "quobyte"}, {"DownwardAPI", "downwardAPI", "downwarAPI"},
	{"FC", "fc", "fc"}, {"FlexVolume", "flexVolume", "flexVolume"}, {"ConfigMap", "configMap", "configMap"}, {"AzureFile", "azureFile", "azureFile"},
	{"VsphereVolume", "vsphereVolume", "vsphereVolume"}, {"PhotonPersistentDisk", "photonPersistentDisk", "photonPersistentDisk"},
	{"PortworxVolume", "portworxVolume", "portworxVolume"}, {"AzureDisk", "azureDisk", "azureDisk"}, {"StorageOS", "storageos", "storageos"},
	{"Projected", "projected", "projected"}, {"ScaleIO", "scaleIO", "scaleIO"}, {"CSI", "csi", "csi"}, {"Ephemeral", "ephemeral", "ephemeral"},
	{"Image", "image", "image"},
}

var hostPathTypes = []string{"", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"}

var volumeSource = &lint.Rule{
	ID:       "volume-source",
	Category: lint.CategoryAPI,
	Severity: lint.SeverityError,
	Title:    "Volumes need a DNS-label name and exactly one well-formed source",
	Doc: "Each Pod volume needs a name that is a DNS label (containers mount it by that name) and exactly one source: emptyDir, " +
		"configMap, secret, persistentVolumeClaim, hostPath, projected, downwardAPI, ... (with none, the API server defaults to emptyDir). " +
		"The source must be complete: a configMap needs its name, a secret its secretName, a persistentVolumeClaim its claimName and a " +
		"hostPath a path without '..' and a supported type. File modes are octal between 0 and 0777, items need a key and a " +
		"relative path without '..', and a projected service account token expires after 10 minutes at the earliest. A volume that fails " +
		"these checks is not known to the Pod, so every mount of it is rejected as well. In a StatefulSet, a volumeClaimTemplate replaces the template " +
		"volume of the same name.",
	Remediation: "Name the volume with a DNS label and give it exactly one complete source.",
	Fields:      []string{"volumes[*]"},
	Check: func(p *lint.Pass) {
		base := p.Object.PodSpecPath.Child("volumes")
		invalid, valid := map[string]bool{}, map[string]bool{}
		// A StatefulSet's claim templates replace template volumes of the same name
		// before validation, so those are not checked. The API server also puts the
		// claim volumes first, shifting its indexes; podlint keeps the manifest's own
		// index so the finding points at the right volume (see parity/KNOWN.md).
		claims := claimTemplateNames(p.Object)
		for i := range p.Object.PodSpec.Volumes {
			v := &p.Object.PodSpec.Volumes[i]
			if claims[v.Name] {
				continue
			}
			vp := base.Index(i)
			n := 0
			report := func(path *field.Path, typ field.ErrorType, bad any, msg, hint string) {
				n++
				p.Report(path, typ, bad, msg, hint)
			}
			if v.Name == "" {
				report(vp.Child("name"), field.ErrorTypeRequired, nil, "volume has no name, so no container can mount it", "Give the volume a name.")
			} else if msgs := validation.IsDNS1123Label(v.Name); len(msgs) > 0 {
				report(vp.Child("name"), field.ErrorTypeInvalid, v.Name, fmt.Sprintf("volume name %q is not a DNS label: %s", v.Name, strings.Join(msgs, "; ")), suggestLabel("name", v.Name))
			}
			checkVolumeSource(p, &v.VolumeSource, v.Name, vp, report)
			if n > 0 && v.Name != "" {
				invalid[v.Name] = true
			} else if n == 0 {
				valid[v.Name] = true
			}
		}
		for name := range valid {
			delete(invalid, name)
		}
		if len(invalid) == 0 {
			return
		}
		// The API server leaves invalid volumes out of the Pod's volume set, so
		// mounts of them fail as mounts of an unknown volume.
		for _, c := range containers(p) {
			for j, m := range c.VolumeMounts {
				if invalid[m.Name] {
					p.Report(c.Path.Child("volumeMounts").Index(j).Child("name"), field.ErrorTypeNotFound, m.Name,
						fmt.Sprintf("volumeMount names volume %q, which the API server does not accept (see the errors on the volume), so there is nothing to mount", m.Name),
						"Fix the volume's definition.")
				}
			}
		}
	},
}

type reportFunc func(path *field.Path, typ field.ErrorType, bad any, msg, hint string)

func checkVolumeSource(p *lint.Pass, src *corev1.VolumeSource, volName string, vp *field.Path, report reportFunc) {
	rv := reflect.ValueOf(src).Elem()
	first := ""
	for _, f := range volumeSourceFields {
		fv := rv.FieldByName(f.goName)
		if !fv.IsValid() || fv.IsNil() {
			continue
		}
		if first != "" {
			report(vp.Child(f.reportAs), field.ErrorTypeForbidden, nil,
				fmt.Sprintf("may not specify more than 1 volume type: this volume is already a %s volume", first), fmt.Sprintf("Move %s into a volume of its own.", f.jsonName))
			continue
		}
		first = f.jsonName
	}
	mode := func(m *int32, path *field.Path, max int32) {
		if m != nil && (*m < 0 || *m > max) {
			report(path, field.ErrorTypeInvalid, *m, fmt.Sprintf("file mode %#o is out of range: it must be an octal value between 0 and %#o (YAML 0644, JSON decimal 420)", *m, max), "")
		}
	}
	items := func(kps []corev1.KeyToPath, path *field.Path) {
		for i, kp := range kps {
			ip := path.Index(i)
			if kp.Key == "" {
				report(ip.Child("key"), field.ErrorTypeRequired, nil, "item needs the key to project", "")
			}
			if kp.Path == "" {
				report(ip.Child("path"), field.ErrorTypeRequired, nil, "item needs the relative path to write the key to", "")
			}
			checkLocalPath(kp.Path, ip.Child("path"), true, report)
			mode(kp.Mode, ip.Child("mode"), 0777)
		}
	}
	switch first {
	case "rbd":
		// Still validated although the kubelet no longer has the plugin (removed-volume-plugin).
		if len(src.RBD.CephMonitors) == 0 {
			report(vp.Child("rbd", "monitors"), field.ErrorTypeRequired, nil, "an rbd volume needs the Ceph monitors", "")
		}
		if src.RBD.RBDImage == "" {
			report(vp.Child("rbd", "image"), field.ErrorTypeRequired, nil, "an rbd volume needs the image name", "")
		}
	case "emptyDir":
		if q := src.EmptyDir.SizeLimit; q != nil && q.Sign() < 0 {
			report(vp.Child("emptyDir", "sizeLimit"), field.ErrorTypeForbidden, nil, "emptyDir sizeLimit may not be negative", "")
		}
	case "hostPath":
		hp := src.HostPath
		if hp.Path == "" {
			report(vp.Child("hostPath", "path"), field.ErrorTypeRequired, nil, "hostPath needs the path on the node to mount", "")
			break
		}
		checkNoBacksteps(hp.Path, vp.Child("hostPath", "path"), report)
		if hp.Type != nil && !contains(hostPathTypes, string(*hp.Type)) {
			report(vp.Child("hostPath", "type"), field.ErrorTypeNotSupported, string(*hp.Type),
				fmt.Sprintf("unsupported hostPath type %q (supported: %s)", *hp.Type, quoted(hostPathTypes[1:])), "")
		}
	case "secret":
		s := src.Secret
		if s.SecretName == "" {
			report(vp.Child("secret", "secretName"), field.ErrorTypeRequired, nil, "a secret volume needs the secretName of the Secret to mount", "")
		}
		mode(s.DefaultMode, vp.Child("secret", "defaultMode"), 0777)
		items(s.Items, vp.Child("secret", "items"))
	case "configMap":
		c := src.ConfigMap
		if c.Name == "" {
			report(vp.Child("configMap", "name"), field.ErrorTypeRequired, nil, "a configMap volume needs the name of the ConfigMap to mount", "")
		}
		mode(c.DefaultMode, vp.Child("configMap", "defaultMode"), 0777)
		items(c.Items, vp.Child("configMap", "items"))
	case "nfs":
		n := src.NFS
		if n.Server == "" {
			report(vp.Child("nfs", "server"), field.ErrorTypeRequired, nil, "an nfs volume needs the server to mount from", "")
		}
		if n.Path == "" {
			report(vp.Child("nfs", "path"), field.ErrorTypeRequired, nil, "an nfs volume needs the exported path", "")
		}
		if !path.IsAbs(n.Path) {
			report(vp.Child("nfs", "path"), field.ErrorTypeInvalid, n.Path, fmt.Sprintf("nfs path %q must be an absolute path", n.Path), "")
		}
	case "csi":
		d := src.CSI.Driver
		switch {
		case d == "":
			report(vp.Child("csi", "driver"), field.ErrorTypeRequired, nil, "a csi volume needs the driver name", "")
		case len(d) > 63:
			report(vp.Child("csi", "driver"), field.ErrorTypeTooLong, d, "a CSI driver name may not be more than 63 bytes", "")
		default:
			if msgs := validation.IsDNS1123Subdomain(strings.ToLower(d)); len(msgs) > 0 {
				report(vp.Child("csi", "driver"), field.ErrorTypeInvalid, d, fmt.Sprintf("CSI driver name %q is not a DNS subdomain: %s", d, strings.Join(msgs, "; ")), "")
			}
		}
	case "ephemeral":
		e := src.Ephemeral
		if e.VolumeClaimTemplate == nil {
			report(vp.Child("ephemeral", "volumeClaimTemplate"), field.ErrorTypeRequired, nil, "an ephemeral volume needs a volumeClaimTemplate", "")
		} else {
			checkClaimSpec(p, &e.VolumeClaimTemplate.Spec, vp.Child("ephemeral", "volumeClaimTemplate", "spec"), report)
		}
		// The claim is named <pod>-<volume>; only a Pod's own name is known here.
		if p.Object.IsPod() && p.Object.Meta.Name != "" && volName != "" {
			claim := p.Object.Meta.Name + "-" + volName
			if msgs := validation.IsDNS1123Subdomain(claim); len(msgs) > 0 {
				report(vp.Child("name"), field.ErrorTypeInvalid, volName, fmt.Sprintf("the ephemeral volume's claim would be named %q, which is not a valid name: %s", claim, strings.Join(msgs, "; ")), "")
			}
		}
	case "persistentVolumeClaim":
		if src.PersistentVolumeClaim.ClaimName == "" {
			report(vp.Child("persistentVolumeClaim", "claimName"), field.ErrorTypeRequired, nil, "a persistentVolumeClaim volume needs the claimName of the claim to mount", "")
		}
	case "downwardAPI":
		d := src.DownwardAPI
		mode(d.DefaultMode, vp.Child("downwardAPI", "defaultMode"), 0777)
		for _, f := range d.Items {
			checkDownwardFile(p, &f, vp.Child("downwardAPI"), report, mode)
		}
	case "projected":
		pr := src.Projected
		pp := vp.Child("projected")
		mode(pr.DefaultMode, pp.Child("defaultMode"), 0777)
		for i, s := range pr.Sources {
			sp := pp.Child("sources").Index(i)
			if s.Secret != nil {
				if s.Secret.Name == "" {
					report(sp.Child("secret", "name"), field.ErrorTypeRequired, nil, "a projected secret needs the Secret's name", "")
				}
				items(s.Secret.Items, sp.Child("secret", "items"))
			}
			if s.ConfigMap != nil {
				if s.ConfigMap.Name == "" {
					report(sp.Child("configMap", "name"), field.ErrorTypeRequired, nil, "a projected configMap needs the ConfigMap's name", "")
				}
				items(s.ConfigMap.Items, sp.Child("configMap", "items"))
			}
			if s.DownwardAPI != nil {
				for _, f := range s.DownwardAPI.Items {
					checkDownwardFile(p, &f, sp.Child("downwardAPI"), report, mode)
				}
			}
			if t := s.ServiceAccountToken; t != nil {
				tp := sp.Child("serviceAccountToken")
				// Validation refuses it on a Pod without serviceAccountName (templates keep
				// accepting it), but the ServiceAccount admission plugin, on by default,
				// sets serviceAccountName: default on every Pod but a mirror Pod before
				// validation runs, so only a mirror Pod is refused.
				if p.Object.IsPod() && isMirrorPod(p.Object) {
					report(tp, field.ErrorTypeForbidden, nil, "a mirror Pod cannot use a projected service account token: the ServiceAccount admission plugin gives mirror Pods no service account", "Leave the token out of static Pods.")
				}
				// expirationSeconds defaults to one hour.
				if e := t.ExpirationSeconds; e != nil && *e < 600 {
					report(tp.Child("expirationSeconds"), field.ErrorTypeInvalid, *e, "a projected service account token may not expire in less than 10 minutes", "")
				} else if e != nil && *e > 1<<32 {
					report(tp.Child("expirationSeconds"), field.ErrorTypeInvalid, *e, "a projected service account token may not last longer than 2^32 seconds", "")
				}
				// The API server reports the token's path at the projected volume level.
				if t.Path == "" {
					report(pp.Child("path"), field.ErrorTypeRequired, nil, "a projected service account token needs the path to write it to", "")
				} else {
					checkLocalPath(t.Path, pp.Child("path"), true, report)
				}
			}
		}
	}
}

func checkDownwardFile(p *lint.Pass, f *corev1.DownwardAPIVolumeFile, dp *field.Path, report reportFunc, mode func(*int32, *field.Path, int32)) {
	if f.Path == "" {
		report(dp.Child("path"), field.ErrorTypeRequired, nil, "a downward API file needs the relative path to write to", "")
	}
	checkLocalPath(f.Path, dp.Child("path"), true, report)
	switch {
	case f.FieldRef != nil:
		checkFieldRef(p, f.FieldRef, dp.Child("fieldRef"), volumeFieldPaths, report)
		if f.ResourceFieldRef != nil {
			report(dp, field.ErrorTypeInvalid, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously", "")
		}
	case f.ResourceFieldRef != nil:
		rr := f.ResourceFieldRef
		rp := dp.Child("resourceFieldRef")
		switch {
		case rr.ContainerName == "":
			report(rp.Child("containerName"), field.ErrorTypeRequired, nil, "a volume's resourceFieldRef must name the container whose resources it reads", "")
		case rr.Resource == "":
			report(rp.Child("resource"), field.ErrorTypeRequired, nil, "resourceFieldRef needs the resource to read, e.g. limits.memory", "")
		case !contains(envResourceFields, rr.Resource) && !strings.HasPrefix(rr.Resource, "requests.hugepages-") && !strings.HasPrefix(rr.Resource, "limits.hugepages-"):
			report(rp.Child("resource"), field.ErrorTypeNotSupported, rr.Resource, fmt.Sprintf("unsupported resource %q (supported: %s)", rr.Resource, quoted(envResourceFields)), "")
		}
		if !rr.Divisor.IsZero() {
			checkDivisor(p, rr.Resource, rr.Divisor, rp.Child("divisor"))
		}
	default:
		report(dp, field.ErrorTypeRequired, nil, "a downward API file needs one of fieldRef and resourceFieldRef", "")
	}
	mode(f.Mode, dp.Child("mode"), 0777)
}

// checkLocalPath: a path inside a volume must be relative and must not climb out
// with '..'; file paths may not start with '..' at all.
func checkLocalPath(s string, p *field.Path, nonReserved bool, report reportFunc) {
	if path.IsAbs(s) {
		report(p, field.ErrorTypeInvalid, s, fmt.Sprintf("path %q must be relative: it is resolved inside the volume", s), "")
	}
	checkNoBacksteps(s, p, report)
	if nonReserved && strings.HasPrefix(s, "..") && !strings.HasPrefix(s, "../") {
		report(p, field.ErrorTypeInvalid, s, fmt.Sprintf("path %q must not start with '..'", s), "")
	}
}

func checkNoBacksteps(s string, p *field.Path, report reportFunc) {
	for _, part := range strings.Split(s, "/") {
		if part == ".." {
			report(p, field.ErrorTypeInvalid, s, fmt.Sprintf("path %q must not contain '..'", s), "")
			return
		}
	}
}

// isMirrorPod reports whether the object is a mirror Pod, which the ServiceAccount
// admission plugin leaves without a service account.
func isMirrorPod(o *lint.Object) bool {
	if o.Meta == nil {
		return false
	}
	_, ok := o.Meta.Annotations[mirrorPodAnnotation]
	return ok
}
