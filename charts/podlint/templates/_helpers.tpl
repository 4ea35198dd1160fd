{{- define "podlint.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "podlint.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "podlint.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "podlint.tlsMode" -}}
{{- $mode := .Values.tls.mode -}}
{{- if not (has $mode (list "selfManaged" "certManager" "secret")) -}}
{{- fail (printf "tls.mode %q: want selfManaged, certManager or secret" $mode) -}}
{{- end -}}
{{- $mode -}}
{{- end -}}

{{- define "podlint.tlsSecret" -}}
{{- if eq (include "podlint.tlsMode" .) "secret" -}}
{{ required "tls.secretName is required with tls.mode secret" .Values.tls.secretName }}
{{- else -}}
{{ include "podlint.fullname" . }}-tls
{{- end -}}
{{- end -}}
