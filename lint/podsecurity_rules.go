package lint

import (
	"k8s.io/pod-security-admission/policy"
)

// One rule per check of the Pod Security Standards, named after the check ID
// of k8s.io/pod-security-admission. The engine reports them itself (they need the
// whole input to know each namespace's level), so they have no Check.
var podSecurityRules = []*Rule{
	{ID: "pod-security-host-namespaces", Title: "Pod shares the node's network, PID or IPC namespace (baseline)", psaCheck: "hostNamespaces",
		Fields: []string{"hostNetwork", "hostPID", "hostIPC"},
		Doc: "Pod Security baseline forbids hostNetwork, hostPID and hostIPC: a Pod in the node's namespaces sees every process, " +
			"socket and shared-memory segment of the node and of its other Pods.",
		Remediation: "Remove hostNetwork, hostPID and hostIPC, or run the Pod in a namespace whose level is privileged."},
	{ID: "pod-security-privileged", Title: "Container is privileged (baseline)", psaCheck: "privileged",
		Fields: []string{"containers[*].securityContext.privileged"},
		Doc: "Pod Security baseline forbids privileged containers (init and ephemeral ones included): a privileged container has " +
			"every capability and every device of the node and is not confined by seccomp or AppArmor.",
		Remediation: "Remove securityContext.privileged or set it to false; add only the capabilities the process needs."},
	{ID: "pod-security-capabilities-baseline", Title: "Container adds a capability outside the default set (baseline)", psaCheck: "capabilities_baseline",
		Fields: []string{"containers[*].securityContext.capabilities.add"},
		Doc: "Pod Security baseline allows only the container runtime's default capabilities in securityContext.capabilities.add " +
			"(AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
		Remediation: "Remove the capability from securityContext.capabilities.add."},
	{ID: "pod-security-capabilities-restricted", Title: "Container does not drop ALL capabilities, or adds one other than NET_BIND_SERVICE (restricted)", psaCheck: "capabilities_restricted",
		Fields: []string{"containers[*].securityContext.capabilities.drop", "containers[*].securityContext.capabilities.add"},
		Doc: "Pod Security restricted (since v1.22) requires every container to drop ALL capabilities and to add back at most " +
			"NET_BIND_SERVICE. It replaces the baseline capabilities check at that level. Windows Pods are exempt since v1.25.",
		Remediation: "Set securityContext.capabilities.drop: [\"ALL\"] and add only NET_BIND_SERVICE if the process binds a port below 1024."},
	{ID: "pod-security-host-path-volumes", Title: "Pod mounts a hostPath volume (baseline)", psaCheck: "hostPathVolumes",
		Fields:      []string{"volumes[*].hostPath"},
		Doc:         "Pod Security baseline forbids hostPath volumes: they expose the node's file system to the Pod.",
		Remediation: "Use a persistentVolumeClaim, configMap, secret, emptyDir or CSI volume instead of hostPath."},
	{ID: "pod-security-host-ports", Title: "Container binds a host port (baseline)", psaCheck: "hostPorts",
		Fields:      []string{"containers[*].ports[*].hostPort"},
		Doc:         "Pod Security baseline forbids hostPort (other than 0): a host port binds the node's own address and limits where the Pod can be scheduled.",
		Remediation: "Remove hostPort and expose the Pod through a Service."},
	{ID: "pod-security-host-probes-and-host-lifecycle", Title: "Probe or lifecycle handler names a host (baseline)", psaCheck: "hostProbesAndHostLifecycle",
		Fields: []string{"containers[*].livenessProbe.httpGet.host", "containers[*].lifecycle.postStart.tcpSocket.host"},
		Doc: "Pod Security baseline (since v1.34) forbids the host field of httpGet and tcpSocket probes and lifecycle handlers: " +
			"the kubelet would connect from the node to any address the Pod's author chooses.",
		Remediation: "Remove the host field so that the kubelet connects to the Pod's own IP."},
	{ID: "pod-security-apparmor-profile", Title: "AppArmor profile is unconfined (baseline)", psaCheck: "appArmorProfile",
		Fields: []string{"securityContext.appArmorProfile.type", "containers[*].securityContext.appArmorProfile.type"},
		Doc: "Pod Security baseline allows only the RuntimeDefault and Localhost AppArmor profiles, in securityContext.appArmorProfile " +
			"and in the deprecated container.apparmor.security.beta.kubernetes.io annotations.",
		Remediation: "Set appArmorProfile.type to RuntimeDefault (or Localhost with a profile), or leave it unset."},
	{ID: "pod-security-selinux-options", Title: "SELinux options set a custom user, role or type (baseline)", psaCheck: "seLinuxOptions",
		Fields: []string{"securityContext.seLinuxOptions", "containers[*].securityContext.seLinuxOptions"},
		Doc: "Pod Security baseline forbids a custom SELinux user or role and allows only the container_t, container_init_t, " +
			"container_kvm_t and (since v1.31) container_engine_t types.",
		Remediation: "Remove seLinuxOptions.user and role and use an allowed type, or leave seLinuxOptions unset."},
	{ID: "pod-security-proc-mount", Title: "Container unmasks /proc (baseline)", psaCheck: "procMount",
		Fields: []string{"containers[*].securityContext.procMount"},
		Doc: "Pod Security baseline requires procMount Default, which masks sensitive parts of /proc. Since v1.35 a Pod with " +
			"its own user namespace (hostUsers: false) may use Unmasked.",
		Remediation: "Remove securityContext.procMount or set it to Default."},
	{ID: "pod-security-proc-mount-restricted", Title: "Container unmasks /proc (restricted)", psaCheck: "procMount_restricted",
		Fields: []string{"containers[*].securityContext.procMount"},
		Doc: "Pod Security restricted (since v1.35) requires procMount Default even for Pods with their own user namespace; " +
			"it replaces the baseline procMount check at that level.",
		Remediation: "Remove securityContext.procMount or set it to Default."},
	{ID: "pod-security-seccomp-profile-baseline", Title: "Seccomp profile is Unconfined (baseline)", psaCheck: "seccompProfile_baseline",
		Fields:      []string{"securityContext.seccompProfile.type", "containers[*].securityContext.seccompProfile.type"},
		Doc:         "Pod Security baseline forbids the Unconfined seccomp profile (and, before v1.19, the unconfined seccomp annotations).",
		Remediation: "Set seccompProfile.type to RuntimeDefault or Localhost, or leave it unset."},
	{ID: "pod-security-seccomp-profile-restricted", Title: "Seccomp profile is not RuntimeDefault or Localhost (restricted)", psaCheck: "seccompProfile_restricted",
		Fields: []string{"securityContext.seccompProfile.type", "containers[*].securityContext.seccompProfile.type"},
		Doc: "Pod Security restricted (since v1.19) requires the Pod, or every container, to set seccompProfile.type to RuntimeDefault " +
			"or Localhost; leaving it unset is not enough. Windows Pods are exempt since v1.25.",
		Remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault."},
	{ID: "pod-security-sysctls", Title: "Pod sets a sysctl outside the safe set (baseline)", psaCheck: "sysctls",
		Fields: []string{"securityContext.sysctls[*].name"},
		Doc: "Pod Security baseline allows only the namespaced sysctls known to be safe; the set grows with the policy version " +
			"(v1.27, v1.29, v1.32 and v1.37 added some).",
		Remediation: "Remove the sysctl, or raise the namespace's pod-security version if a newer policy allows it."},
	{ID: "pod-security-windows-host-process", Title: "Windows HostProcess container (baseline)", psaCheck: "windowsHostProcess",
		Fields:      []string{"securityContext.windowsOptions.hostProcess", "containers[*].securityContext.windowsOptions.hostProcess"},
		Doc:         "Pod Security baseline forbids Windows HostProcess containers, which run as processes on the node itself.",
		Remediation: "Remove windowsOptions.hostProcess or set it to false."},
	{ID: "pod-security-restricted-volumes", Title: "Volume type outside the restricted set (restricted)", psaCheck: "restrictedVolumes",
		Fields: []string{"volumes[*]"},
		Doc: "Pod Security restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, " +
			"projected and secret volumes; it replaces the baseline hostPath check at that level.",
		Remediation: "Use one of the allowed volume types, such as a persistentVolumeClaim backed by the storage the volume used."},
	{ID: "pod-security-allow-privilege-escalation", Title: "Container does not set allowPrivilegeEscalation: false (restricted)", psaCheck: "allowPrivilegeEscalation",
		Fields: []string{"containers[*].securityContext.allowPrivilegeEscalation"},
		Doc: "Pod Security restricted requires every container to set securityContext.allowPrivilegeEscalation to false, so that " +
			"setuid binaries and file capabilities cannot raise privileges. Windows Pods are exempt since v1.25.",
		Remediation: "Set securityContext.allowPrivilegeEscalation: false in every container."},
	{ID: "pod-security-run-as-non-root", Title: "Pod may run as root (restricted)", psaCheck: "runAsNonRoot",
		Fields: []string{"securityContext.runAsNonRoot", "containers[*].securityContext.runAsNonRoot"},
		Doc: "Pod Security restricted requires runAsNonRoot: true, set on the Pod or on every container, and not false anywhere. " +
			"Since v1.35 a Pod with its own user namespace (hostUsers: false) is exempt.",
		Remediation: "Set spec.securityContext.runAsNonRoot: true and run the image as a non-zero UID."},
	{ID: "pod-security-run-as-user", Title: "Pod runs as UID 0 (restricted)", psaCheck: "runAsUser",
		Fields: []string{"securityContext.runAsUser", "containers[*].securityContext.runAsUser"},
		Doc: "Pod Security restricted (since v1.23) forbids runAsUser: 0 on the Pod and its containers. Since v1.35 a Pod with " +
			"its own user namespace (hostUsers: false) is exempt.",
		Remediation: "Set runAsUser to a non-zero UID, or remove it and let the image's user apply."},
}

func init() {
	for _, r := range podSecurityRules {
		r.Category = CategoryPodSecurity
		r.Severity = SeverityError
	}
}

// PodSecurityRules returns the rules of the Pod Security Standards checks.
func PodSecurityRules() []*Rule { return append([]*Rule(nil), podSecurityRules...) }

// PodSecurityRule returns the rule of a Pod Security check ID, or nil.
func PodSecurityRule(id policy.CheckID) *Rule {
	for _, r := range podSecurityRules {
		if r.psaCheck == id {
			return r
		}
	}
	return nil
}

// PodSecurityCheck returns the check ID of a pod-security rule ID, or "".
func PodSecurityCheck(ruleID string) string {
	for _, r := range podSecurityRules {
		if r.ID == ruleID {
			return string(r.psaCheck)
		}
	}
	return ""
}
