// A client-go program that writes as kube's own components do, in protobuf: it creates a
// CustomResourceDefinition with the apiextensions clientset, waits until it is established, creates
// a Deployment, writes its status, and reads each back, checking that what kapi stored is what it
// sent. It prints one JSON line per step, for test-e2e/src/protobuf-clients.e2e-spec.ts to read.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

type line struct {
	Event string `json:"event"`
	Name  string `json:"name,omitempty"`
	Error string `json:"error,omitempty"`
}

func say(l line) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

func fail(event string, err error) {
	say(line{Event: event, Error: err.Error()})
	os.Exit(1)
}

// same reports a difference between what was sent and what came back (as kube compares objects:
// quantities and times by value), as JSON both.
func same(event string, sent, got any) {
	if equality.Semantic.DeepEqual(sent, got) {
		say(line{Event: event})
		return
	}
	s, _ := json.Marshal(sent)
	g, _ := json.Marshal(got)
	say(line{Event: event, Error: fmt.Sprintf("sent %s, got %s", s, g)})
}

func crd(group string) *apiextv1.CustomResourceDefinition {
	return &apiextv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets." + group},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}},
			Scope: apiextv1.NamespaceScoped,
			Versions: []apiextv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextv1.JSONSchemaProps{
						"spec": {
							Type:     "object",
							Required: []string{"size"},
							Properties: map[string]apiextv1.JSONSchemaProps{
								"size":   {Type: "integer", Minimum: ptr.To(0.0), Maximum: ptr.To(10.0), Default: &apiextv1.JSON{Raw: []byte(`3`)}},
								"color":  {Type: "string", Enum: []apiextv1.JSON{{Raw: []byte(`"red"`)}, {Raw: []byte(`"blue"`)}}},
								"tags":   {Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "string"}}, XListType: ptr.To("set")},
								"labels": {Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &apiextv1.JSONSchemaProps{Type: "string"}}},
								"free":   {Type: "object", XPreserveUnknownFields: ptr.To(true)},
								"port":   {XIntOrString: true},
							},
							XValidations: apiextv1.ValidationRules{{Rule: "self.size >= 0", Message: "size"}},
						},
						"status": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
					},
				}},
				Subresources:             &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}, Scale: &apiextv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.size", StatusReplicasPath: ".status.size"}},
				AdditionalPrinterColumns: []apiextv1.CustomResourceColumnDefinition{{Name: "Size", Type: "integer", JSONPath: ".spec.size"}},
			}},
		},
	}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("50%"))}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					Volumes: []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("64Mi"))}}}},
					Containers: []corev1.Container{{
						Name:           "nginx",
						Image:          "nginx:1.27",
						Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
						Env:            []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}},
						Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}, Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}}, PeriodSeconds: 5, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3},
						VolumeMounts:   []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}},
					}},
				},
			},
		},
	}
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig")
	namespace := flag.String("namespace", "default", "namespace for the Deployment")
	group := flag.String("group", "protobuf.example.com", "the CRD's group")
	flag.Parse()
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail("config", err)
	}
	// As kube-controller-manager and e2e.test do.
	config.ContentType = "application/vnd.kubernetes.protobuf"
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	ext := apiextclient.NewForConfigOrDie(config)
	sentCRD := crd(*group)
	created, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, sentCRD, metav1.CreateOptions{})
	if err != nil {
		fail("crd-created", err)
	}
	say(line{Event: "crd-created", Name: created.Name})
	same("crd-schema", sentCRD.Spec.Versions[0].Schema, created.Spec.Versions[0].Schema)
	same("crd-subresources", sentCRD.Spec.Versions[0].Subresources, created.Spec.Versions[0].Subresources)
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		fail("crd-established", err)
	}
	say(line{Event: "crd-established"})

	kube := kubernetes.NewForConfigOrDie(config)
	sent := deployment()
	dep, err := kube.AppsV1().Deployments(*namespace).Create(ctx, sent, metav1.CreateOptions{})
	if err != nil {
		fail("deployment-created", err)
	}
	say(line{Event: "deployment-created", Name: dep.Name})
	same("deployment-replicas", sent.Spec.Replicas, dep.Spec.Replicas)
	same("deployment-strategy", sent.Spec.Strategy, dep.Spec.Strategy)
	same("deployment-volumes", sent.Spec.Template.Spec.Volumes, dep.Spec.Template.Spec.Volumes)
	sc, dc := sent.Spec.Template.Spec.Containers[0], dep.Spec.Template.Spec.Containers[0]
	same("deployment-container", []any{sc.Ports, sc.Env, sc.Resources, sc.ReadinessProbe, sc.VolumeMounts}, []any{dc.Ports, dc.Env, dc.Resources, dc.ReadinessProbe, dc.VolumeMounts})

	// kube-controller-manager's deployment controller writes the status so.
	now := metav1.NewTime(time.Now().UTC().Truncate(time.Second))
	dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 0, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", LastUpdateTime: now, LastTransitionTime: now}}}
	updated, err := kube.AppsV1().Deployments(*namespace).UpdateStatus(ctx, dep, metav1.UpdateOptions{})
	if err != nil {
		fail("deployment-status", err)
	}
	same("deployment-status", dep.Status, updated.Status)
	say(line{Event: "done"})
}
