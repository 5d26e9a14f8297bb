{{/* Names, labels and the environment shared by every govmesh workload. */}}

{{- define "govmesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "govmesh.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "govmesh.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "govmesh.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: govmesh
{{- end }}

{{- define "govmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "govmesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The following take a dict: root (the top context), name (the service), svc (its values). */}}

{{- define "govmesh.componentName" -}}
{{- printf "%s-%s" (include "govmesh.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "govmesh.componentLabels" -}}
{{ include "govmesh.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "govmesh.componentSelector" -}}
{{ include "govmesh.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* The Strimzi KafkaUser (and so SCRAM user and credentials Secret) of a principal. */}}
{{- define "govmesh.kafkaUser" -}}
{{- printf "%s-%s" (include "govmesh.fullname" .root) .principal | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "govmesh.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Refuse a service the image does not have: `python -m govmesh.<name>` would not start. */}}
{{- define "govmesh.checkService" -}}
{{- $known := list "ingest" "validator" "eligibility" "contracts" "executor" "auditor" "health" "console" }}
{{- if not (has . $known) }}
{{- fail (printf "services.%s: unknown govmesh service (known: %s)" . (join ", " $known)) }}
{{- end }}
{{- end }}

{{- define "govmesh.checkMigrationMode" -}}
{{- if not (has .Values.migrations.mode (list "hook" "initContainer")) }}
{{- fail (printf "migrations.mode must be hook or initContainer, not %q" .Values.migrations.mode) }}
{{- end }}
{{- end }}

{{/* Settings of the migration step: only what `python -m govmesh.<name> migrate` reads. */}}
{{- define "govmesh.migrationEnv" -}}
- name: GOVMESH_PRINCIPAL
  value: {{ .name | quote }}
- name: GOVMESH_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.database.existingSecret | quote }}
      key: {{ .name | quote }}
- name: GOVMESH_DEV_MODE
  value: "false"
- name: GOVMESH_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- end }}

{{/* GOVMESH_* settings of a running service (libs/mesh/settings.py). */}}
{{- define "govmesh.env" -}}
- name: GOVMESH_PRINCIPAL
  value: {{ .name | quote }}
- name: GOVMESH_KAFKA_BOOTSTRAP
  value: {{ .root.Values.kafka.bootstrap | quote }}
- name: GOVMESH_TOPIC_PREFIX
  value: {{ .root.Values.topicPrefix | quote }}
- name: GOVMESH_KEYS_DIR
  value: {{ .root.Values.signingKeys.mountPath | quote }}
- name: GOVMESH_HTTP_HOST
  value: "0.0.0.0"
- name: GOVMESH_HTTP_PORT
  value: {{ .root.Values.http.port | quote }}
- name: GOVMESH_DEV_MODE
  value: "false"
- name: GOVMESH_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- if .svc.stateful }}
- name: GOVMESH_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.database.existingSecret | quote }}
      key: {{ .name | quote }}
{{- end }}
{{- if .root.Values.kafka.auth.enabled }}
- name: GOVMESH_KAFKA_SECURITY_PROTOCOL
  value: {{ .root.Values.kafka.auth.securityProtocol | quote }}
- name: GOVMESH_KAFKA_SASL_MECHANISM
  value: {{ .root.Values.kafka.auth.saslMechanism | quote }}
- name: GOVMESH_KAFKA_SASL_USERNAME
  value: {{ include "govmesh.kafkaUser" (dict "root" .root "principal" .name) | quote }}
- name: GOVMESH_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "govmesh.kafkaUser" (dict "root" .root "principal" .name) | quote }}
      key: password
{{- end }}
{{- range $var, $ref := .svc.secretEnv }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName | quote }}
      key: {{ $ref.key | quote }}
{{- end }}
{{- with .svc.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "govmesh.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end }}
