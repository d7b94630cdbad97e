// Writes the protobuf bodies client-go sends for a few built-in objects (<name>.pb: the `k8s\0`
// envelope and all, as a typed client with ContentType application/vnd.kubernetes.protobuf sends
// them) beside the JSON the same Go objects encode to (<name>.json). The objects touch every type
// apimachinery marshals by hand: Time, MicroTime, Quantity, IntOrString, RawExtension, apiextensions'
// JSON and JSON-schema unions, inlined members, pointers to zero. libs/api-machinery's
// protobuf-messages spec decodes the .pb files and expects the .json. Beside them, what kube-apiserver
// answers a protobuf client with, from the same serializers: a List, a Status, and one watch event
// as its watch handler frames it (watch-event.pb, the Pod inside as watch-event.json).
//
// Run: cd test-e2e/go/protobuf-bodies && go run . ../../../libs/api-machinery/src/testdata/protobuf
package main

import (
	"bytes"
	"os"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func deployment() runtime.Object {
	when := metav1.NewTime(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"note": "a"}},
		Spec: appsv1.DeploymentSpec{
			Replicas:                ptr.To[int32](0),
			Selector:                &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}}},
			RevisionHistoryLimit:    ptr.To[int32](0),
			ProgressDeadlineSeconds: ptr.To[int32](600),
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("25%"))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "a"}},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](0),
					AutomountServiceAccountToken:  ptr.To(false),
					Volumes: []corev1.Volume{
						{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("64Mi"))}}},
						{Name: "conf", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "conf"}, DefaultMode: ptr.To[int32](0o644)}}},
					},
					Containers: []corev1.Container{{
						Name:    "nginx",
						Image:   "nginx:1.27",
						Command: []string{"nginx", "-g", "daemon off;"},
						Ports:   []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
						Env:     []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
						Resources: corev1.ResourceRequirements{
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.1")},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")}}, PeriodSeconds: 5},
						LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}},
						VolumeMounts:   []corev1.VolumeMount{{Name: "cache", MountPath: "/cache", ReadOnly: true}},
					}},
					Tolerations: []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, TolerationSeconds: ptr.To[int64](30)}},
				},
			},
		},
		Status: appsv1.DeploymentStatus{
			ObservedGeneration: 2,
			Replicas:           1,
			Conditions:         []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, LastUpdateTime: when, LastTransitionTime: when, Reason: "MinimumReplicasAvailable"}},
		},
	}
}

func crd() runtime.Object {
	return &apiextv1.CustomResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{Name: "widgets.example.com"},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: "example.com",
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}},
			Scope: apiextv1.NamespaceScoped,
			Conversion: &apiextv1.CustomResourceConversion{
				Strategy: apiextv1.WebhookConverter,
				Webhook: &apiextv1.WebhookConversion{
					ClientConfig:             &apiextv1.WebhookClientConfig{CABundle: []byte("-----BEGIN CERTIFICATE-----\n"), Service: &apiextv1.ServiceReference{Namespace: "ns", Name: "conv", Path: ptr.To("/convert"), Port: ptr.To[int32](443)}},
					ConversionReviewVersions: []string{"v1"},
				},
			},
			Versions: []apiextv1.CustomResourceDefinitionVersion{{
				Name:    "v1",
				Served:  true,
				Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type:     "object",
					Required: []string{"spec"},
					Properties: map[string]apiextv1.JSONSchemaProps{
						"spec": {
							Type: "object",
							Properties: map[string]apiextv1.JSONSchemaProps{
								"size":   {Type: "integer", Minimum: ptr.To(0.0), Maximum: ptr.To(10.5), Default: &apiextv1.JSON{Raw: []byte(`3`)}},
								"color":  {Type: "string", Enum: []apiextv1.JSON{{Raw: []byte(`"red"`)}, {Raw: []byte(`"blue"`)}}, MaxLength: ptr.To[int64](0)},
								"tags":   {Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "string"}}, XListType: ptr.To("set")},
								"labels": {Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &apiextv1.JSONSchemaProps{Type: "string"}}},
								"free":   {Type: "object", XPreserveUnknownFields: ptr.To(true), AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: false}},
								"port":   {XIntOrString: true, AnyOf: []apiextv1.JSONSchemaProps{{Type: "integer"}, {Type: "string"}}},
								"either": {Type: "string", Nullable: true},
							},
							XValidations: apiextv1.ValidationRules{{Rule: "self.size >= 0", Message: "size", Reason: ptr.To(apiextv1.FieldValueInvalid), FieldPath: ".size"}},
						},
						"status": {Type: "object", XEmbeddedResource: true, XPreserveUnknownFields: ptr.To(true)},
					},
				}},
				Subresources: &apiextv1.CustomResourceSubresources{
					Status: &apiextv1.CustomResourceSubresourceStatus{},
					Scale:  &apiextv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.size", StatusReplicasPath: ".status.size"},
				},
				AdditionalPrinterColumns: []apiextv1.CustomResourceColumnDefinition{{Name: "Size", Type: "integer", JSONPath: ".spec.size", Priority: 0}},
				SelectableFields:         []apiextv1.SelectableField{{JSONPath: ".spec.color"}},
			}},
			PreserveUnknownFields: false,
		},
	}
}

func lease() runtime.Object {
	renew := metav1.NewMicroTime(time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC))
	return &coordinationv1.Lease{
		TypeMeta:   metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: metav1.ObjectMeta{Name: "leader", Namespace: "kube-system"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To("me"), LeaseDurationSeconds: ptr.To[int32](15), RenewTime: &renew, LeaseTransitions: ptr.To[int32](0)},
	}
}

func controllerRevision() runtime.Object {
	return &appsv1.ControllerRevision{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "ControllerRevision"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns"},
		Data:       runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}}`)},
		Revision:   1,
	}
}

func main() {
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	scheme := runtime.NewScheme()
	pb := protobuf.NewSerializer(scheme, scheme)
	js := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{Pretty: true})
	for name, obj := range map[string]runtime.Object{"deployment": deployment(), "crd": crd(), "lease": lease(), "controllerrevision": controllerRevision(), "podlist": podList(), "status": status(), "watch-event": pod("a")} {
		for ext, enc := range map[string]runtime.Encoder{"pb": pb, "json": js} {
			var b bytes.Buffer
			if err := enc.Encode(obj, &b); err != nil {
				panic(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"."+ext), b.Bytes(), 0o644); err != nil {
				panic(err)
			}
		}
	}
	// A watch event as kube's watch handler writes it: the object encoded whole (envelope and all)
	// into the WatchEvent's RawExtension, the WatchEvent by the raw serializer, framed by its length.
	var object bytes.Buffer
	if err := pb.Encode(pod("a"), &object); err != nil {
		panic(err)
	}
	var frame bytes.Buffer
	events := streaming.NewEncoder(protobuf.LengthDelimitedFramer.NewFrameWriter(&frame), protobuf.NewRawSerializer(scheme, scheme))
	if err := events.Encode(&metav1.WatchEvent{Type: "ADDED", Object: runtime.RawExtension{Raw: object.Bytes()}}); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "watch-event.pb"), frame.Bytes(), 0o644); err != nil {
		panic(err)
	}
}

func pod(name string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", ResourceVersion: "12", CreationTimestamp: metav1.NewTime(time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}}}},
		Status:     corev1.PodStatus{Phase: corev1.PodPending},
	}
}

func podList() runtime.Object {
	a, b := pod("a"), pod("b")
	a.TypeMeta, b.TypeMeta = metav1.TypeMeta{}, metav1.TypeMeta{}
	return &corev1.PodList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PodList"}, ListMeta: metav1.ListMeta{ResourceVersion: "12", Continue: "next"}, Items: []corev1.Pod{*a, *b}}
}

func status() runtime.Object {
	return &metav1.Status{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
		Status:   metav1.StatusFailure, Message: `pods "x" not found`, Reason: metav1.StatusReasonNotFound, Code: 404,
		Details: &metav1.StatusDetails{Name: "x", Kind: "pods"},
	}
}
