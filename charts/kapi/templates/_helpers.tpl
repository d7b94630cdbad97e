{{/*
Names are cut to 63 characters because Service names become DNS labels.
*/}}
{{- define "kapi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kapi.fullname" -}}
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

{{- define "kapi.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* A component's resource name. Argument: dict "root" $ "component" "<name>". */}}
{{- define "kapi.componentName" -}}
{{- printf "%s-%s" (include "kapi.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The front door Service keeps the bare release name, since it is the one address
users type.
*/}}
{{- define "kapi.frontDoorName" -}}
{{- include "kapi.fullname" . }}
{{- end }}

{{/* Argument: dict "root" $ "component" "<name>". */}}
{{- define "kapi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kapi.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Argument: dict "root" $ "component" "<name>". */}}
{{- define "kapi.labels" -}}
helm.sh/chart: {{ include "kapi.chart" .root }}
{{ include "kapi.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: kapi
{{- end }}

{{/*
Each backend's gRPC port, fixed so that every environment (local stack and
cluster) uses the same numbers.
*/}}
{{- define "kapi.grpcPort" -}}
{{- get (dict "authn" 50051 "authz" 50052 "admission" 50053 "registry" 50054 "watch-cache" 50055) . }}
{{- end }}

{{/* The values key of a component: watch-cache lives under watchCache. */}}
{{- define "kapi.valuesKey" -}}
{{- get (dict "watch-cache" "watchCache") . | default . }}
{{- end }}

{{/*
A backend's address as the gRPC clients want it. One DNS name of a headless
Service resolves to every ready pod, and the clients balance round-robin over
all of them.
*/}}
{{- define "kapi.backendAddress" -}}
{{- printf "%s.%s.svc:%s" (include "kapi.componentName" .) .root.Release.Namespace (include "kapi.grpcPort" .component) }}
{{- end }}

{{- define "kapi.etcdEndpoints" -}}
{{- if .Values.etcd.enabled }}
{{- $name := include "kapi.componentName" (dict "root" . "component" "etcd") }}
{{- $members := list }}
{{- range $i := until (int .Values.etcd.replicas) }}
{{- $members = append $members (printf "http://%s-%d.%s.%s.svc:2379" $name $i $name $.Release.Namespace) }}
{{- end }}
{{- join "," $members }}
{{- else }}
{{- join "," .Values.etcd.externalEndpoints }}
{{- end }}
{{- end }}

{{/*
TLS to an external etcd: "true" when the registry gets the Secret of
etcd.externalTls, empty otherwise; refuses settings that cannot work.
*/}}
{{- define "kapi.externalEtcdTls" -}}
{{- $etcd := .Values.etcd }}
{{- if $etcd.externalTls.secretName }}
{{- if $etcd.enabled }}
{{- fail "etcd.externalTls is for an external etcd: set etcd.enabled=false and etcd.externalEndpoints" }}
{{- end }}
{{- range $etcd.externalEndpoints }}
{{- if not (hasPrefix "https://" .) }}
{{- fail (printf "etcd.externalTls is set but etcd.externalEndpoints has %s: use https:// endpoints" .) }}
{{- end }}
{{- end }}
{{- "true" }}
{{- end }}
{{- end }}

{{- define "kapi.natsUrl" -}}
{{- if .Values.nats.enabled }}
{{- printf "nats://%s.%s.svc:4222" (include "kapi.componentName" (dict "root" . "component" "nats")) .Release.Namespace }}
{{- else }}
{{- .Values.nats.externalUrl }}
{{- end }}
{{- end }}

{{- define "kapi.pkiSecretName" -}}
{{- if .Values.pki.existingSecret }}
{{- .Values.pki.existingSecret }}
{{- else }}
{{- include "kapi.componentName" (dict "root" . "component" "pki") }}
{{- end }}
{{- end }}

{{- define "kapi.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The front door's names, which its serving certificate must carry: the Service
under every DNS form a client may use, the in-cluster kubernetes names (so kapi
can stand in for the cluster's own API server behind them), and localhost for
`kubectl port-forward`.
*/}}
{{- define "kapi.servingDnsNames" -}}
{{- $svc := include "kapi.frontDoorName" . }}
{{- $ns := .Release.Namespace }}
{{- $domain := .Values.clusterDomain }}
{{- $names := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns $domain) }}
{{- $names = concat $names (list "kubernetes" "kubernetes.default" "kubernetes.default.svc" (printf "kubernetes.default.svc.%s" $domain) "localhost") }}
{{- $names = concat $names .Values.pki.generated.extraDnsNames }}
{{- toJson (uniq $names) }}
{{- end }}

{{/*
The front door's addresses, which its serving certificate must carry so that a client
reaching the Service by address needs no server-name override: 127.0.0.1 (port-forward),
the Service's ClusterIP (aggregator.service.clusterIP, or the one the cluster assigned, read
back on upgrade), a LoadBalancer's ingress IPs, and with NodePort or LoadBalancer the nodes'
InternalIP and ExternalIP addresses (reading Nodes needs the right to list them).
*/}}
{{- define "kapi.servingIPs" -}}
{{- $service := .Values.aggregator.service }}
{{- $ips := list "127.0.0.1" }}
{{- with $service.clusterIP }}
{{- if ne . "None" }}{{ $ips = append $ips . }}{{ end }}
{{- end }}
{{- $existing := lookup "v1" "Service" .Release.Namespace (include "kapi.frontDoorName" .) }}
{{- if $existing }}
{{- $assigned := $existing.spec.clusterIP | default "None" }}
{{- if ne $assigned "None" }}{{ $ips = append $ips $assigned }}{{ end }}
{{- $status := $existing.status | default dict }}
{{- $lb := $status.loadBalancer | default dict }}
{{- range ($lb.ingress | default list) }}
{{- with .ip }}{{ $ips = append $ips . }}{{ end }}
{{- end }}
{{- end }}
{{- if ne $service.type "ClusterIP" }}
{{- $nodes := lookup "v1" "Node" "" "" }}
{{- range (($nodes | default dict).items | default list) }}
{{- range (.status.addresses | default list) }}
{{- if or (eq .type "InternalIP") (eq .type "ExternalIP") }}{{ $ips = append $ips .address }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson (uniq (concat $ips .Values.pki.generated.extraIPs)) }}
{{- end }}

{{/*
The environment contract of libs/local-stack/src/service-env.ts, with the
in-cluster names. Argument: dict "root" $ "component" "<service name>".
*/}}
{{- define "kapi.serviceEnv" -}}
{{- $root := .root }}
{{- $listenPort := ternary "6443" (include "kapi.grpcPort" .component) (eq .component "aggregator") }}
{{- /*
Every address of the pod: its network namespace holds only loopback and the pod's
own interface, whose address is not known before the pod starts. Who may reach a
port is the NetworkPolicies' to say, and every gRPC call needs a certificate from
the services CA. IPv4 only, as the README says; the services would take
"[::]:port" too.
*/}}
{{- $listenHost := "0.0.0.0" }}
- name: KAPI_SERVICE_NAME
  value: {{ .component | quote }}
- name: KAPI_INSTANCE
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: KAPI_LISTEN
  value: {{ printf "%s:%s" $listenHost $listenPort | quote }}
{{- range $variable, $service := dict "KAPI_AUTHN_ADDR" "authn" "KAPI_AUTHZ_ADDR" "authz" "KAPI_ADMISSION_ADDR" "admission" "KAPI_REGISTRY_ADDR" "registry" "KAPI_WATCH_CACHE_ADDR" "watch-cache" }}
- name: {{ $variable }}
  value: {{ include "kapi.backendAddress" (dict "root" $root "component" $service) | quote }}
{{- end }}
- name: KAPI_ETCD_ENDPOINTS
  value: {{ include "kapi.etcdEndpoints" $root | quote }}
{{- if and (eq .component "registry") (include "kapi.externalEtcdTls" $root) }}
- name: KAPI_ETCD_CAFILE
  value: /etc/kapi/etcd/ca.crt
{{- if $root.Values.etcd.externalTls.clientCertificate }}
- name: KAPI_ETCD_CERTFILE
  value: /etc/kapi/etcd/tls.crt
- name: KAPI_ETCD_KEYFILE
  value: /etc/kapi/etcd/tls.key
{{- end }}
{{- end }}
{{- if eq .component "registry" }}
- name: KAPI_CONTROLLERS
  value: {{ include "kapi.ownControllers" $root | quote }}
{{- end }}
- name: KAPI_NATS_URL
  value: {{ include "kapi.natsUrl" $root | quote }}
{{- /* Its own identity among the services (kapi.kapiVolumes mounts these files only). */}}
- name: KAPI_SERVICES_CA_FILE
  value: /etc/kapi/pki/services/ca.crt
- name: KAPI_SERVICE_CERT_FILE
  value: {{ printf "/etc/kapi/pki/services/%s.crt" .component | quote }}
- name: KAPI_SERVICE_KEY_FILE
  value: {{ printf "/etc/kapi/pki/services/%s.key" .component | quote }}
- name: KAPI_PKI_DIR
  value: /etc/kapi/pki
- name: KAPI_TRACE_FILE
  value: {{ ternary "/var/lib/kapi/traces/$(KAPI_INSTANCE).traces.jsonl" "" $root.Values.tracing.toFile | quote }}
{{- if eq .component "aggregator" }}
- name: KAPI_ADVERTISE_ADDRESS
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- /* kube-apiserver's --shutdown-delay-duration and --max-(mutating-)requests-inflight. */}}
- name: KAPI_SHUTDOWN_DELAY_DURATION
  value: {{ $root.Values.aggregator.shutdownDelayDuration | quote }}
- name: KAPI_MAX_REQUESTS_INFLIGHT
  value: {{ $root.Values.aggregator.maxRequestsInflight | quote }}
- name: KAPI_MAX_MUTATING_REQUESTS_INFLIGHT
  value: {{ $root.Values.aggregator.maxMutatingRequestsInflight | quote }}
{{- else }}
{{- /* The front door serves /metrics on its HTTPS port; the backends have no HTTP port of their own. */}}
- name: KAPI_METRICS_LISTEN
  value: {{ printf "%s:%v" $listenHost $root.Values.metrics.port | quote }}
{{- end }}
- name: KAPI_STATE_DIR
  value: /var/lib/kapi
{{- with $root.Values.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with include "kapi.authEnv" . | trim }}
{{ . }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Scheduling and security shared by every pod of the release. */}}
{{- define "kapi.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Pod annotations: a change of the generated PKI restarts the pods that read it.
With an existing Secret the chart cannot see its content, so that is left to
the user.
*/}}
{{- define "kapi.podAnnotations" -}}
{{- $annotations := deepCopy .Values.podAnnotations }}
{{- if not .Values.pki.existingSecret }}
{{- $_ := set $annotations "checksum/pki" (include "kapi.pkiData" . | sha256sum) }}
{{- end }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The generated PKI, as Secret data. An existing Secret's CA is reused so that
kubeconfigs issued from it keep working across upgrades; its serving
certificate is reused unless the names it must carry changed (recorded in an
annotation) or it was removed to force a renewal. Results are memoised in
.Values because the same template is included by several files, and each
generation would otherwise yield different keys.
*/}}
{{- define "kapi.pkiData" -}}
{{- if not (hasKey .Values "__kapiPki") }}
{{- $dns := include "kapi.servingDnsNames" . | fromJsonArray }}
{{- $ips := include "kapi.servingIPs" . | fromJsonArray }}
{{- $sansDigest := printf "%s|%s" (join "," $dns) (join "," $ips) | sha256sum }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "kapi.pkiSecretName" .) }}
{{- $found := dict }}
{{- $previousDigest := "" }}
{{- if $existing }}
{{- $found = $existing.data | default dict }}
{{- $previousDigest = index ($existing.metadata.annotations | default dict) "kapi/serving-sans-sha256" | default "" }}
{{- end }}
{{- $data := dict }}
{{- $ca := dict }}
{{- $caReused := and (hasKey $found "ca.crt") (hasKey $found "ca.key") }}
{{- if $caReused }}
{{- $ca = buildCustomCert (index $found "ca.crt") (index $found "ca.key") }}
{{- $_ := set $data "ca.crt" (index $found "ca.crt") }}
{{- $_ := set $data "ca.key" (index $found "ca.key") }}
{{- else }}
{{- $ca = genCA "kapi-ca" (int .Values.pki.generated.caValidityDays) }}
{{- $_ := set $data "ca.crt" ($ca.Cert | b64enc) }}
{{- $_ := set $data "ca.key" ($ca.Key | b64enc) }}
{{- end }}
{{- if and $caReused (hasKey $found "apiserver.crt") (hasKey $found "apiserver.key") (eq $previousDigest $sansDigest) }}
{{- $_ := set $data "apiserver.crt" (index $found "apiserver.crt") }}
{{- $_ := set $data "apiserver.key" (index $found "apiserver.key") }}
{{- else }}
{{- $serving := genSignedCert "kube-apiserver" $ips $dns (int .Values.pki.generated.servingCertValidityDays) $ca }}
{{- $_ := set $data "apiserver.crt" ($serving.Cert | b64enc) }}
{{- $_ := set $data "apiserver.key" ($serving.Key | b64enc) }}
{{- end }}
{{- /* The ServiceAccount token signing key: a new one would invalidate every token issued. */}}
{{- if hasKey $found "sa.key" }}
{{- $_ := set $data "sa.key" (index $found "sa.key") }}
{{- else }}
{{- $_ := set $data "sa.key" (genPrivateKey "ecdsa" | b64enc) }}
{{- end }}
{{- /*
kube's front-proxy CA, apart from the users' CA, and the client certificate the
front door proxies to aggregated API servers with (CN front-proxy-client, the
name the extension-apiserver-authentication ConfigMap allows), as the local
stack issues them. Kept across upgrades.
*/}}
{{- $frontProxyCa := dict }}
{{- $frontProxyReused := and (hasKey $found "front-proxy-ca.crt") (hasKey $found "front-proxy-ca.key") }}
{{- if $frontProxyReused }}
{{- $frontProxyCa = buildCustomCert (index $found "front-proxy-ca.crt") (index $found "front-proxy-ca.key") }}
{{- $_ := set $data "front-proxy-ca.crt" (index $found "front-proxy-ca.crt") }}
{{- $_ := set $data "front-proxy-ca.key" (index $found "front-proxy-ca.key") }}
{{- else }}
{{- $frontProxyCa = genCA "front-proxy-ca" (int .Values.pki.generated.caValidityDays) }}
{{- $_ := set $data "front-proxy-ca.crt" ($frontProxyCa.Cert | b64enc) }}
{{- $_ := set $data "front-proxy-ca.key" ($frontProxyCa.Key | b64enc) }}
{{- end }}
{{- if and $frontProxyReused (hasKey $found "front-proxy-client.crt") (hasKey $found "front-proxy-client.key") }}
{{- $_ := set $data "front-proxy-client.crt" (index $found "front-proxy-client.crt") }}
{{- $_ := set $data "front-proxy-client.key" (index $found "front-proxy-client.key") }}
{{- else }}
{{- $frontProxyClient := genSignedCert "front-proxy-client" nil nil (int .Values.pki.generated.servingCertValidityDays) $frontProxyCa }}
{{- $_ := set $data "front-proxy-client.crt" ($frontProxyClient.Cert | b64enc) }}
{{- $_ := set $data "front-proxy-client.key" ($frontProxyClient.Key | b64enc) }}
{{- end }}
{{- /*
Client certificates for kube-controller-manager and kube-scheduler when the chart
runs them (controllerManager.enabled, scheduler.enabled): from the users' CA, with
the user names kube's bootstrap policy binds their roles to. Kept across upgrades.
*/}}
{{- range $component := list (dict "file" "controller-manager" "user" "system:kube-controller-manager" "values" $.Values.controllerManager) (dict "file" "scheduler" "user" "system:kube-scheduler" "values" $.Values.scheduler) }}
{{- if $component.values.enabled }}
{{- $cert := printf "%s.crt" $component.file }}
{{- $key := printf "%s.key" $component.file }}
{{- if and $caReused (hasKey $found $cert) (hasKey $found $key) }}
{{- $_ := set $data $cert (index $found $cert) }}
{{- $_ := set $data $key (index $found $key) }}
{{- else }}
{{- $issued := genSignedCert $component.user nil nil (int $.Values.pki.generated.servingCertValidityDays) $ca }}
{{- $_ := set $data $cert ($issued.Cert | b64enc) }}
{{- $_ := set $data $key ($issued.Key | b64enc) }}
{{- end }}
{{- end }}
{{- end }}
{{- /*
The services CA, apart from the CA above so that a user's certificate never
passes as a service, and one certificate per identity (its common name), with
ECDSA P-256 keys as the local stack issues them (libs/local-stack/src/pki.ts).
Kept across upgrades; an identity removed from the Secret is reissued, a new
services CA reissues them all.
*/}}
{{- $servicesCa := dict }}
{{- $servicesReused := and (hasKey $found "services-ca.crt") (hasKey $found "services-ca.key") }}
{{- if $servicesReused }}
{{- $servicesCa = buildCustomCert (index $found "services-ca.crt") (index $found "services-ca.key") }}
{{- $_ := set $data "services-ca.crt" (index $found "services-ca.crt") }}
{{- $_ := set $data "services-ca.key" (index $found "services-ca.key") }}
{{- else }}
{{- $servicesCa = genCAWithKey "kapi-services-ca" (int .Values.pki.generated.caValidityDays) (genPrivateKey "ecdsa") }}
{{- $_ := set $data "services-ca.crt" ($servicesCa.Cert | b64enc) }}
{{- $_ := set $data "services-ca.key" ($servicesCa.Key | b64enc) }}
{{- end }}
{{- range $identity := include "kapi.serviceIdentities" . | fromJsonArray }}
{{- $cert := printf "%s.crt" $identity }}
{{- $key := printf "%s.key" $identity }}
{{- if and $servicesReused (hasKey $found $cert) (hasKey $found $key) }}
{{- $_ := set $data $cert (index $found $cert) }}
{{- $_ := set $data $key (index $found $key) }}
{{- else }}
{{- $issued := genSignedCertWithKey $identity nil nil (int $.Values.pki.generated.servingCertValidityDays) $servicesCa (genPrivateKey "ecdsa") }}
{{- $_ := set $data $cert ($issued.Cert | b64enc) }}
{{- $_ := set $data $key ($issued.Key | b64enc) }}
{{- end }}
{{- end }}
{{- $_ := set .Values "__kapiPki" (dict "data" $data "sansDigest" $sansDigest) }}
{{- end }}
{{- toJson (get .Values "__kapiPki") }}
{{- end }}

{{/*
The container fields every kapi service shares. Argument: dict "root" $ "component" "<name>".
*/}}
{{- define "kapi.kapiContainer" -}}
image: {{ include "kapi.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
workingDir: {{ .root.Values.image.workingDir }}
command:
  - {{ .root.Values.image.node }}
  - {{ printf "--max-old-space-size=%d" (int (index .root.Values (include "kapi.valuesKey" .component)).maxOldSpaceSize) }}
  - {{ printf "services/%s/dist/main.js" .component }}
env:
  {{- include "kapi.serviceEnv" . | trim | nindent 2 }}
securityContext:
  {{- toYaml .root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: pki
    mountPath: /etc/kapi/pki
    readOnly: true
  # The root filesystem is read-only; these are the only places a service may write.
  - name: state
    mountPath: /var/lib/kapi
  - name: tmp
    mountPath: /tmp
{{- range include "kapi.authVolumes" . | fromJsonArray }}
  - name: {{ .name }}
    mountPath: {{ .dir }}
    readOnly: true
{{- end }}
{{- if and (eq .component "registry") (include "kapi.externalEtcdTls" .root) }}
  - name: etcd-tls
    mountPath: /etc/kapi/etcd
    readOnly: true
{{- end }}
{{- end }}

{{/*
Only the front door gets the serving key; the front door and the registry get
the front-proxy client certificate (the proxy, the availability check), the
registry the front-proxy CA (it publishes it for aggregated servers); authn needs the CA to verify client
certificates; each pod gets the services CA and its own identity's certificate
and key, under services/ as in the local stack; no pod gets a CA key.
Argument: dict "root" $ "component" "<name>".
*/}}
{{- define "kapi.kapiVolumes" -}}
- name: pki
  secret:
    secretName: {{ include "kapi.pkiSecretName" .root }}
    defaultMode: 288 # 0440: readable by the fsGroup, since the pods run as non-root
    items:
      - key: ca.crt
        path: ca.crt
      {{- if eq .component "aggregator" }}
      - key: apiserver.crt
        path: apiserver.crt
      - key: apiserver.key
        path: apiserver.key
      {{- end }}
      {{- if eq .component "registry" }}
      - key: front-proxy-ca.crt
        path: front-proxy-ca.crt
      {{- end }}
      {{- if or (eq .component "aggregator") (eq .component "registry") }}
      - key: front-proxy-client.crt
        path: front-proxy-client.crt
      - key: front-proxy-client.key
        path: front-proxy-client.key
      {{- end }}
      - key: services-ca.crt
        path: services/ca.crt
      - key: {{ printf "%s.crt" .component }}
        path: {{ printf "services/%s.crt" .component }}
      - key: {{ printf "%s.key" .component }}
        path: {{ printf "services/%s.key" .component }}
- name: state
  emptyDir: {}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- range include "kapi.authVolumes" . | fromJsonArray }}
- name: {{ .name }}
  {{- toYaml .source | nindent 2 }}
{{- end }}
{{- if and (eq .component "registry") (include "kapi.externalEtcdTls" .root) }}
- name: etcd-tls
  secret:
    secretName: {{ .root.Values.etcd.externalTls.secretName }}
    defaultMode: 288 # 0440: readable by the fsGroup, since the pods run as non-root
    items:
      - key: ca.crt
        path: ca.crt
      {{- if .root.Values.etcd.externalTls.clientCertificate }}
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}

{{/*
The NATS server's config, with the settings of the local stack
(libs/local-stack/src/nats.ts). sync_interval: always fsyncs every JetStream
write, so a watch event that was acknowledged survives a node losing power.
max_payload is the event bus's MAX_BATCH_BYTES (4 MiB): one revision of the
largest object kube accepts fits a message.
*/}}
{{- define "kapi.natsConfig" -}}
server_name: {{ printf "%s-0" (include "kapi.componentName" (dict "root" . "component" "nats")) | quote }}
listen: "0.0.0.0:4222"
http: "0.0.0.0:8222"
max_payload: 4194304
jetstream {
  store_dir: "/data/jetstream"
  sync_interval: always
}
{{ include "kapi.natsAuthorization" . }}
{{- end }}

{{/*
Who may do what on NATS, as libs/local-stack/src/nats.ts's NATS_USERS grants it
(the chart's test checks they are the same): clients must present a certificate
from the services CA, which names their NATS user (verify_and_map). Only the
registry publishes the event subject and manages the stream; the watch-caches
only read it; each reads replies under its own inbox prefix.
*/}}
{{- define "kapi.natsAuthorization" -}}
tls {
  cert_file: "/etc/nats/tls/nats.crt"
  key_file: "/etc/nats/tls/nats.key"
  ca_file: "/etc/nats/tls/ca.crt"
  verify_and_map: true
}

authorization {
  users = [
    { user: "CN=registry", permissions: { publish: { allow: ["kapi.events", "$JS.API.INFO", "$JS.API.STREAM.CREATE.KAPI_EVENTS", "$JS.API.STREAM.UPDATE.KAPI_EVENTS", "$JS.API.STREAM.INFO.KAPI_EVENTS", "$JS.API.STREAM.MSG.GET.KAPI_EVENTS"] }, subscribe: { allow: ["_INBOX.registry.>"] } } }
    { user: "CN=watch-cache", permissions: { publish: { allow: ["$JS.API.INFO", "$JS.API.STREAM.INFO.KAPI_EVENTS", "$JS.API.CONSUMER.CREATE.KAPI_EVENTS.>", "$JS.API.CONSUMER.INFO.KAPI_EVENTS.>", "$JS.API.CONSUMER.MSG.NEXT.KAPI_EVENTS.>", "$JS.ACK.KAPI_EVENTS.>"] }, subscribe: { allow: ["_INBOX.watch-cache.>"] } } }
  ]
}
{{- end }}

{{/* The identities the services CA issues in the chart: every service, and the NATS server. */}}
{{- define "kapi.serviceIdentities" -}}
{{- toJson (list "aggregator" "authn" "authz" "admission" "registry" "watch-cache" "nats") }}
{{- end }}

{{/*
Which components call each one, as libs/grpc/src/callers.ts declares it (the
chart's test checks they are the same); the front door also asks every backend's
Health for /readyz. Its NetworkPolicy admits these pods and no others.
*/}}
{{- define "kapi.callersOf" -}}
{{- toJson (get (dict
  "authn" (list "aggregator")
  "authz" (list "aggregator" "registry" "admission")
  "admission" (list "aggregator" "registry")
  "registry" (list "aggregator" "authn" "authz" "watch-cache" "admission")
  "watch-cache" (list "aggregator" "authz" "admission")
  "etcd" (list "registry")
  "nats" (list "registry" "watch-cache")
) .) }}
{{- end }}

{{/*
The files of the authentication and authorization settings that a component
reads, as a JSON list of volumes: name, the directory it is mounted at
read-only, and its volume source. Each file gets a fixed name in its directory,
so the variables of kapi.authEnv can name it. Argument: dict "root" $ "component" "<name>".
*/}}
{{- define "kapi.authVolumes" -}}
{{- $authn := .root.Values.authentication }}
{{- $authz := .root.Values.authorization }}
{{- $sa := $authn.serviceAccount }}
{{- $component := .component }}
{{- $volumes := list }}
{{- /* 0440: readable by the fsGroup, since the pods run as non-root. */}}
{{- $mode := 288 }}
{{- if eq $component "authn" }}
{{- with $authn.tokenFile.secretName }}
{{- $volumes = append $volumes (dict "name" "token-auth-file" "dir" "/etc/kapi/auth/token-auth-file" "source" (dict "secret" (dict "secretName" . "defaultMode" $mode "items" (list (dict "key" $authn.tokenFile.key "path" "tokens.csv"))))) }}
{{- end }}
{{- $ca := $authn.oidc.ca }}
{{- if and $authn.oidc.issuerURL $ca.secretName }}
{{- $volumes = append $volumes (dict "name" "oidc-ca" "dir" "/etc/kapi/auth/oidc-ca" "source" (dict "secret" (dict "secretName" $ca.secretName "defaultMode" $mode "items" (list (dict "key" $ca.key "path" "ca.crt"))))) }}
{{- else if and $authn.oidc.issuerURL $ca.configMapName }}
{{- $volumes = append $volumes (dict "name" "oidc-ca" "dir" "/etc/kapi/auth/oidc-ca" "source" (dict "configMap" (dict "name" $ca.configMapName "defaultMode" $mode "items" (list (dict "key" $ca.key "path" "ca.crt"))))) }}
{{- end }}
{{- with $authn.webhook.kubeconfigSecret }}
{{- $volumes = append $volumes (dict "name" "authentication-webhook" "dir" "/etc/kapi/auth/authentication-webhook" "source" (dict "secret" (dict "secretName" . "defaultMode" $mode "items" (list (dict "key" $authn.webhook.kubeconfigKey "path" "kubeconfig"))))) }}
{{- end }}
{{- end }}
{{- /* registry signs tokens; authn and the front door verify with the signing key when no verification keys are listed. */}}
{{- if or (eq $component "registry") (and (has $component (list "authn" "aggregator")) (not $sa.verificationKeys)) }}
{{- $signingSecret := $sa.signingKey.secretName | default (include "kapi.pkiSecretName" .root) }}
{{- $volumes = append $volumes (dict "name" "service-account-signing-key" "dir" "/etc/kapi/auth/service-account-signing-key" "source" (dict "secret" (dict "secretName" $signingSecret "defaultMode" $mode "items" (list (dict "key" $sa.signingKey.key "path" "sa.key"))))) }}
{{- end }}
{{- if and $sa.verificationKeys (has $component (list "authn" "aggregator")) }}
{{- $sources := list }}
{{- range $index, $file := $sa.verificationKeys }}
{{- $sources = append $sources (dict "secret" (dict "name" $file.secretName "items" (list (dict "key" $file.key "path" (printf "%d.pem" $index))))) }}
{{- end }}
{{- $volumes = append $volumes (dict "name" "service-account-keys" "dir" "/etc/kapi/auth/service-account-keys" "source" (dict "projected" (dict "defaultMode" $mode "sources" $sources))) }}
{{- end }}
{{- if and (eq $component "authz") $authz.webhook.kubeconfigSecret }}
{{- $volumes = append $volumes (dict "name" "authorization-webhook" "dir" "/etc/kapi/auth/authorization-webhook" "source" (dict "secret" (dict "secretName" $authz.webhook.kubeconfigSecret "defaultMode" $mode "items" (list (dict "key" $authz.webhook.kubeconfigKey "path" "kubeconfig"))))) }}
{{- end }}
{{- toJson $volumes }}
{{- end }}

{{/*
The KAPI_* variables of the authentication and authorization settings, for the
components that read them, each only when it differs from kapi's default (the
signing key's always, since the chart keeps it apart from the PKI files). The
paths are those of kapi.authVolumes. Argument: dict "root" $ "component" "<name>".
*/}}
{{- define "kapi.authEnv" -}}
{{- include "kapi.validateAuth" .root }}
{{- $authn := .root.Values.authentication }}
{{- $authz := .root.Values.authorization }}
{{- $sa := $authn.serviceAccount }}
{{- $component := .component }}
{{- $env := dict }}
{{- if eq $component "authn" }}
{{- if not $authn.anonymous }}
{{- $_ := set $env "KAPI_ANONYMOUS_AUTH" "false" }}
{{- end }}
{{- if $authn.bootstrapTokens }}
{{- $_ := set $env "KAPI_ENABLE_BOOTSTRAP_TOKEN_AUTH" "true" }}
{{- end }}
{{- if $authn.tokenFile.secretName }}
{{- $_ := set $env "KAPI_TOKEN_AUTH_FILE" "/etc/kapi/auth/token-auth-file/tokens.csv" }}
{{- end }}
{{- $oidc := $authn.oidc }}
{{- if $oidc.issuerURL }}
{{- $_ := set $env "KAPI_OIDC_ISSUER_URL" $oidc.issuerURL }}
{{- $_ := set $env "KAPI_OIDC_CLIENT_ID" $oidc.clientID }}
{{- range $variable, $value := dict "KAPI_OIDC_USERNAME_CLAIM" $oidc.usernameClaim "KAPI_OIDC_USERNAME_PREFIX" $oidc.usernamePrefix "KAPI_OIDC_GROUPS_CLAIM" $oidc.groupsClaim "KAPI_OIDC_GROUPS_PREFIX" $oidc.groupsPrefix }}
{{- if $value }}
{{- $_ := set $env $variable $value }}
{{- end }}
{{- end }}
{{- if or $oidc.ca.secretName $oidc.ca.configMapName }}
{{- $_ := set $env "KAPI_OIDC_CA_FILE" "/etc/kapi/auth/oidc-ca/ca.crt" }}
{{- end }}
{{- end }}
{{- if $authn.webhook.kubeconfigSecret }}
{{- $_ := set $env "KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CONFIG_FILE" "/etc/kapi/auth/authentication-webhook/kubeconfig" }}
{{- end }}
{{- with $authn.webhook.cacheTTL }}
{{- $_ := set $env "KAPI_AUTHENTICATION_TOKEN_WEBHOOK_CACHE_TTL" . }}
{{- end }}
{{- end }}
{{- if has $component (list "authn" "aggregator" "registry") }}
{{- /* Always set: kapi's default, sa.key in the PKI directory, is not part of the chart's PKI mount. */}}
{{- $_ := set $env "KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE" "/etc/kapi/auth/service-account-signing-key/sa.key" }}
{{- if and $sa.verificationKeys (ne $component "registry") }}
{{- $files := list }}
{{- range $index, $_ := $sa.verificationKeys }}
{{- $files = append $files (printf "/etc/kapi/auth/service-account-keys/%d.pem" $index) }}
{{- end }}
{{- $_ := set $env "KAPI_SERVICE_ACCOUNT_KEY_FILES" (join "," $files) }}
{{- /* authn and the front door only verify: they need no signing key. */}}
{{- $_ := unset $env "KAPI_SERVICE_ACCOUNT_SIGNING_KEY_FILE" }}
{{- end }}
{{- end }}
{{- if eq $component "authz" }}
{{- if ne (join "," $authz.modes) "RBAC" }}
{{- $_ := set $env "KAPI_AUTHORIZATION_MODE" (join "," $authz.modes) }}
{{- end }}
{{- if $authz.webhook.kubeconfigSecret }}
{{- $_ := set $env "KAPI_AUTHORIZATION_WEBHOOK_CONFIG_FILE" "/etc/kapi/auth/authorization-webhook/kubeconfig" }}
{{- end }}
{{- with $authz.webhook.cacheAuthorizedTTL }}
{{- $_ := set $env "KAPI_AUTHORIZATION_WEBHOOK_CACHE_AUTHORIZED_TTL" . }}
{{- end }}
{{- with $authz.webhook.cacheUnauthorizedTTL }}
{{- $_ := set $env "KAPI_AUTHORIZATION_WEBHOOK_CACHE_UNAUTHORIZED_TTL" . }}
{{- end }}
{{- end }}
{{- range $variable, $value := $env }}
- name: {{ $variable }}
  value: {{ $value | quote }}
{{- end }}
{{- end }}

{{/*
What the values schema cannot say: the settings that only make sense together,
refused as kapi's services would refuse them at start.
*/}}
{{- define "kapi.validateAuth" -}}
{{- $authn := .Values.authentication }}
{{- $authz := .Values.authorization }}
{{- if and (has "Webhook" $authz.modes) (not $authz.webhook.kubeconfigSecret) }}
{{- fail "authorization.modes lists Webhook: set authorization.webhook.kubeconfigSecret" }}
{{- end }}
{{- if and $authz.webhook.kubeconfigSecret (not (has "Webhook" $authz.modes)) }}
{{- fail "authorization.webhook.kubeconfigSecret is set: list Webhook in authorization.modes" }}
{{- end }}
{{- if and $authn.oidc.issuerURL (not $authn.oidc.clientID) }}
{{- fail "authentication.oidc.clientID is required with authentication.oidc.issuerURL" }}
{{- end }}
{{- if and $authn.oidc.ca.secretName $authn.oidc.ca.configMapName }}
{{- fail "authentication.oidc.ca: set secretName or configMapName, not both" }}
{{- end }}
{{- end }}

{{/*
The test pods' delete policy (tests.hookDeletePolicy).
*/}}
{{- define "kapi.testHookDeletePolicy" -}}
helm.sh/hook-delete-policy: {{ .Values.tests.hookDeletePolicy | quote }}
{{- end }}

{{/*
Which of kapi's copies of kube-controller-manager's controllers run (KAPI_CONTROLLERS):
registry.controllers; its default "*" turns them all off when the release runs the real
kube-controller-manager (controllerManager.enabled), so that one of each acts.
*/}}
{{- define "kapi.ownControllers" -}}
{{- if and .Values.controllerManager.enabled (eq .Values.registry.controllers "*") }}
{{- "-namespace,-garbagecollector,-serviceaccount,-resourcequota,-validatingadmissionpolicy-status-controller" }}
{{- else }}
{{- .Values.registry.controllers }}
{{- end }}
{{- end }}
