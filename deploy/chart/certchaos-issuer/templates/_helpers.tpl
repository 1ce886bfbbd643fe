{{/*
Names, labels and the ServiceAccount's name, shared by every template.
*/}}

{{/* The chart's name, or nameOverride. */}}
{{- define "certchaos-issuer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's objects are named after it: fullnameOverride, else the release name when it
already contains the chart's name (`helm install certchaos-issuer ...` gives "certchaos-issuer"),
else "<release>-<name>". 52 characters at most, so that suffixes such as "-leader-election"
keep every name within 63.
*/}}
{{- define "certchaos-issuer.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<chart>-<version>", for the helm.sh/chart label. */}}
{{- define "certchaos-issuer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select the release's pods: never change them in an upgrade. */}}
{{- define "certchaos-issuer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "certchaos-issuer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The labels of every object of the release. */}}
{{- define "certchaos-issuer.labels" -}}
helm.sh/chart: {{ include "certchaos-issuer.chart" . }}
{{ include "certchaos-issuer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: certchaos
{{- end }}

{{/* The image's tag: image.tag, else the chart's appVersion. */}}
{{- define "certchaos-issuer.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The ServiceAccount the issuer runs as. */}}
{{- define "certchaos-issuer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "certchaos-issuer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: expected the name of an existing ServiceAccount when serviceAccount.create is false, found none; set --set serviceAccount.name=NAME or serviceAccount.create=true" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The runner's (ChaosRun controller's) objects: "certchaos-runner" where the release's name has
"certchaos-issuer" (so the default release makes deploy/manifests/runner.yaml's names), else
"<fullname>-runner".
*/}}
{{- define "certchaos-issuer.runnerFullname" -}}
{{- $full := include "certchaos-issuer.fullname" . }}
{{- if contains "certchaos-issuer" $full }}
{{- replace "certchaos-issuer" "certchaos-runner" $full }}
{{- else }}
{{- printf "%s-runner" $full | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The labels that select the runner's pods. */}}
{{- define "certchaos-issuer.runnerSelectorLabels" -}}
app.kubernetes.io/name: certchaos-runner
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The labels of the runner's objects. */}}
{{- define "certchaos-issuer.runnerLabels" -}}
helm.sh/chart: {{ include "certchaos-issuer.chart" . }}
{{ include "certchaos-issuer.runnerSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: certchaos
{{- end }}

{{/* The ServiceAccount the runner runs as. */}}
{{- define "certchaos-issuer.runnerServiceAccountName" -}}
{{- if .Values.runner.serviceAccount.create }}
{{- default (include "certchaos-issuer.runnerFullname" .) .Values.runner.serviceAccount.name }}
{{- else }}
{{- required "runner.serviceAccount.name: expected the name of an existing ServiceAccount when runner.serviceAccount.create is false, found none; set --set runner.serviceAccount.name=NAME or runner.serviceAccount.create=true" .Values.runner.serviceAccount.name }}
{{- end }}
{{- end }}
