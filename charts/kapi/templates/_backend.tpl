{{/*
A gRPC backend service: its Deployment and the headless Service whose DNS name
resolves to every ready replica. Argument: dict "root" $ "component" "<name>".
*/}}
{{- define "kapi.backend" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- $values := index $root.Values (include "kapi.valuesKey" $component) }}
{{- $name := include "kapi.componentName" . }}
{{- $port := include "kapi.grpcPort" $component | int }}
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kapi.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "kapi.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: metrics
      port: {{ $root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kapi.labels" . | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  selector:
    matchLabels:
      {{- include "kapi.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kapi.labels" . | nindent 8 }}
      {{- with include "kapi.podAnnotations" $root | trim }}
      {{- . | nindent 6 }}
      {{- end }}
    spec:
      {{- include "kapi.podCommon" $root | trim | nindent 6 }}
      # Service links would add variables such as KAPI_SERVICE_HOST that
      # look like the env contract's but are not part of it.
      enableServiceLinks: false
      containers:
        - name: {{ $component }}
          {{- include "kapi.kapiContainer" . | trim | nindent 10 }}
          ports:
            - name: grpc
              containerPort: {{ $port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
          # Kubelet's gRPC probe asks grpc.health.v1, which kapi does not serve
          # (it has kapi.health.v1), so an open port is the readiness signal.
          readinessProbe:
            tcpSocket:
              port: grpc
            periodSeconds: 5
            failureThreshold: 3
          # As the front door's: up to two minutes to start before liveness counts.
          startupProbe:
            tcpSocket:
              port: grpc
            periodSeconds: 5
            failureThreshold: 24
          livenessProbe:
            tcpSocket:
              port: grpc
            periodSeconds: 10
            failureThreshold: 6
          resources:
            {{- toYaml $values.resources | nindent 12 }}
      volumes:
        {{- include "kapi.kapiVolumes" . | trim | nindent 8 }}
{{- if $values.podDisruptionBudget.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kapi.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $values.podDisruptionBudget.maxUnavailable | toJson }}
  selector:
    matchLabels:
      {{- include "kapi.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
