#!/usr/bin/env python3
# Regenerates rules/testdata/pod-security/{latest,v1.33,v1.22}.yaml:
#   python3 scripts/pod-security-fixtures.py rules/testdata/pod-security
# Writes rules/testdata/pod-security/<version>.yaml. Expected findings are written
# from the Pod Security Standards' version history, not read from podlint.
import sys
out_dir = sys.argv[1]
versions = {"latest": 37, "v1.33": 33, "v1.22": 22}

def pod(name, ns, spec_extra="", psc_extra="", csc_extra="", c_extra="", csc=True, psc=True, meta_extra=""):
    s = f"""---
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {ns}
{meta_extra}spec:
{spec_extra}"""
    if psc:
        s += f"""  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
{psc_extra}"""
    s += f"""  containers:
    - name: app
      image: registry.example/app:1.0
{c_extra}"""
    if csc:
        s += f"""      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
{csc_extra}"""
    return s

def w(rule, path, on=True):
    return f" # want: {rule} {path}" if on else ""

for ver, minor in versions.items():
    b, r = "baseline-" + ver.replace(".", "-"), "restricted-" + ver.replace(".", "-")
    docs = [f"""# Every Pod Security check at {ver}: each Pod breaks one check of its namespace's level.
apiVersion: v1
kind: Namespace
metadata:
  name: {b}
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/enforce-version: {ver}
---
apiVersion: v1
kind: Namespace
metadata:
  name: {r}
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: {ver}
"""]
    P = "spec"
    C = "spec.containers[0]"
    # baseline
    docs.append(pod("host-pid", b, spec_extra=f"  hostPID: true{w('pod-security-host-namespaces', P+'.hostPID')}\n"))
    # The API server defaults a Pod's hostPort to its containerPort under hostNetwork.
    docs.append(pod("host-network", b, spec_extra=f"  hostNetwork: true{w('pod-security-host-namespaces', P+'.hostNetwork')}\n", c_extra=f"""      ports:
        - containerPort: 80{w('pod-security-host-ports', C+'.ports[0].hostPort')}
"""))
    # A privileged container always can escalate: the API server refuses allowPrivilegeEscalation: false beside it.
    docs.append(pod("privileged", b, csc_extra=f"        privileged: true{w('pod-security-privileged', C+'.securityContext.privileged')}\n").replace("        allowPrivilegeEscalation: false\n        capabilities:\n          drop: [ALL]\n        privileged", "        privileged"))
    docs.append(pod("cap-sys-admin", b, csc_extra=f"""          add:
            - SYS_ADMIN{w('pod-security-capabilities-baseline', C+'.securityContext.capabilities.add[0]')}
""".replace("        capabilities:\n", "")))
    docs.append(pod("host-path", b, spec_extra=f"""  volumes:
    - name: root
      hostPath:{w('pod-security-host-path-volumes', P+'.volumes[0].hostPath')}
        path: /
"""))
    docs.append(pod("host-port", b, c_extra=f"""      ports:
        - containerPort: 80
          hostPort: 8080{w('pod-security-host-ports', C+'.ports[0].hostPort')}
"""))
    docs.append(pod("probe-host", b, c_extra=f"""      readinessProbe:
        httpGet:
          host: 10.0.0.1{w('pod-security-host-probes-and-host-lifecycle', C+'.readinessProbe.httpGet.host', minor >= 34)}
          port: 8080
"""))
    docs.append(pod("apparmor", b, psc_extra=f"""    appArmorProfile:
      type: Unconfined{w('pod-security-apparmor-profile', P+'.securityContext.appArmorProfile.type')}
"""))
    docs.append(pod("selinux-spc", b, csc_extra=f"""        seLinuxOptions:{w('pod-security-selinux-options', C+'.securityContext.seLinuxOptions')}
          type: spc_t
"""))
    docs.append(pod("selinux-engine", b, csc_extra=f"""        seLinuxOptions:{w('pod-security-selinux-options', C+'.securityContext.seLinuxOptions', minor < 31)}
          type: container_engine_t
"""))
    docs.append(pod("proc-unmasked", b, csc_extra=f"        procMount: Unmasked{w('pod-security-proc-mount', C+'.securityContext.procMount')}\n"))
    docs.append(pod("proc-unmasked-userns", b, spec_extra="  hostUsers: false\n",
                    csc_extra=f"        procMount: Unmasked{w('pod-security-proc-mount', C+'.securityContext.procMount', minor < 35)}\n"))
    docs.append(pod("seccomp-unconfined", b, csc_extra=f"""        seccompProfile:
          type: Unconfined{w('pod-security-seccomp-profile-baseline', C+'.securityContext.seccompProfile.type')}
"""))
    docs.append(pod("sysctls", b, psc_extra=f"""    sysctls:
      - name: kernel.msgmax{w('pod-security-sysctls', P+'.securityContext.sysctls[0].name')}
        value: "65536"
      - name: net.ipv4.tcp_notsent_lowat{w('pod-security-sysctls', P+'.securityContext.sysctls[1].name', minor < 37)}
        value: "16384"
"""))
    # HostProcess Pods must use the host network, which baseline forbids too.
    docs.append(pod("host-process", b, spec_extra=f"  hostNetwork: true{w('pod-security-host-namespaces', P+'.hostNetwork')}\n", psc_extra=f"""    windowsOptions:
      hostProcess: true{w('pod-security-windows-host-process', P+'.securityContext.windowsOptions.hostProcess')}
"""))
    # restricted
    docs.append(pod("volume-nfs", r, spec_extra=f"""  volumes:
    - name: share
      nfs:{w('pod-security-restricted-volumes', P+'.volumes[0].nfs')}
        server: nfs.example
        path: /export
"""))
    docs.append(pod("volume-host-path", r, spec_extra=f"""  volumes:
    - name: root
      hostPath:{w('pod-security-restricted-volumes', P+'.volumes[0].hostPath')}
        path: /
"""))
    # No container securityContext at all: allowPrivilegeEscalation and the capability drop are missing.
    both = f" # want: pod-security-allow-privilege-escalation {C}.securityContext.allowPrivilegeEscalation; pod-security-capabilities-restricted {C}.securityContext.capabilities.drop"
    docs.append(pod("no-container-context", r, csc=False).replace("    - name: app\n", "    - name: app" + both + "\n"))
    # A Windows Pod is exempt from allowPrivilegeEscalation and capabilities since v1.25.
    # (No pod-level seccompProfile: the API server forbids it for a windows Pod.)
    windows_wants = both + f"; pod-security-seccomp-profile-restricted {C}.securityContext.seccompProfile" if minor < 25 else ""
    docs.append(pod("windows", r, psc=False, spec_extra="  os:\n    name: windows\n  securityContext:\n    runAsNonRoot: true\n", csc=False).replace("    - name: app\n", "    - name: app" + windows_wants + "\n"))
    docs.append(pod("run-as-root", r, psc=False, spec_extra=f"""  securityContext:
    runAsNonRoot: false{w('pod-security-run-as-non-root', P+'.securityContext.runAsNonRoot')}
    seccompProfile:
      type: RuntimeDefault
"""))
    docs.append(pod("uid-0", r, csc_extra=f"        runAsUser: 0{w('pod-security-run-as-user', C+'.securityContext.runAsUser', minor >= 23)}\n"))
    docs.append(pod("uid-0-userns", r, spec_extra="  hostUsers: false\n",
                    csc_extra=f"        runAsUser: 0{w('pod-security-run-as-user', C+'.securityContext.runAsUser', 23 <= minor < 35)}\n"))
    docs.append(pod("no-seccomp", r, psc=False, spec_extra="""  securityContext:
    runAsNonRoot: true
""", csc_extra="").replace("      securityContext:\n        allowPrivilegeEscalation", f"      securityContext:{w('pod-security-seccomp-profile-restricted', C+'.securityContext.seccompProfile')}\n        allowPrivilegeEscalation"))
    docs.append(pod("cap-net-raw", r, csc_extra=f"""          add:
            - NET_RAW{w('pod-security-capabilities-restricted', C+'.securityContext.capabilities.add[0]')}
            - NET_BIND_SERVICE
"""))
    docs.append(pod("proc-unmasked-userns", r, spec_extra="  hostUsers: false\n",
                    csc_extra=f"        procMount: Unmasked{w('pod-security-proc-mount-restricted' if minor >= 35 else 'pod-security-proc-mount', C+'.securityContext.procMount')}\n"))
    docs.append(pod("compliant", r))
    open(f"{out_dir}/{ver}.yaml", "w").write("".join(docs))
