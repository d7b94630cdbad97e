{{/*
Names are cut to 63 characters because the Service name becomes a DNS label.
*/}}
{{- define "owner-webhook.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "owner-webhook.fullname" -}}
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

{{- define "owner-webhook.selectorLabels" -}}
app.kubernetes.io/name: {{ include "owner-webhook.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "owner-webhook.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "owner-webhook.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kapi-examples
{{- end }}

{{/* The Secret of the serving certificate: tls.crt, tls.key and ca.crt, as cert-manager writes it too. */}}
{{- define "owner-webhook.tlsSecretName" -}}
{{- printf "%s-tls" (include "owner-webhook.fullname" .) }}
{{- end }}

{{/*
The names the API server verifies the serving certificate against: it calls a
Service as <name>.<namespace>.svc, and the other forms serve clients in the cluster.
*/}}
{{- define "owner-webhook.dnsNames" -}}
{{- $svc := include "owner-webhook.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- toJson (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain)) }}
{{- end }}

{{/*
The generated CA and serving certificate, as Secret data. An existing Secret's
CA is kept, so that the caBundle registered with the API server stays valid
across upgrades; its serving certificate is kept unless the names it must carry
changed (recorded in an annotation) or it was removed to force a renewal.
Memoised in .Values: the Secret and the webhook configurations include it, and
each generation would otherwise yield a different CA.
*/}}
{{- define "owner-webhook.generatedTls" -}}
{{- if not (hasKey .Values "__ownerWebhookTls") }}
{{- $dns := include "owner-webhook.dnsNames" . | fromJsonArray }}
{{- $digest := join "," $dns | sha256sum }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "owner-webhook.tlsSecretName" .) }}
{{- $found := dict }}
{{- $previousDigest := "" }}
{{- if $existing }}
{{- $found = $existing.data | default dict }}
{{- $previousDigest = index ($existing.metadata.annotations | default dict) "kapi.example/dns-names-sha256" | default "" }}
{{- end }}
{{- $data := dict }}
{{- $ca := dict }}
{{- $caReused := and (hasKey $found "ca.crt") (hasKey $found "ca.key") }}
{{- if $caReused }}
{{- $ca = buildCustomCert (index $found "ca.crt") (index $found "ca.key") }}
{{- $_ := set $data "ca.crt" (index $found "ca.crt") }}
{{- $_ := set $data "ca.key" (index $found "ca.key") }}
{{- else }}
{{- $ca = genCA (printf "%s-ca" (include "owner-webhook.fullname" .)) (int .Values.tls.generated.caValidityDays) }}
{{- $_ := set $data "ca.crt" ($ca.Cert | b64enc) }}
{{- $_ := set $data "ca.key" ($ca.Key | b64enc) }}
{{- end }}
{{- if and $caReused (hasKey $found "tls.crt") (hasKey $found "tls.key") (eq $previousDigest $digest) }}
{{- $_ := set $data "tls.crt" (index $found "tls.crt") }}
{{- $_ := set $data "tls.key" (index $found "tls.key") }}
{{- else }}
{{- $serving := genSignedCert (index $dns 2) nil $dns (int .Values.tls.generated.certValidityDays) $ca }}
{{- $_ := set $data "tls.crt" ($serving.Cert | b64enc) }}
{{- $_ := set $data "tls.key" ($serving.Key | b64enc) }}
{{- end }}
{{- $_ := set .Values "__ownerWebhookTls" (dict "data" $data "digest" $digest) }}
{{- end }}
{{- toJson (get .Values "__ownerWebhookTls") }}
{{- end }}

{{/*
A webhook's clientConfig: the Service and path, and the caBundle unless
cert-manager's cainjector fills it. Argument: dict "root" $ "path" "<path>".
*/}}
{{- define "owner-webhook.clientConfig" -}}
service:
  namespace: {{ .root.Release.Namespace }}
  name: {{ include "owner-webhook.fullname" .root }}
  path: {{ .path }}
  port: {{ .root.Values.service.port }}
{{- if not .root.Values.tls.certManager.enabled }}
caBundle: {{ index (include "owner-webhook.generatedTls" .root | fromJson).data "ca.crt" }}
{{- end }}
{{- end }}

{{- define "owner-webhook.configurationMetadata" -}}
name: {{ include "owner-webhook.fullname" . }}
labels:
  {{- include "owner-webhook.labels" . | nindent 2 }}
{{- if .Values.tls.certManager.enabled }}
annotations:
  # cert-manager's cainjector writes the serving certificate's CA into every caBundle.
  cert-manager.io/inject-ca-from: {{ printf "%s/%s" .Release.Namespace (include "owner-webhook.fullname" .) }}
{{- end }}
{{- end }}
